package auth0gin_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	auth0gin "github.com/auth0kit/auth0kit/adapters/gin"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gin-gonic/gin"
)

// benchFixture builds a client and a logged-in cookie from
// shared/reference/fixtures/session.json, rolled once through the
// middleware as a browser's first request would.
func benchFixture(b *testing.B) (*auth0kit.Client, *http.Cookie) {
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
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/", nil)
	req.AddCookie(&http.Cookie{Name: "__session", Value: v})
	w := httptest.NewRecorder()
	benchEngine(c, hello).ServeHTTP(w, req)
	for _, ck := range w.Result().Cookies() {
		if ck.Name == "__session" {
			return c, &http.Cookie{Name: ck.Name, Value: ck.Value}
		}
	}
	b.Fatal("the first request did not roll the session")
	return nil, nil
}

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

// loopback serves h on a real loopback listener and returns a function
// that sends one GET / with the cookie from a single keep-alive client.
func loopback(b *testing.B, h http.Handler, ck *http.Cookie) func() {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.AddCookie(ck)
	return func() {
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
}

// benchLoopback sends sequential requests to h over loopback HTTP.
func benchLoopback(b *testing.B, h http.Handler, ck *http.Cookie) {
	do := loopback(b, h, ck)
	do() // connect before timing
	b.ReportAllocs()
	for b.Loop() {
		do()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// benchInterleaved alternates one request to the bare server and one to
// the middleware server, so load from other processes on a busy machine
// hits both alike, and reports each side's req/s and their ratio.
func benchInterleaved(b *testing.B, bare, mw http.Handler, ck *http.Cookie) {
	doBare, doMW := loopback(b, bare, ck), loopback(b, mw, ck)
	doBare()
	doMW()
	var tBare, tMW time.Duration
	for b.Loop() {
		t0 := time.Now()
		doBare()
		t1 := time.Now()
		doMW()
		tMW += time.Since(t1)
		tBare += t1.Sub(t0)
	}
	b.ReportMetric(float64(b.N)/tBare.Seconds(), "bare-req/s")
	b.ReportMetric(float64(b.N)/tMW.Seconds(), "middleware-req/s")
	b.ReportMetric(tBare.Seconds()/tMW.Seconds(), "ratio")
}

// benchInProcess calls the engine directly with a recorder.
func benchInProcess(b *testing.B, h http.Handler, ck *http.Cookie) {
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/", nil)
	req.AddCookie(ck)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkMiddleware measures a hello-world handler over real loopback
// HTTP (one keep-alive client, sequential requests) without and with the
// session middleware, on a logged-in request. The target is middleware ≥
// 0.85× bare req/s; "interleaved" measures that ratio directly.
func BenchmarkMiddleware(b *testing.B) {
	c, ck := benchFixture(b)
	b.Run("bare", func(b *testing.B) { benchLoopback(b, benchEngine(nil, hello), ck) })
	b.Run("middleware", func(b *testing.B) { benchLoopback(b, benchEngine(c, hello), ck) })
	b.Run("middleware+User", func(b *testing.B) { benchLoopback(b, benchEngine(c, helloUser), ck) })
	b.Run("interleaved", func(b *testing.B) { benchInterleaved(b, benchEngine(nil, hello), benchEngine(c, hello), ck) })
}

// BenchmarkMiddlewareInProcess is the same without the network: the
// middleware's own cost in ns/op and allocs/op.
func BenchmarkMiddlewareInProcess(b *testing.B) {
	c, ck := benchFixture(b)
	b.Run("bare", func(b *testing.B) { benchInProcess(b, benchEngine(nil, hello), ck) })
	b.Run("middleware", func(b *testing.B) { benchInProcess(b, benchEngine(c, hello), ck) })
	b.Run("middleware+User", func(b *testing.B) { benchInProcess(b, benchEngine(c, helloUser), ck) })
}
