package auth0gin_test

import (
	"encoding/json"
	"html"
	"log"
	"net/http"

	auth0gin "github.com/auth0kit/auth0kit/adapters/gin"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gin-gonic/gin"
)

func ExampleMiddleware() {
	// Reads AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET
	// and APP_BASE_URL.
	client, err := auth0kit.New()
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	// Before any route: Gin fixes a route's handlers when it is registered.
	r.Use(gin.Logger(), gin.Recovery(), auth0gin.Middleware(client))
	r.GET("/", func(c *gin.Context) {
		if u := auth0gin.User(c); u != nil {
			c.Data(http.StatusOK, "text/html; charset=utf-8",
				[]byte("Hello "+html.EscapeString(u.Name)+`! <a href="/auth/logout">Log out</a>`))
			return
		}
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(`<a href="/auth/login">Log in</a>`))
	})
	log.Fatal(r.Run(":3000"))
}

func ExampleRequireAuth() {
	r := gin.New()
	// On a single route…
	r.GET("/account", auth0gin.RequireAuth(), func(c *gin.Context) {
		c.String(http.StatusOK, "Account of %s", auth0gin.User(c).Email)
	})
	// …or on a group.
	admin := r.Group("/admin", auth0gin.RequireAuth())
	admin.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "admin") })
}

func ExampleRequireAuthAPI() {
	r := gin.New()
	api := r.Group("/api", auth0gin.RequireAuthAPI())
	api.GET("/orders", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"user": auth0gin.User(c).Sub})
	})
}

func ExampleUpdateSession() {
	var client *auth0kit.Client // from auth0kit.New
	r := gin.New()
	r.POST("/preferences", auth0gin.RequireAuth(), func(c *gin.Context) {
		s := *auth0gin.Session(c)
		s.Extra = map[string]json.RawMessage{"theme": json.RawMessage(`"dark"`)}
		// Before the body: the cookie is a response header.
		if err := auth0gin.UpdateSession(c, client, &s); err != nil {
			c.AbortWithStatus(auth0kit.HTTPStatus(err))
			return
		}
		c.Status(http.StatusNoContent)
	})
}
