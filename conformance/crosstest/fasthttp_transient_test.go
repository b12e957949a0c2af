package crosstest

import (
	"bufio"
	"net/http"
	"strings"
	"testing"

	auth0fiber "github.com/auth0kit/auth0kit/adapters/fiber"
	"github.com/auth0kit/auth0kit/conformance"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// TestFasthttpTransientCookies: the fasthttp exchange hands the engine
// cookie values that share fasthttp's request buffers (no copy of the
// Cookie header per request). A handler that makes fasthttp parse the
// cookies (c.Cookies) and then adds a request header reuses the Cookie
// line's buffer in place; the session read afterwards must still see the
// logged-in user, on the first request (cookie decrypted during Serve) and
// on the next ones (Serve only consulted the roll cache).
func TestFasthttpTransientCookies(t *testing.T) {
	fx := conformance.LoadFixture(t)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(auth0fiber.Middleware(fx.Client))
	app.Get("/", func(c *fiber.Ctx) error {
		_ = c.Cookies("other")
		c.Request().Header.Set("X-Filler", strings.Repeat("x", len(fx.Cookie.Value)-16))
		if u := auth0fiber.User(c); u != nil {
			return c.SendString("hello " + u.Name)
		}
		return c.SendStatus(http.StatusUnauthorized)
	})
	h := app.Handler()
	raw := "GET / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nCookie: " + fx.Cookie.Name + "=" + fx.Cookie.Value + "\r\n\r\n"
	for i := range 3 {
		var ctx fasthttp.RequestCtx
		if err := ctx.Request.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
			t.Fatal(err)
		}
		h(&ctx)
		if got := ctx.Response.StatusCode(); got != http.StatusOK {
			t.Fatalf("request %d: status %d, want 200 (session lost)", i, got)
		}
	}
}
