package auth0http_test

import (
	"io"
	"net/http"
	"testing"

	auth0http "github.com/auth0kit/auth0kit/adapters/nethttp"
	"github.com/auth0kit/auth0kit/conformance"
)

var hello = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	_, _ = io.WriteString(w, "hello")
})

// helloUser reads the session, as a page that greets the user does.
var helloUser = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "hello "+auth0http.UserFrom(r.Context()).Name)
})

// BenchmarkMiddleware measures a hello-world handler over real loopback
// HTTP (one keep-alive client, sequential requests) without and with the
// session middleware, on a logged-in request with the reference session.
// The target is middleware ≥ 0.85× bare req/s; "interleaved" measures the
// ratio directly.
func BenchmarkMiddleware(b *testing.B) {
	fx := conformance.LoadFixture(b)
	mw := auth0http.Middleware(fx.Client)
	bare, withMW := conformance.Serve(b, hello), conformance.Serve(b, mw(hello))
	b.Run("bare", func(b *testing.B) { conformance.BenchLoopback(b, bare, fx.Cookie) })
	b.Run("middleware", func(b *testing.B) { conformance.BenchLoopback(b, withMW, fx.Cookie) })
	b.Run("middleware+UserFrom", func(b *testing.B) {
		conformance.BenchLoopback(b, conformance.Serve(b, mw(helloUser)), fx.Cookie)
	})
	b.Run("interleaved", func(b *testing.B) { conformance.BenchInterleaved(b, bare, withMW, fx.Cookie) })
}

// BenchmarkMiddlewareInProcess is the same without the network: the
// middleware's own cost in ns/op and allocs/op.
func BenchmarkMiddlewareInProcess(b *testing.B) {
	fx := conformance.LoadFixture(b)
	mw := auth0http.Middleware(fx.Client)
	b.Run("bare", func(b *testing.B) { conformance.BenchInProcess(b, hello, fx.Cookie) })
	b.Run("middleware", func(b *testing.B) { conformance.BenchInProcess(b, mw(hello), fx.Cookie) })
	b.Run("middleware+UserFrom", func(b *testing.B) { conformance.BenchInProcess(b, mw(helloUser), fx.Cookie) })
}
