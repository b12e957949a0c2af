package auth0fiber

import (
	"context"

	auth0fasthttp "github.com/auth0kit/auth0kit/adapters/fasthttp"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/gofiber/fiber/v2"
)

// localsKey is the c.Locals key of the context bound by [Middleware].
type localsKey struct{}

// Middleware returns fiber middleware that serves the SDK's routes (by
// default GET /auth/login, /auth/callback, /auth/logout, /auth/profile,
// /auth/access-token and POST /auth/backchannel-logout; see
// auth0kit.WithRoutes), binds the session to every other request for
// [Session], [User], [UpdateSession], [RequireAuth] and [RequireAuthAPI],
// and extends rolling sessions. Register it with app.Use before the routes
// (fiber runs handlers in registration order).
//
// The bound context becomes the request's c.UserContext(), so
// auth0kit.SessionFromContext(c.UserContext()) and the client's methods
// see the same cached session. It refers to the request: do not use it
// after the handler returned (fiber recycles the Ctx).
func Middleware(client *auth0kit.Client) fiber.Handler {
	engine := client.Adapter()
	return func(c *fiber.Ctx) error {
		ex := auth0fasthttp.NewExchange(c.Context())
		ctx, res := engine.Serve(c.UserContext(), ex)
		if res != nil {
			return write(c, res)
		}
		c.SetUserContext(ctx)
		c.Locals(localsKey{}, ctx)
		return c.Next()
	}
}

// RequireAuth returns a handler that protects pages: a request without a
// session is redirected (302) to the login route with returnTo set to the
// current path and query. Use it per route or per group:
// app.Get("/account", auth0fiber.RequireAuth(), handler).
func RequireAuth() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if res := adapter.RequirePage(bound(c), string(c.Request().URI().RequestURI())); res != nil {
			return write(c, res)
		}
		return c.Next()
	}
}

// RequireAuthAPI returns a handler that protects APIs: a request without a
// session gets 401 with a JSON error body.
func RequireAuthAPI() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if res := adapter.RequireAPI(bound(c)); res != nil {
			return write(c, res)
		}
		return c.Next()
	}
}

// Session returns the session of the request, or nil when the user is not
// logged in (or [Middleware] is not mounted). The cookie is decrypted on
// the first call only. A store failure reads as nil here; use
// auth0kit.SessionFromContext(c.UserContext()) to see it.
func Session(c *fiber.Ctx) *auth0kit.Session {
	s, _ := auth0kit.SessionFromContext(bound(c))
	return s
}

// User returns the logged-in user, or nil.
func User(c *fiber.Ctx) *auth0kit.User {
	if s := Session(c); s != nil {
		return &s.User
	}
	return nil
}

// UpdateSession replaces the session of the request with s (see
// auth0kit.Client.UpdateSession); the new cookie is sent with the
// response. It returns an error matching auth0kit.ErrNoSession when the
// user is not logged in.
func UpdateSession(c *fiber.Ctx, client *auth0kit.Client, s *auth0kit.Session) error {
	return client.UpdateSession(bound(c), s)
}

// bound returns the context bound by Middleware: from c.Locals, so that a
// handler replacing c.UserContext() with an unrelated context does not
// lose the session, else c.UserContext().
func bound(c *fiber.Ctx) context.Context {
	if ctx, ok := c.Locals(localsKey{}).(context.Context); ok {
		return ctx
	}
	return c.UserContext()
}

// write sends a core response.
func write(c *fiber.Ctx, res *adapter.Response) error {
	auth0fasthttp.Write(c.Context(), res)
	return nil
}
