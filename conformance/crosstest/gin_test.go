package crosstest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	auth0gin "github.com/auth0kit/auth0kit/adapters/gin"
	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gin-gonic/gin"
)

var ginOps = &ops[*gin.Context]{
	ctx:     func(c *gin.Context) context.Context { return c.Request.Context() },
	query:   (*gin.Context).Query,
	user:    auth0gin.User,
	session: auth0gin.Session,
	update:  auth0gin.UpdateSession,
	text:    func(c *gin.Context, status int, body string) error { c.String(status, "%s", body); return nil },
	json:    func(c *gin.Context, status int, body any) error { c.JSON(status, body); return nil },
}

// Gin: the middleware on the engine, the page guard on single routes, the
// API guard on a group.
func init() {
	gin.SetMode(gin.ReleaseMode)
	register(httpKit("gin", func(client *auth0kit.Client, routes []route) http.Handler {
		r := gin.New()
		if client != nil {
			r.Use(auth0gin.Middleware(client))
		}
		api := r.Group("/api", auth0gin.RequireAuthAPI())
		mount(routes, func(rt route) gin.HandlerFunc { return func(c *gin.Context) { _ = rt.h(reqOf(c, ginOps)) } },
			func(p string, h gin.HandlerFunc) { r.GET(p, h) },
			func(p string, h gin.HandlerFunc) { r.GET(p, auth0gin.RequireAuth(), h) },
			func(p string, h gin.HandlerFunc) { api.GET(strings.TrimPrefix(p, "/api"), h) })
		return r
	}))
}

// Gin only: routes registered before Use run without the middleware (the
// guard answers 500 rather than letting the request through), and the
// accessors work on a c.Copy().
func TestGinUseAfterRouteAndCopy(t *testing.T) {
	fx := conformance.LoadFixture(t)
	r := gin.New()
	r.GET("/early", auth0gin.RequireAuth(), func(c *gin.Context) { c.String(http.StatusOK, "leak") })
	r.Use(auth0gin.Middleware(fx.Client))
	r.GET("/copy", func(c *gin.Context) { c.String(http.StatusOK, auth0gin.User(c.Copy()).Name) })
	base := serveURL(t, kit{serve: httpKit("", func(*auth0kit.Client, []route) http.Handler { return r }).serve}, nil)
	if res, _ := get(t, base, "/early", fx.Cookie); res.StatusCode != http.StatusInternalServerError {
		t.Errorf("guard without middleware: %d, want 500", res.StatusCode)
	}
	if _, body := get(t, base, "/copy", fx.Cookie); body != "Jane Doe" {
		t.Errorf("user on c.Copy(): %q", body)
	}
}
