package crosstest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	auth0echo "github.com/auth0kit/auth0kit/adapters/echo"
	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/labstack/echo/v4"
)

// echoCtx is what Echo v4's echo.Context and v5's *echo.Context share.
type echoCtx interface {
	QueryParam(name string) string
	Request() *http.Request
	String(code int, s string) error
	JSON(code int, i any) error
}

// echoOps are the ops of either Echo, given the adapter's accessors.
func echoOps[C echoCtx](user func(C) *auth0kit.User, session func(C) *auth0kit.Session,
	update func(C, *auth0kit.Client, *auth0kit.Session) error) *ops[C] {
	return &ops[C]{
		ctx:   func(c C) context.Context { return c.Request().Context() },
		query: func(c C, n string) string { return c.QueryParam(n) },
		user:  user, session: session, update: update,
		text: func(c C, status int, body string) error { return c.String(status, body) },
		json: func(c C, status int, body any) error { return c.JSON(status, body) },
	}
}

// Echo v4: the middleware on the instance, the page guard on single
// routes, the API guard on a group.
func init() {
	o := echoOps(auth0echo.User, auth0echo.Session, auth0echo.UpdateSession)
	register(httpKit("echo", func(client *auth0kit.Client, routes []route) http.Handler {
		e := echo.New()
		e.HideBanner, e.HidePort = true, true
		if client != nil {
			e.Use(auth0echo.Middleware(client))
		}
		api := e.Group("/api", auth0echo.RequireAuthAPI())
		mount(routes, func(rt route) echo.HandlerFunc { return func(c echo.Context) error { return rt.h(reqOf(c, o)) } },
			func(p string, h echo.HandlerFunc) { e.GET(p, h) },
			func(p string, h echo.HandlerFunc) { e.GET(p, h, auth0echo.RequireAuth()) },
			func(p string, h echo.HandlerFunc) { api.GET(strings.TrimPrefix(p, "/api"), h) })
		return e
	}))
}

// Echo only: the middleware also works as pre-middleware (e.Pre).
func TestEchoPre(t *testing.T) {
	fx := conformance.LoadFixture(t)
	e := echo.New()
	e.Pre(auth0echo.Middleware(fx.Client))
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, auth0echo.User(c).Name) })
	base := serveURL(t, httpKit("", func(*auth0kit.Client, []route) http.Handler { return e }), nil)
	if _, body := get(t, base, "/", fx.Cookie); body != "Jane Doe" {
		t.Errorf("user through Pre: %q", body)
	}
	if res, _ := get(t, base, "/auth/profile", fx.Cookie); res.StatusCode != http.StatusOK {
		t.Errorf("profile through Pre: %d", res.StatusCode)
	}
}
