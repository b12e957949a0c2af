package auth0gin_test

import (
	"net/http"
	"testing"

	auth0gin "github.com/auth0kit/auth0kit/adapters/gin"
	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gin-gonic/gin"
)

func hello(c *gin.Context) { c.String(http.StatusOK, "hello") }

// helloUser reads the session, as a page that greets the user does.
func helloUser(c *gin.Context) { c.String(http.StatusOK, "hello "+auth0gin.User(c).Name) }

// benchEngine is a release-mode engine without logger or recovery, with
// the session middleware when client is not nil.
func benchEngine(client *auth0kit.Client, h gin.HandlerFunc) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if client != nil {
		r.Use(auth0gin.Middleware(client))
	}
	r.GET("/", h)
	return r
}

// BenchmarkMiddleware measures a hello-world handler over real loopback
// HTTP (one keep-alive client, sequential requests) without and with the
// session middleware, on a logged-in request with the reference session.
// The target is middleware ≥ 0.85× bare req/s; "interleaved" measures the
// ratio directly.
func BenchmarkMiddleware(b *testing.B) {
	fx := conformance.LoadFixture(b)
	bare := conformance.Serve(b, benchEngine(nil, hello))
	withMW := conformance.Serve(b, benchEngine(fx.Client, hello))
	b.Run("bare", func(b *testing.B) { conformance.BenchLoopback(b, bare, fx.Cookie) })
	b.Run("middleware", func(b *testing.B) { conformance.BenchLoopback(b, withMW, fx.Cookie) })
	b.Run("middleware+User", func(b *testing.B) {
		conformance.BenchLoopback(b, conformance.Serve(b, benchEngine(fx.Client, helloUser)), fx.Cookie)
	})
	b.Run("interleaved", func(b *testing.B) { conformance.BenchInterleaved(b, bare, withMW, fx.Cookie) })
}

// BenchmarkMiddlewareInProcess is the same without the network: the
// middleware's own cost in ns/op and allocs/op.
func BenchmarkMiddlewareInProcess(b *testing.B) {
	fx := conformance.LoadFixture(b)
	b.Run("bare", func(b *testing.B) { conformance.BenchInProcess(b, benchEngine(nil, hello), fx.Cookie) })
	b.Run("middleware", func(b *testing.B) { conformance.BenchInProcess(b, benchEngine(fx.Client, hello), fx.Cookie) })
	b.Run("middleware+User", func(b *testing.B) { conformance.BenchInProcess(b, benchEngine(fx.Client, helloUser), fx.Cookie) })
}
