package auth0echo_test

import (
	"encoding/json"
	"html"
	"log"
	"net/http"

	auth0echo "github.com/auth0kit/auth0kit/adapters/echov5"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/labstack/echo/v5"
)

func ExampleMiddleware() {
	// Reads AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET
	// and APP_BASE_URL.
	client, err := auth0kit.New()
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(auth0echo.Middleware(client))
	e.GET("/", func(c *echo.Context) error {
		if u := auth0echo.User(c); u != nil {
			return c.HTML(http.StatusOK, "Hello "+html.EscapeString(u.Name)+`! <a href="/auth/logout">Log out</a>`)
		}
		return c.HTML(http.StatusOK, `<a href="/auth/login">Log in</a>`)
	})
	if err := e.Start(":3000"); err != nil {
		log.Fatal(err)
	}
}

func ExampleRequireAuth() {
	e := echo.New()
	// On a single route (route middleware comes last)…
	e.GET("/account", func(c *echo.Context) error {
		return c.String(http.StatusOK, "Account of "+auth0echo.User(c).Email)
	}, auth0echo.RequireAuth())
	// …or on a group.
	admin := e.Group("/admin", auth0echo.RequireAuth())
	admin.GET("", func(c *echo.Context) error { return c.String(http.StatusOK, "admin") })
}

func ExampleRequireAuthAPI() {
	e := echo.New()
	api := e.Group("/api", auth0echo.RequireAuthAPI())
	api.GET("/orders", func(c *echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"user": auth0echo.User(c).Sub})
	})
}

func ExampleUpdateSession() {
	var client *auth0kit.Client // from auth0kit.New
	e := echo.New()
	e.POST("/preferences", func(c *echo.Context) error {
		s := *auth0echo.Session(c)
		s.Extra = map[string]json.RawMessage{"theme": json.RawMessage(`"dark"`)}
		// Before the response is committed: the cookie is a header.
		if err := auth0echo.UpdateSession(c, client, &s); err != nil {
			return echo.NewHTTPError(auth0kit.HTTPStatus(err), "cannot update the session")
		}
		return c.NoContent(http.StatusNoContent)
	}, auth0echo.RequireAuth())
}
