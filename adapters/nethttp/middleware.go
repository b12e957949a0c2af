package auth0http

import (
	"context"
	"net/http"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/adapter"
)

// Middleware returns net/http middleware that serves the SDK's routes
// (/auth/login, /auth/callback, /auth/logout, /auth/profile,
// /auth/access-token, POST /auth/backchannel-logout, or the paths
// configured on the client), binds the session to every other request's
// context for [SessionFrom], [UserFrom], [RequireAuth] and
// [RequireAuthAPI], and extends rolling sessions. Mount it in front of
// everything, e.g. http.ListenAndServe(addr, auth0http.Middleware(c)(mux)).
func Middleware(c *auth0kit.Client) func(http.Handler) http.Handler {
	engine := c.Adapter()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ex := adapter.NewHTTPExchange(w, r)
			ctx, res := engine.Serve(r.Context(), ex)
			if res != nil {
				write(w, res)
				return
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// Handler serves only the SDK's routes and answers 404 to anything else;
// use it to mount them on a mux (mux.Handle("/auth/", auth0http.Handler(c)))
// when the session middleware is applied elsewhere.
func Handler(c *auth0kit.Client) http.Handler {
	return Middleware(c)(http.NotFoundHandler())
}

// RequireAuth protects pages: a request without a session is redirected
// (302) to the login route with returnTo set to the current path and query.
func RequireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if res := adapter.RequirePage(r.Context(), r.URL.RequestURI()); res != nil {
			write(w, res)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireAuthAPI protects APIs: a request without a session gets 401 with a
// JSON error body.
func RequireAuthAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if res := adapter.RequireAPI(r.Context()); res != nil {
			write(w, res)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// SessionFrom returns the session of the request whose context ctx is, or
// nil when the user is not logged in. The cookie is decrypted on the first
// call only. A store failure reads as nil here; use
// auth0kit.SessionFromContext to see it.
func SessionFrom(ctx context.Context) *auth0kit.Session {
	s, _ := auth0kit.SessionFromContext(ctx)
	return s
}

// UserFrom returns the logged-in user, or nil.
func UserFrom(ctx context.Context) *auth0kit.User {
	if s := SessionFrom(ctx); s != nil {
		return &s.User
	}
	return nil
}

// write sends a core response.
func write(w http.ResponseWriter, res *adapter.Response) { _ = res.Write(w) }

// UpdateSession replaces the session of the request whose context ctx is
// (see auth0kit.Client.UpdateSession). Call it before writing the body:
// net/http cannot add a Set-Cookie header once the headers are sent.
func UpdateSession(ctx context.Context, c *auth0kit.Client, s *auth0kit.Session) error {
	return c.UpdateSession(ctx, s)
}
