package auth0kit

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// proxyBench is an upstream My Account API on loopback and a client whose
// session holds a valid token for it, so no call refreshes.
func proxyBench(b *testing.B) (c *Client, ck *http.Cookie, upstream string, token string) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"factors":[{"type":"otp","usage":["secondary"]}]}`)
	}))
	b.Cleanup(up.Close)
	c, err := New(WithDomain(up.URL+"/"), WithClientID("bench"), WithClientSecret("bench-secret"),
		WithSecret("bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"), WithAppBaseURL("http://127.0.0.1:3000"),
		WithRoutes(Routes{MyAccountProxy: true}))
	if err != nil {
		b.Fatal(err)
	}
	token = "bench-access-token-" + randomToken()
	s := &Session{User: User{Sub: "auth0|bench"}, TokenSet: TokenSet{AccessToken: "login-token", RefreshToken: "rt",
		Scope: "openid profile email offline_access", ExpiresAt: time.Now().Add(time.Hour).Unix()}}
	s.AccessTokens = []AccessTokenSet{{AccessToken: token, Audience: c.myAccountAudience(), Scope: "openid profile email offline_access",
		TokenType: "Bearer", ExpiresAt: time.Now().Add(time.Hour).Unix()}}
	s.Internal.CreatedAt = time.Now().Unix()
	v, err := c.keys.session.SealSession(s, time.Now().Add(time.Hour).Unix())
	if err != nil {
		b.Fatal(err)
	}
	return c, &http.Cookie{Name: "__session", Value: v}, up.URL + "/me/v1/factors", token
}

// BenchmarkProxyDirect is the baseline: this process calls the upstream
// itself with a Bearer token and reads the answer.
func BenchmarkProxyDirect(b *testing.B) {
	c, _, upstream, token := proxyBench(b)
	hc := c.proxyClient()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, upstream, nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

// BenchmarkProxyRoute is the same call through the /me proxy route, in
// process: session read, cached token, header filtering, the upstream
// call and the streamed copy. `make bench` compares it with
// BenchmarkProxyDirect (target ≤ 1.3×).
func BenchmarkProxyRoute(b *testing.B) {
	c, ck, _, _ := proxyBench(b)
	// The incoming request is parsed once: parsing it is the app server's
	// work, which the direct call does not have either.
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/me/v1/factors", nil)
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(ck)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.code = 0
		ex := adapter.NewHTTPExchange(w, r)
		ctx := c.Adapter().Bind(context.Background(), ex)
		res, ok := c.handle(ctx, ex)
		if !ok {
			b.Fatal("not handled")
		}
		if err := res.Write(w); err != nil || w.code != http.StatusOK {
			b.Fatalf("%v %d", err, w.code)
		}
	}
}

// discardWriter is a response writer that keeps the status and headers
// and drops the body, as a server's writer costs next to nothing here
// (httptest.ResponseRecorder snapshots every header on WriteHeader).
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
