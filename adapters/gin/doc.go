// Package auth0gin adds Auth0 (or any OpenID Connect provider) login to Gin
// applications: a middleware that mounts /auth/login, /auth/callback,
// /auth/logout and /auth/profile and keeps the session, guards for pages
// and APIs, and accessors for the session and user.
//
// Quickstart:
//
//	client, err := auth0kit.New() // reads AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET, APP_BASE_URL
//	if err != nil {
//		log.Fatal(err)
//	}
//	r := gin.New()
//	r.Use(gin.Logger(), gin.Recovery(), auth0gin.Middleware(client)) // before any route
//	r.GET("/", func(c *gin.Context) {
//		if u := auth0gin.User(c); u != nil {
//			c.String(http.StatusOK, "Hello %s", u.Name)
//			return
//		}
//		c.String(http.StatusOK, "Log in at /auth/login")
//	})
//	r.GET("/private", auth0gin.RequireAuth(), privatePage)
//	api := r.Group("/api", auth0gin.RequireAuthAPI())
//	api.GET("/me", func(c *gin.Context) { c.JSON(http.StatusOK, auth0gin.User(c)) })
//	log.Fatal(r.Run(":3000"))
//
// Register [Middleware] with r.Use before any route: Gin fixes each route's
// handler chain when the route is registered. [RequireAuth] and
// [RequireAuthAPI] abort the chain when there is no session. Call
// [UpdateSession] before writing the body.
//
// The adapter only translates between Gin and the core package
// (github.com/auth0kit/auth0kit/core); every rule lives there.
package auth0gin
