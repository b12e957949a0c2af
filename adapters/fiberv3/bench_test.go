package auth0fiber_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"

	auth0fiber "github.com/auth0kit/auth0kit/adapters/fiberv3"
	"github.com/auth0kit/auth0kit/conformance"
	"github.com/gofiber/fiber/v3"
	"github.com/valyala/fasthttp"
)

func hello(c fiber.Ctx) error { return c.SendString("hello") }

// helloUser reads the session, as a page that greets the user does.
func helloUser(c fiber.Ctx) error { return c.SendString("hello " + auth0fiber.User(c).Name) }

// benchServer serves the handlers on a loopback port and returns the URL
// of "/".
func benchServer(b *testing.B, handler any, handlers ...any) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	app := fiber.New(fiber.Config{ReadBufferSize: 16 * 1024})
	app.Get("/", handler, handlers...)
	serve(b, app, ln)
	return "http://" + ln.Addr().String() + "/"
}

// BenchmarkServerSide measures the same handlers without the network: a
// raw request (with the cookie) is parsed by fasthttp and served by the
// fiber app in memory, so ns/op and allocs/op are the server's alone.
func BenchmarkServerSide(b *testing.B) {
	fx := conformance.LoadFixture(b)
	mw := auth0fiber.Middleware(fx.Client)
	cookie := fx.Cookie.Name + "=" + fx.Cookie.Value
	run := func(b *testing.B, handler any, handlers ...any) {
		app := fiber.New()
		app.Get("/", handler, handlers...)
		h := app.Handler()
		raw := "GET / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: Go-http-client/1.1\r\nCookie: " +
			cookie + "\r\nAccept-Encoding: gzip\r\n\r\n"
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
	b.Run("bare", func(b *testing.B) { run(b, hello) })
	b.Run("middleware", func(b *testing.B) { run(b, mw, hello) })
	b.Run("middleware+User", func(b *testing.B) { run(b, mw, helloUser) })
}

// BenchmarkMiddleware compares, over real loopback HTTP (one keep-alive
// net/http client, sequential requests), a hello-world handler without and
// with the session middleware on a logged-in request with the reference
// session. The target is middleware ≥ 0.85× bare req/s; "interleaved"
// measures the ratio directly. The allocations counted include the
// client's.
func BenchmarkMiddleware(b *testing.B) {
	fx := conformance.LoadFixture(b)
	mw := auth0fiber.Middleware(fx.Client)
	bare, withMW := benchServer(b, hello), benchServer(b, mw, hello)
	b.Run("bare", func(b *testing.B) { conformance.BenchLoopback(b, bare, fx.Cookie) })
	b.Run("middleware", func(b *testing.B) { conformance.BenchLoopback(b, withMW, fx.Cookie) })
	b.Run("middleware+User", func(b *testing.B) { conformance.BenchLoopback(b, benchServer(b, mw, helloUser), fx.Cookie) })
	b.Run("interleaved", func(b *testing.B) { conformance.BenchInterleaved(b, bare, withMW, fx.Cookie) })
}
