// Package auth0http adds Auth0 (or any OpenID Connect provider) login to
// net/http applications: a middleware that mounts /auth/login,
// /auth/callback, /auth/logout and /auth/profile and keeps the session,
// guards for pages and APIs, and accessors for the session and user.
//
//	client, err := auth0kit.New() // reads AUTH0_DOMAIN, AUTH0_CLIENT_ID, …
//	mux := http.NewServeMux()
//	mux.Handle("GET /private", auth0http.RequireAuth(privatePage))
//	http.ListenAndServe(":3000", auth0http.Middleware(client)(mux))
//
// The adapter only translates between net/http and the core package
// (github.com/auth0kit/auth0kit/core); every rule lives there.
package auth0http
