package auth0fiber_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	auth0fiber "github.com/auth0kit/auth0kit/adapters/fiberv3"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gofiber/fiber/v3"
	"github.com/valyala/fasthttp"
)

// benchFixture builds a client and a logged-in session cookie from
// ../shared/reference/fixtures/session.json.
func benchFixture(b *testing.B) (*auth0kit.Client, string) {
	raw, err := os.ReadFile("../../../shared/reference/fixtures/session.json")
	if err != nil {
		b.Skip("fixture not available:", err)
	}
	var fx struct {
		Secret, ClientID, Issuer, IDToken, AccessToken, RefreshToken, Scope, SID string
		ExpiresAt                                                                int64
		User                                                                     struct {
			Sub, Name, Nickname, Email, Picture string
			GivenName                           string `json:"given_name"`
			FamilyName                          string `json:"family_name"`
			EmailVerified                       bool   `json:"email_verified"`
		}
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		b.Fatal(err)
	}
	c, err := auth0kit.New(auth0kit.WithDomain(fx.Issuer), auth0kit.WithClientID(fx.ClientID),
		auth0kit.WithSecret(fx.Secret), auth0kit.WithAppBaseURL("http://127.0.0.1:3000"))
	if err != nil {
		b.Fatal(err)
	}
	u := fx.User
	v, err := auth0kit.GenerateSessionCookie(&auth0kit.Session{
		User: auth0kit.User{Sub: u.Sub, Name: u.Name, Nickname: u.Nickname, GivenName: u.GivenName,
			FamilyName: u.FamilyName, Picture: u.Picture, Email: u.Email, EmailVerified: u.EmailVerified},
		TokenSet: auth0kit.TokenSet{AccessToken: fx.AccessToken, IDToken: fx.IDToken,
			RefreshToken: fx.RefreshToken, Scope: fx.Scope, ExpiresAt: fx.ExpiresAt},
		Internal: auth0kit.SessionInternal{SID: fx.SID, CreatedAt: time.Now().Unix()},
	}, fx.Secret)
	if err != nil {
		b.Fatal(err)
	}
	return c, "__session=" + v
}

func hello(c fiber.Ctx) error { return c.SendString("hello") }

// helloUser reads the session, as a page that greets the user does.
func helloUser(c fiber.Ctx) error { return c.SendString("hello " + auth0fiber.User(c).Name) }

// benchServer serves the handlers on a loopback port and returns a client
// with one keep-alive connection and a GET request for "/".
func benchServer(b *testing.B, handler any, handlers ...any) (*http.Client, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	app := fiber.New(fiber.Config{ReadBufferSize: 16 * 1024})
	app.Get("/", handler, handlers...)
	serve(b, app, ln)
	tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}, "http://" + ln.Addr().String() + "/"
}

func get(hc *http.Client, url, cookie string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Cookie", cookie)
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, err
}

// rolled sends the generated cookie through the middleware once, as a
// browser's first request would, and returns the cookie the browser sends
// from then on.
func rolled(b *testing.B, hc *http.Client, url, cookie string) string {
	res, err := get(hc, url, cookie)
	if err != nil {
		b.Fatal(err)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "__session" {
			return "__session=" + ck.Value
		}
	}
	b.Fatal("the first request did not roll the session")
	return ""
}

func benchLoop(b *testing.B, hc *http.Client, url, cookie string) {
	b.ReportAllocs()
	for b.Loop() {
		res, err := get(hc, url, cookie)
		if err != nil {
			b.Fatal(err)
		}
		if res.StatusCode != http.StatusOK || len(res.Header["Set-Cookie"]) != 0 {
			b.Fatal(res.Status, res.Header["Set-Cookie"])
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkMiddleware compares, over real loopback HTTP (one keep-alive
// net/http client, sequential requests), a hello-world handler without and
// with the session middleware on a logged-in request (fixture session
// cookie). The allocations counted include the client's.
func BenchmarkMiddleware(b *testing.B) {
	c, generated := benchFixture(b)
	mw := auth0fiber.Middleware(c)
	hc, url := benchServer(b, mw, hello)
	cookie := rolled(b, hc, url, generated)
	if !strings.HasPrefix(cookie, "__session=") {
		b.Fatal(cookie)
	}
	b.Run("bare", func(b *testing.B) {
		hc, url := benchServer(b, hello)
		benchLoop(b, hc, url, cookie)
	})
	b.Run("middleware", func(b *testing.B) { benchLoop(b, hc, url, cookie) })
	b.Run("middleware+User", func(b *testing.B) {
		hc, url := benchServer(b, mw, helloUser)
		benchLoop(b, hc, url, cookie)
	})
}

// BenchmarkServerSide measures the same handlers without the network: a
// raw request (with the cookie) is parsed by fasthttp and served by the
// fiber app in memory, so ns/op and allocs/op are the server's alone.
func BenchmarkServerSide(b *testing.B) {
	c, generated := benchFixture(b)
	mw := auth0fiber.Middleware(c)
	hc, url := benchServer(b, mw, hello)
	cookie := rolled(b, hc, url, generated)
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
