package adapter

import (
	"context"
	"net/http"
)

// Engine is what an adapter drives: *auth0kit.Client's Adapter method
// returns one.
type Engine interface {
	// Serve runs the SDK for one request. It binds ex to ctx (the session
	// is then read lazily, at most once, by the guards and the
	// application), answers the SDK's routes (login, callback, logout,
	// profile, access token, back-channel logout) and extends a rolling
	// session. When it returns a non-nil Response the adapter writes it
	// and stops the chain; otherwise it calls the next handler with the
	// returned context.
	Serve(ctx context.Context, ex Exchange) (context.Context, *Response)
	// Bind only attaches ex to ctx: no route is served and the session is
	// not rolled. For tests, and for code that calls the client's methods
	// on a request no middleware served.
	Bind(ctx context.Context, ex Exchange) context.Context
}

// Binding is the per-request state an [Engine] attaches to the context it
// returns from Serve. Adapters do not implement it; they reach it through
// [RequirePage] and [RequireAPI].
type Binding interface {
	// RequirePage is [RequirePage] for this request.
	RequirePage(ctx context.Context, requestURI string) *Response
	// RequireAPI is [RequireAPI] for this request.
	RequireAPI(ctx context.Context) *Response
}

type bindingKey struct{}

// WithBinding returns ctx carrying b. Engines call it; adapters never
// need to.
func WithBinding(ctx context.Context, b Binding) context.Context {
	return context.WithValue(ctx, bindingKey{}, b)
}

// BindingFrom returns the binding that [Engine.Serve] attached to ctx.
func BindingFrom(ctx context.Context) (Binding, bool) {
	b, ok := ctx.Value(bindingKey{}).(Binding)
	return b, ok
}

// RequirePage is the logic of page guards: nil when the request bound to
// ctx has a session; otherwise the answer to send, a 302 to the login
// route with returnTo set to requestURI (the current path and query), or
// the store error's status.
func RequirePage(ctx context.Context, requestURI string) *Response {
	b, ok := BindingFrom(ctx)
	if !ok {
		return notMounted()
	}
	return b.RequirePage(ctx, requestURI)
}

// RequireAPI is the logic of API guards: nil with a session, otherwise a
// 401 JSON answer (or the store error's status).
func RequireAPI(ctx context.Context) *Response {
	b, ok := BindingFrom(ctx)
	if !ok {
		return notMounted()
	}
	return b.RequireAPI(ctx)
}

// notMounted is the answer of a guard whose request the middleware did
// not bind: a programming error, so a 500 with a fixed message.
func notMounted() *Response {
	return &Response{Status: http.StatusInternalServerError, ContentType: "text/plain; charset=utf-8",
		Body: []byte("auth0kit: the session middleware is not mounted in front of this handler\n")}
}
