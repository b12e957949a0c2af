package auth0echo_test

import (
	"net/http"
	"testing"

	auth0echo "github.com/auth0kit/auth0kit/adapters/echo"
	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/labstack/echo/v4"
)

func hello(c echo.Context) error { return c.String(http.StatusOK, "hello") }

// helloUser reads the session, as a page that greets the user does.
func helloUser(c echo.Context) error {
	return c.String(http.StatusOK, "hello "+auth0echo.User(c).Name)
}

// benchApp is an Echo instance without other middleware, with the
// session middleware when client is not nil.
func benchApp(client *auth0kit.Client, h echo.HandlerFunc) *echo.Echo {
	e := echo.New()
	if client != nil {
		e.Use(auth0echo.Middleware(client))
	}
	e.GET("/", h)
	return e
}

// BenchmarkMiddleware measures a hello-world handler over real loopback
// HTTP (one keep-alive client, sequential requests) without and with the
// session middleware, on a logged-in request with the reference session.
// The target is middleware ≥ 0.85× bare req/s; "interleaved" measures the
// ratio directly.
func BenchmarkMiddleware(b *testing.B) {
	fx := conformance.LoadFixture(b)
	bare := conformance.Serve(b, benchApp(nil, hello))
	withMW := conformance.Serve(b, benchApp(fx.Client, hello))
	b.Run("bare", func(b *testing.B) { conformance.BenchLoopback(b, bare, fx.Cookie) })
	b.Run("middleware", func(b *testing.B) { conformance.BenchLoopback(b, withMW, fx.Cookie) })
	b.Run("middleware+User", func(b *testing.B) {
		conformance.BenchLoopback(b, conformance.Serve(b, benchApp(fx.Client, helloUser)), fx.Cookie)
	})
	b.Run("interleaved", func(b *testing.B) { conformance.BenchInterleaved(b, bare, withMW, fx.Cookie) })
}

// BenchmarkMiddlewareInProcess is the same without the network: the
// middleware's own cost in ns/op and allocs/op.
func BenchmarkMiddlewareInProcess(b *testing.B) {
	fx := conformance.LoadFixture(b)
	b.Run("bare", func(b *testing.B) { conformance.BenchInProcess(b, benchApp(nil, hello), fx.Cookie) })
	b.Run("middleware", func(b *testing.B) { conformance.BenchInProcess(b, benchApp(fx.Client, hello), fx.Cookie) })
	b.Run("middleware+User", func(b *testing.B) { conformance.BenchInProcess(b, benchApp(fx.Client, helloUser), fx.Cookie) })
}
