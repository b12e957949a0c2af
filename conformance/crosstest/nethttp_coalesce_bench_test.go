package crosstest

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	auth0http "github.com/auth0kit/auth0kit/adapters/nethttp"
	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

// BenchmarkRefreshCoalescing measures one batch of 100 concurrent requests
// that all need a refresh of the same expired session, against the
// development provider over loopback. refreshes/op must stay 1.
func BenchmarkRefreshCoalescing(b *testing.B) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	op := devop.Start(b, devop.Options{AutoLoginEmail: "bench@example.com", Now: now})
	mux := http.NewServeMux()
	var handler http.Handler
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	b.Cleanup(app.Close)
	client, err := auth0kit.New(auth0kit.WithDomain(op.Issuer()), auth0kit.WithClientID(op.Client().ID),
		auth0kit.WithClientSecret(op.Client().Secret), auth0kit.WithSecret("bench-secret-0123456789-abcdefghijklmnop"),
		auth0kit.WithAppBaseURL(app.URL), auth0kit.WithTuning(auth0kit.Tuning{Clock: now}),
		// The benchmark moves the clock 2 h per batch: no absolute cap.
		auth0kit.WithSession(auth0kit.SessionOptions{AbsoluteDuration: -1}))
	if err != nil {
		b.Fatal(err)
	}
	mux.HandleFunc("GET /{$}", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /token", func(w http.ResponseWriter, r *http.Request) {
		if _, err := client.GetAccessToken(r.Context(), auth0kit.AccessTokenOptions{}); err != nil {
			http.Error(w, err.Error(), auth0kit.HTTPStatus(err))
		}
	})
	handler = auth0http.Middleware(client)(mux)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	if resp, err := browser.Get(app.URL + "/auth/login"); err != nil || resp.StatusCode != 200 {
		b.Fatalf("login: %v %v", resp, err)
	}
	b.ReportAllocs()
	before := op.TokenRequests("refresh_token")
	for b.Loop() {
		b.StopTimer()
		offset.Add(int64(2 * time.Hour)) // every token has expired
		req := httptest.NewRequest(http.MethodGet, app.URL+"/token", nil)
		for _, c := range jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
		b.StartTimer()
		var wg sync.WaitGroup
		var failed atomic.Int64
		var last atomic.Pointer[httptest.ResponseRecorder]
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, req.Clone(req.Context()))
				if w.Code != http.StatusOK {
					failed.Add(1)
				}
				last.Store(w)
			}()
		}
		wg.Wait()
		b.StopTimer()
		if n := failed.Load(); n > 0 {
			b.Fatalf("%d of 100 requests failed: %s", n, last.Load().Body)
		}
		jar.SetCookies(req.URL, last.Load().Result().Cookies()) // the browser keeps the rotated session
		b.StartTimer()
	}
	b.ReportMetric(float64(op.TokenRequests("refresh_token")-before)/float64(b.N), "refreshes/op")
}
