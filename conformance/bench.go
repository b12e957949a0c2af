package conformance

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
)

// Fixture is the reference Auth0 session of shared/reference/fixtures
// (user, ID, access and refresh tokens: the session the JS SDKs' figures
// were measured on), as a client and a logged-in session cookie, for the
// adapters' benchmarks.
type Fixture struct {
	Client *auth0kit.Client
	Cookie *http.Cookie
}

// LoadFixture reads the fixture next to the repository (skipping the
// benchmark when it is absent). The client's inactivity window is the
// cookie's lifetime (1 h), so the cookie is already "rolled": the
// middleware has no reason to re-issue it, as for a browser that made a
// request a moment ago.
func LoadFixture(tb testing.TB) *Fixture {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(opDir()), "..", "..", "shared", "reference", "fixtures", "session.json"))
	if err != nil {
		tb.Skip("fixture not available:", err)
	}
	var fx struct {
		Secret, ClientID, Issuer, IDToken, AccessToken, RefreshToken, Scope, SID string
		ExpiresAt                                                                int64
		User                                                                     map[string]json.RawMessage
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		tb.Fatal(err)
	}
	c, err := auth0kit.New(auth0kit.WithDomain(fx.Issuer), auth0kit.WithClientID(fx.ClientID),
		auth0kit.WithClientSecret("fixture-client-secret"), auth0kit.WithSecret(fx.Secret), auth0kit.WithAppBaseURL("http://127.0.0.1:3000"),
		auth0kit.WithSession(auth0kit.SessionOptions{InactivityDuration: time.Hour}))
	if err != nil {
		tb.Fatal(err)
	}
	var user auth0kit.User
	b, _ := json.Marshal(fx.User)
	if err := json.Unmarshal(b, &user); err != nil {
		tb.Fatal(err)
	}
	v, err := auth0kit.GenerateSessionCookie(&auth0kit.Session{
		User: user,
		TokenSet: auth0kit.TokenSet{AccessToken: fx.AccessToken, IDToken: fx.IDToken,
			RefreshToken: fx.RefreshToken, Scope: fx.Scope, ExpiresAt: fx.ExpiresAt},
		Internal: auth0kit.SessionInternal{SID: fx.SID, CreatedAt: time.Now().Unix()},
	}, fx.Secret)
	if err != nil {
		tb.Fatal(err)
	}
	return &Fixture{Client: c, Cookie: &http.Cookie{Name: "__session", Value: v}}
}

// loopbackGet returns a function that sends GET url with the cookie from
// one keep-alive client.
func loopbackGet(b *testing.B, url string, ck *http.Cookie) func() {
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.AddCookie(ck)
	do := func() {
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
		for _, c := range resp.Cookies() {
			if c.Name == ck.Name {
				b.Fatal("the middleware re-sent the session cookie")
			}
		}
	}
	do() // connect before timing
	return do
}

// BenchLoopback sends sequential requests to url over loopback HTTP and
// reports req/s.
func BenchLoopback(b *testing.B, url string, ck *http.Cookie) {
	do := loopbackGet(b, url, ck)
	b.ReportAllocs()
	for b.Loop() {
		do()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchInterleaved alternates one request to the bare server and one to
// the middleware server, so that load from other processes hits both
// alike, and reports each side's req/s and their ratio (the target is ≥
// 0.85).
func BenchInterleaved(b *testing.B, bareURL, mwURL string, ck *http.Cookie) {
	doBare, doMW := loopbackGet(b, bareURL, ck), loopbackGet(b, mwURL, ck)
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

// Serve serves h on a loopback listener for the benchmark's life and
// returns its URL.
func Serve(b *testing.B, h http.Handler) string {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv.URL + "/"
}

// BenchInProcess calls h directly with a recorder: the middleware's own
// cost in ns/op and allocs/op.
func BenchInProcess(b *testing.B, h http.Handler, ck *http.Cookie) {
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
