// Package auth0echo adds Auth0 (or any OpenID Connect provider) login to
// Echo v5 applications: a middleware that mounts /auth/login,
// /auth/callback, /auth/logout and /auth/profile and keeps the session,
// guards for pages and APIs, and accessors for the session and user.
//
// The README's quickstart and this package's examples show a complete
// program.
//
// Register [Middleware] with e.Use (or e.Pre), not on a group: it must see
// the SDK's paths, which have no Echo route. Call [UpdateSession] before
// the response is committed. Handlers take *echo.Context (a struct in
// v5); for Echo v4 use github.com/auth0kit/auth0kit/adapters/echo, which
// has the same package name and API. Import this one as
//
//	auth0echo "github.com/auth0kit/auth0kit/adapters/echov5"
//
// The adapter only translates between Echo and the core package
// (github.com/auth0kit/auth0kit/core); every rule lives there.
package auth0echo
