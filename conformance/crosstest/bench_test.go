package crosstest

import (
	"bufio"
	"net/http"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance"
	"github.com/valyala/fasthttp"
)

var (
	hello     = route{"/", open, func(q req) error { return q.Text(http.StatusOK, "hello") }}
	helloUser = route{"/", open, func(q req) error { return q.Text(http.StatusOK, "hello "+q.User().Name) }} // reads the session, as a greeting page does
)

// BenchmarkMiddleware measures a hello-world handler over real loopback
// HTTP (one keep-alive net/http client, sequential requests) without and
// with each adapter's session middleware, on a logged-in request with the
// reference session. The target is middleware ≥ 0.85× bare req/s;
// "interleaved" measures the ratio directly.
func BenchmarkMiddleware(b *testing.B) {
	fx := conformance.LoadFixture(b)
	eachKit(b, func(b *testing.B, k kit) {
		bare, withMW := serveURL(b, k, nil, hello)+"/", serveURL(b, k, fx.Client, hello)+"/"
		b.Run("bare", func(b *testing.B) { conformance.BenchLoopback(b, bare, fx.Cookie) })
		b.Run("middleware", func(b *testing.B) { conformance.BenchLoopback(b, withMW, fx.Cookie) })
		b.Run("middleware+User", func(b *testing.B) {
			conformance.BenchLoopback(b, serveURL(b, k, fx.Client, helloUser)+"/", fx.Cookie)
		})
		b.Run("interleaved", func(b *testing.B) { conformance.BenchInterleaved(b, bare, withMW, fx.Cookie) })
	})
}

// BenchmarkMiddlewareInProcess is the same without the network: the
// middleware's own cost in ns/op and allocs/op.
func BenchmarkMiddlewareInProcess(b *testing.B) {
	fx := conformance.LoadFixture(b)
	eachKit(b, func(b *testing.B, k kit) {
		b.Run("bare", func(b *testing.B) { k.inProcess(b, nil, []route{hello}, fx.Cookie) })
		b.Run("middleware", func(b *testing.B) { k.inProcess(b, fx.Client, []route{hello}, fx.Cookie) })
		b.Run("middleware+User", func(b *testing.B) { k.inProcess(b, fx.Client, []route{helloUser}, fx.Cookie) })
	})
}

// benchFastInProcess parses a raw request carrying ck with fasthttp and
// serves it with h in memory, so ns/op and allocs/op are the server's alone.
func benchFastInProcess(b *testing.B, h fasthttp.RequestHandler, ck *http.Cookie) {
	raw := "GET / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: Go-http-client/1.1\r\nCookie: " +
		ck.Name + "=" + ck.Value + "\r\nAccept-Encoding: gzip\r\n\r\n"
	br := bufio.NewReaderSize(nil, 16*1024)
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		br.Reset(strings.NewReader(raw))
		if err := ctx.Request.Read(br); err != nil {
			b.Fatal(err)
		}
		h(&ctx)
		if ctx.Response.StatusCode() != http.StatusOK || ctx.Response.Header.PeekCookie("__session") != nil {
			b.Fatal(ctx.Response.String())
		}
	}
}
