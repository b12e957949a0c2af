package auth0kit

import (
	"context"
	"net/http"
	"net/url"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// RouteName names an SDK route for [RouteMiddleware]; routes without a
// constant here are named by their path.
type RouteName string

// The SDK's routes.
const (
	RouteLogin             RouteName = "login"
	RouteCallback          RouteName = "callback"
	RouteLogout            RouteName = "logout"
	RouteProfile           RouteName = "profile"
	RouteAccessToken       RouteName = "access-token"
	RouteBackchannelLogout RouteName = "backchannel-logout"
)

// RouteResponse is an SDK route's answer: a status, an optional Location,
// Content-Type and body. Headers and cookies are set through
// [RouteRequest.SetHeader] and [RouteRequest.SetCookie].
type RouteResponse = adapter.Response

// RouteHandler serves one SDK route. The context is the request's (bound
// to it, so [Client.GetSession] and the other app calls work inside).
type RouteHandler func(ctx context.Context, r *RouteRequest) *RouteResponse

// RouteMiddleware wraps the SDK's routes (nextjs-auth0's "customizing auth
// handlers"): run code before a route (and answer instead of it by not
// calling next), or after it (add headers or cookies, read the session the
// callback just created, replace the answer). See [WithRouteMiddleware].
type RouteMiddleware func(next RouteHandler) RouteHandler

// WithRouteMiddleware wraps every SDK route (login, callback, logout,
// profile, access token, back-channel logout) in mw; the first is the
// outermost. It lives in the core, so every adapter applies it alike.
// Without it the routes pay nothing.
//
//	auth0kit.WithRouteMiddleware(func(next auth0kit.RouteHandler) auth0kit.RouteHandler {
//		return func(ctx context.Context, r *auth0kit.RouteRequest) *auth0kit.RouteResponse {
//			if r.Route() == auth0kit.RouteLogin && r.Query().Get("invite") == "closed" {
//				return &auth0kit.RouteResponse{Status: http.StatusForbidden}
//			}
//			res := next(ctx, r)
//			if r.Route() == auth0kit.RouteCallback && res.Status < 400 {
//				r.SetHeader("X-Welcome", "1")
//			}
//			return res
//		}
//	})
func WithRouteMiddleware(mw ...RouteMiddleware) Option {
	return func(c *Config) { c.RouteMiddleware = append(c.RouteMiddleware, mw...) }
}

// RouteRequest is a read-only view of the request an SDK route serves,
// plus the two response writes a hook may add.
type RouteRequest struct {
	name  RouteName
	ex    adapter.Exchange
	serve func(context.Context, adapter.Exchange) *adapter.Response
	query url.Values
}

// Route is the route's name.
func (r *RouteRequest) Route() RouteName { return r.name }

// Method is the request method.
func (r *RouteRequest) Method() string { return r.ex.Method() }

// Path is the request path.
func (r *RouteRequest) Path() string { return r.ex.Path() }

// Query returns the parsed query string (a copy; a malformed query reads
// as empty).
func (r *RouteRequest) Query() url.Values {
	if r.query == nil {
		q, err := url.ParseQuery(r.ex.RawQuery())
		if err != nil {
			q = url.Values{}
		}
		r.query = q
	}
	out := make(url.Values, len(r.query))
	for k, v := range r.query {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// Header returns the first value of a request header.
func (r *RouteRequest) Header(name string) string { return r.ex.Header(name) }

// Cookie returns a request cookie's value.
func (r *RouteRequest) Cookie(name string) (string, bool) {
	v, ok := r.ex.Cookie(name)
	if ok {
		v = percentDecode(v)
	}
	return v, ok
}

// SetHeader sets a response header.
func (r *RouteRequest) SetHeader(name, value string) { r.ex.SetHeader(name, value) }

// SetCookie adds a Set-Cookie header to the response.
func (r *RouteRequest) SetCookie(c *http.Cookie) { r.ex.SetCookie(c) }

// buildRouteChain composes the middleware once, at New.
func buildRouteChain(mw []RouteMiddleware) RouteHandler {
	if len(mw) == 0 {
		return nil
	}
	h := RouteHandler(func(ctx context.Context, r *RouteRequest) *RouteResponse { return r.serve(ctx, r.ex) })
	for i := len(mw) - 1; i >= 0; i-- {
		if mw[i] != nil {
			h = mw[i](h)
		}
	}
	return h
}

// serveHooked runs an SDK route through the route middleware. A nil
// answer from a hook is a 500, as a handler that wrote nothing would be.
func (c *Client) serveHooked(ctx context.Context, ex adapter.Exchange, path string, h func(context.Context, adapter.Exchange) *adapter.Response) *adapter.Response {
	res := c.s.routeChain(ctx, &RouteRequest{name: c.routeName(ex.Method(), path), ex: ex, serve: h})
	if res == nil {
		c.s.logger.Warn("auth0kit: a route middleware returned no response", "path", path)
		return &adapter.Response{Status: http.StatusInternalServerError}
	}
	return res
}

func (c *Client) routeName(method, path string) RouteName {
	r := c.s.routes
	switch {
	case method == http.MethodPost && path == r.BackchannelLogout:
		return RouteBackchannelLogout
	case path == r.Login:
		return RouteLogin
	case path == r.Callback:
		return RouteCallback
	case path == r.Logout:
		return RouteLogout
	case path == r.Profile:
		return RouteProfile
	case path == r.AccessToken:
		return RouteAccessToken
	}
	return RouteName(path) // a route added later is named by its path
}
