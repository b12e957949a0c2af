// Command gin is the auth0kit example for Gin: a home page with
// login/logout links, a protected page and a protected JSON API.
//
// It is configured only through the standard environment variables
// (AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET,
// APP_BASE_URL; REDIS_URL or DATABASE_URL for server-side sessions) and
// listens on $PORT (default 3000), so it runs unchanged
// against a real Auth0 tenant or any OpenID Connect provider.
// `make demo FRAMEWORK=gin` runs it against the local development
// provider. Gin's mode follows GIN_MODE (set GIN_MODE=release in
// production).
package main

import (
	"context"
	"log"
	"net/http"

	auth0gin "github.com/auth0kit/auth0kit/adapters/gin"
	"github.com/auth0kit/auth0kit/examples/internal/appenv"
	"github.com/gin-gonic/gin"
)

var page = appenv.Page

func main() {
	client, logger, err := appenv.Client(context.Background())
	if err != nil {
		log.Fatal(err)
	}

	r := gin.New()
	r.SetHTMLTemplate(page)
	// The session middleware goes first, before any route is registered.
	r.Use(gin.Logger(), gin.Recovery(), auth0gin.Middleware(client))

	r.GET("/", func(c *gin.Context) {
		c.HTML(http.StatusOK, "page", appenv.View{Framework: "Gin", Title: "auth0kit + Gin", User: auth0gin.User(c)})
	})
	r.GET("/private", auth0gin.RequireAuth(), func(c *gin.Context) {
		c.HTML(http.StatusOK, "page", appenv.View{Framework: "Gin", Title: "Protected page", User: auth0gin.User(c)})
	})
	api := r.Group("/api", auth0gin.RequireAuthAPI())
	api.GET("/me", func(c *gin.Context) {
		c.JSON(http.StatusOK, auth0gin.User(c))
	})
	// GET /api/call calls API_BASE_URL as the user (Bearer or DPoP).
	api.GET("/call", func(c *gin.Context) {
		c.JSON(appenv.CallAPIResult(c.Request.Context(), client))
	})

	addr := appenv.Addr()
	logger.Info("listening", "addr", addr)
	log.Fatal(r.Run(addr))
}
