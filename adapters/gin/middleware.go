package auth0gin

import (
	"context"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/gin-gonic/gin"
)

// contextKey is the key under which [Middleware] stores the request's
// binding with c.Set. It is unexported: read the session with [Session].
type contextKey struct{}

// Middleware returns Gin middleware that serves the SDK's routes
// (/auth/login, /auth/callback, /auth/logout, /auth/profile, or the paths
// configured on the client), binds the session to every other request for
// [Session], [User], [RequireAuth] and [RequireAuthAPI], and extends
// rolling sessions.
//
// Register it with r.Use before any route: Gin combines handlers when a
// route is registered, so routes added before the call run without it.
// Engine-level Use also covers unmatched paths, which is how the SDK's
// routes are reached without being registered as Gin routes.
//
// The bound context is installed on c.Request (c.Request.Context() works
// with auth0kit.SessionFromContext) and stored on the *gin.Context.
func Middleware(client *auth0kit.Client) gin.HandlerFunc {
	engine := client.Adapter()
	return func(c *gin.Context) {
		ex := newExchange(c)
		ctx, res := engine.Serve(c.Request.Context(), ex)
		if res != nil {
			write(c, res)
			return
		}
		ex.ctx = ctx
		c.Request = c.Request.WithContext(ctx)
		c.Set(contextKey{}, ex)
		c.Next()
	}
}

// RequireAuth returns Gin middleware that protects pages: a request
// without a session is redirected (302) to the login route with returnTo
// set to the current path and query, and the chain is aborted. Use it on a
// group (r.Group("/account", auth0gin.RequireAuth())) or a single route
// (r.GET("/p", auth0gin.RequireAuth(), h)), after [Middleware].
func RequireAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		if res := adapter.RequirePage(boundContext(c), c.Request.URL.RequestURI()); res != nil {
			write(c, res)
		}
	}
}

// RequireAuthAPI returns Gin middleware that protects APIs: a request
// without a session gets 401 with a JSON error body, and the chain is
// aborted.
func RequireAuthAPI() gin.HandlerFunc {
	return func(c *gin.Context) {
		if res := adapter.RequireAPI(boundContext(c)); res != nil {
			write(c, res)
		}
	}
}

// Session returns the session of the request, or nil when the user is not
// logged in. The cookie is decrypted on the first call only. A store
// failure reads as nil here; use auth0kit.SessionFromContext with
// c.Request.Context() to see it.
func Session(c *gin.Context) *auth0kit.Session {
	s, _ := auth0kit.SessionFromContext(boundContext(c))
	return s
}

// User returns the logged-in user, or nil.
func User(c *gin.Context) *auth0kit.User {
	if s := Session(c); s != nil {
		return &s.User
	}
	return nil
}

// UpdateSession replaces the session of the request with s (see
// auth0kit.Client.UpdateSession): the SDK-owned Internal part is kept and
// the cookie (or store record) is rewritten. Call it before the response
// body is written: once Gin has sent the headers it returns an error
// matching auth0kit.ErrHeadersWritten and changes nothing. Without a
// session it returns an error matching auth0kit.ErrNoSession.
func UpdateSession(c *gin.Context, client *auth0kit.Client, s *auth0kit.Session) error {
	if c.Writer.Written() {
		return auth0kit.ErrHeadersWritten
	}
	return client.UpdateSession(boundContext(c), s)
}

// binding returns the exchange stored by Middleware, or nil.
func binding(c *gin.Context) *exchange {
	v, _ := c.Get(contextKey{})
	ex, _ := v.(*exchange)
	return ex
}

// boundContext is the context Middleware bound for c; when Middleware did
// not run on c (the engine is behind auth0http.Middleware instead),
// c.Request.Context().
func boundContext(c *gin.Context) context.Context {
	if ex := binding(c); ex != nil {
		return ex.ctx
	}
	return c.Request.Context()
}

// write sends a core response and aborts the chain.
func write(c *gin.Context, res *adapter.Response) {
	c.Abort()
	_ = res.Write(c.Writer)
	c.Writer.WriteHeaderNow()
}

// exchange is the request's adapter.HTTPExchange plus the context
// [Middleware] bound to it; it is what the Gin context stores.
type exchange struct {
	adapter.HTTPExchange
	ctx context.Context
}

func newExchange(c *gin.Context) *exchange {
	return &exchange{HTTPExchange: adapter.HTTPExchange{R: c.Request, W: c.Writer}}
}
