// Command echo is the auth0kit example for Echo v4: a home page with
// login/logout links, a protected page and a protected JSON API.
//
// It is configured only through the standard environment variables
// (AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET,
// APP_BASE_URL; REDIS_URL or DATABASE_URL for server-side sessions) and
// listens on $PORT (default 3000), so it runs unchanged
// against a real Auth0 tenant or any OpenID Connect provider.
// `make demo FRAMEWORK=echo` runs it against the local development
// provider.
package main

import (
	"context"
	"html/template"
	"io"
	"log"
	"net/http"

	auth0echo "github.com/auth0kit/auth0kit/adapters/echo"
	"github.com/auth0kit/auth0kit/examples/internal/appenv"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

var page = appenv.Page

// renderer makes c.Render use the page template.
type renderer struct{ t *template.Template }

func (r renderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return r.t.ExecuteTemplate(w, name, data)
}

func main() {
	client, logger, err := appenv.Client(context.Background())
	if err != nil {
		log.Fatal(err)
	}

	e := echo.New()
	e.HideBanner = true
	e.Renderer = renderer{page}
	e.Use(middleware.RequestLogger(), middleware.Recover(), auth0echo.Middleware(client))

	e.GET("/", func(c echo.Context) error {
		return c.Render(http.StatusOK, "page", appenv.View{Framework: "Echo", Title: "auth0kit + Echo", User: auth0echo.User(c)})
	})
	e.GET("/private", func(c echo.Context) error {
		return c.Render(http.StatusOK, "page", appenv.View{Framework: "Echo", Title: "Protected page", User: auth0echo.User(c)})
	}, auth0echo.RequireAuth())
	api := e.Group("/api", auth0echo.RequireAuthAPI())
	api.GET("/me", func(c echo.Context) error {
		return c.JSON(http.StatusOK, auth0echo.User(c))
	})
	// GET /api/call calls API_BASE_URL as the user (Bearer or DPoP).
	api.GET("/call", func(c echo.Context) error {
		return c.JSON(appenv.CallAPIResult(c.Request().Context(), client))
	})

	addr := appenv.Addr()
	logger.Info("listening", "addr", addr)
	e.Logger.Fatal(e.Start(addr))
}
