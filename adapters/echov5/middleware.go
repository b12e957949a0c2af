package auth0echo

import (
	"context"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/labstack/echo/v5"
)

// contextKey is the key under which [Middleware] stores the request's
// binding with c.Set. Read the session with [Session].
const contextKey = "github.com/auth0kit/auth0kit/adapters/echov5"

// Middleware returns Echo middleware that serves the SDK's routes
// (/auth/login, /auth/callback, /auth/logout, /auth/profile, or the paths
// configured on the client), binds the session to every other request for
// [Session], [User], [RequireAuth] and [RequireAuthAPI], and extends
// rolling sessions.
//
// Register it with e.Use (it also runs for paths without a route, which is
// how the SDK's routes are reached) or e.Pre. On a group it only sees that
// group's paths, so the SDK's routes would not be served.
//
// The bound context is installed on the request (c.Request().Context()
// works with auth0kit.SessionFromContext) and stored with c.Set.
func Middleware(client *auth0kit.Client) echo.MiddlewareFunc {
	engine := client.Adapter()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			ex := newExchange(c)
			ctx, res := engine.Serve(c.Request().Context(), ex)
			if res != nil {
				return write(c, res)
			}
			ex.ctx = ctx
			c.SetRequest(c.Request().WithContext(ctx))
			c.Set(contextKey, ex)
			return next(c)
		}
	}
}

// RequireAuth returns Echo middleware that protects pages: a request
// without a session is redirected (302) to the login route with returnTo
// set to the current path and query. Use it on a group
// (e.Group("/account", auth0echo.RequireAuth())) or a route
// (e.GET("/p", h, auth0echo.RequireAuth())), with [Middleware] in front.
func RequireAuth() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if res := adapter.RequirePage(boundContext(c), c.Request().URL.RequestURI()); res != nil {
				return write(c, res)
			}
			return next(c)
		}
	}
}

// RequireAuthAPI returns Echo middleware that protects APIs: a request
// without a session gets 401 with a JSON error body.
func RequireAuthAPI() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if res := adapter.RequireAPI(boundContext(c)); res != nil {
				return write(c, res)
			}
			return next(c)
		}
	}
}

// Session returns the session of the request, or nil when the user is not
// logged in. The cookie is decrypted on the first call only. A store
// failure reads as nil here; use auth0kit.SessionFromContext with
// c.Request().Context() to see it.
func Session(c *echo.Context) *auth0kit.Session {
	s, _ := auth0kit.SessionFromContext(boundContext(c))
	return s
}

// User returns the logged-in user, or nil.
func User(c *echo.Context) *auth0kit.User {
	if s := Session(c); s != nil {
		return &s.User
	}
	return nil
}

// UpdateSession replaces the session of the request with s (see
// auth0kit.Client.UpdateSession). Call it before the response is
// committed, else it returns auth0kit.ErrHeadersWritten and changes
// nothing; without a session it returns auth0kit.ErrNoSession.
func UpdateSession(c *echo.Context, client *auth0kit.Client, s *auth0kit.Session) error {
	if r, err := echo.UnwrapResponse(c.Response()); err == nil && r.Committed {
		return auth0kit.ErrHeadersWritten
	}
	return client.UpdateSession(boundContext(c), s)
}

// binding returns the exchange stored by Middleware, or nil.
func binding(c *echo.Context) *exchange {
	ex, _ := c.Get(contextKey).(*exchange)
	return ex
}

// boundContext is the context Middleware bound for c; when Middleware did
// not run on c (Echo is behind auth0http.Middleware instead),
// c.Request().Context().
func boundContext(c *echo.Context) context.Context {
	if ex := binding(c); ex != nil {
		return ex.ctx
	}
	return c.Request().Context()
}

// write sends a core response.
func write(c *echo.Context, res *adapter.Response) error {
	return res.Write(c.Response())
}

// exchange is the request's adapter.HTTPExchange plus the context
// [Middleware] bound to it; it is what the Echo context stores.
type exchange struct {
	adapter.HTTPExchange
	ctx context.Context
}

func newExchange(c *echo.Context) *exchange {
	return &exchange{HTTPExchange: adapter.HTTPExchange{R: c.Request(), W: c.Response()}}
}
