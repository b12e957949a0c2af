// Package auth0echo adds Auth0 (or any OpenID Connect provider) login to
// Echo v5 applications: a middleware that mounts /auth/login,
// /auth/callback, /auth/logout and /auth/profile and keeps the session,
// guards for pages and APIs, and accessors for the session and user.
//
// Quickstart:
//
//	client, err := auth0kit.New() // reads AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET, APP_BASE_URL
//	if err != nil {
//		log.Fatal(err)
//	}
//	e := echo.New()
//	e.Use(auth0echo.Middleware(client))
//	e.GET("/", func(c *echo.Context) error {
//		if u := auth0echo.User(c); u != nil {
//			return c.String(http.StatusOK, "Hello "+u.Name)
//		}
//		return c.String(http.StatusOK, "Log in at /auth/login")
//	})
//	e.GET("/private", privatePage, auth0echo.RequireAuth())
//	api := e.Group("/api", auth0echo.RequireAuthAPI())
//	api.GET("/me", func(c *echo.Context) error { return c.JSON(http.StatusOK, auth0echo.User(c)) })
//	if err := e.Start(":3000"); err != nil {
//		log.Fatal(err)
//	}
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
