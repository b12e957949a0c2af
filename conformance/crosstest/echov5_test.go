package crosstest

import (
	"net/http"
	"strings"

	auth0echo "github.com/auth0kit/auth0kit/adapters/echov5"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/labstack/echo/v5"
)

// Echo v5: as v4, with *echo.Context handlers.
func init() {
	o := echoOps(auth0echo.User, auth0echo.Session, auth0echo.UpdateSession)
	register(httpKit("echov5", func(client *auth0kit.Client, routes []route) http.Handler {
		e := echo.New()
		if client != nil {
			e.Use(auth0echo.Middleware(client))
		}
		api := e.Group("/api", auth0echo.RequireAuthAPI())
		mount(routes, func(rt route) echo.HandlerFunc { return func(c *echo.Context) error { return rt.h(reqOf(c, o)) } },
			func(p string, h echo.HandlerFunc) { e.GET(p, h) },
			func(p string, h echo.HandlerFunc) { e.GET(p, h, auth0echo.RequireAuth()) },
			func(p string, h echo.HandlerFunc) { api.GET(strings.TrimPrefix(p, "/api"), h) })
		return e
	}))
}
