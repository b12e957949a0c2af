// Package auth0gin adds Auth0 (or any OpenID Connect provider) login to Gin
// applications: a middleware that mounts /auth/login, /auth/callback,
// /auth/logout and /auth/profile and keeps the session, guards for pages
// and APIs, and accessors for the session and user.
//
// The README's quickstart and this package's examples show a complete
// program.
//
// Register [Middleware] with r.Use before any route: Gin fixes each route's
// handler chain when the route is registered. [RequireAuth] and
// [RequireAuthAPI] abort the chain when there is no session. Call
// [UpdateSession] before writing the body.
//
// The adapter only translates between Gin and the core package
// (github.com/auth0kit/auth0kit/core); every rule lives there.
package auth0gin
