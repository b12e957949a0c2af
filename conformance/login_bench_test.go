package conformance_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/adapter"
)

// timedTransport adds up the wall time of the client's calls to the
// provider (request written, provider's work, response headers read).
type timedTransport struct {
	rt    http.RoundTripper
	ns    atomic.Int64
	calls atomic.Int64
	dials atomic.Int64
}

func (t *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.rt.RoundTrip(r)
	t.ns.Add(int64(time.Since(start)))
	t.calls.Add(1)
	return resp, err
}

// BenchmarkLoginAppCPU measures what one login costs the application, the
// provider excluded: /auth/login and /auth/callback served by the engine
// (the handlers every adapter calls) against the development provider on
// loopback, one login at a time. The method: the wall time of the two
// handlers minus the wall time of their calls to the provider (the
// timedTransport round trips: while the handler waits there, the
// provider's goroutines run, not the app's). It counts the app's own HTTP
// client work outside RoundTrip (reading and decoding the response bodies)
// as app time, and on a loaded machine any preemption too, so it is an
// upper bound of the app's CPU per login ("app-µs/login"; target ≤ 600).
// "process-cpu-µs/login" is the whole process's CPU (getrusage) per login,
// provider and the provider's authorize step included, for reference.
// "dials/login" counts new connections to the provider (keep-alive: ~0).
func BenchmarkLoginAppCPU(b *testing.B) {
	op := devop.Start(b, devop.Options{AutoLoginEmail: "jane.doe@example.com"})
	tt := &timedTransport{}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		tt.dials.Add(1)
		return dial(ctx, network, addr)
	}
	tt.rt = tr
	c, err := auth0kit.New(auth0kit.WithDomain(op.Issuer()), auth0kit.WithClientID(op.Client().ID),
		auth0kit.WithClientSecret(op.Client().Secret), auth0kit.WithSecret(apiSecret),
		auth0kit.WithAppBaseURL("http://127.0.0.1:3000"), auth0kit.WithHTTPClient(&http.Client{Transport: tt}))
	if err != nil {
		b.Fatal(err)
	}
	engine := c.Adapter()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var appNS int64
	login := func() {
		rec := httptest.NewRecorder()
		start := time.Now()
		_, res := engine.Serve(context.Background(), adapter.NewHTTPExchange(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/auth/login", nil)))
		appNS += int64(time.Since(start))
		if res == nil || res.Location == "" {
			b.Fatal("login: no redirect")
		}
		resp, err := noFollow.Get(res.Location)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		cb := httptest.NewRequest(http.MethodGet, resp.Header.Get("Location"), nil)
		for _, ck := range rec.Result().Cookies() {
			cb.AddCookie(ck)
		}
		rec = httptest.NewRecorder()
		start = time.Now()
		_, res = engine.Serve(context.Background(), adapter.NewHTTPExchange(rec, cb))
		appNS += int64(time.Since(start))
		if res == nil || res.Location == "" || len(rec.Result().Cookies()) == 0 {
			b.Fatalf("callback: %+v", res)
		}
	}
	login() // discovery, JWKS and connections warmed up
	appNS = 0
	tt.ns.Store(0)
	tt.dials.Store(0)
	calls0 := tt.calls.Load()
	cpu0 := processCPU()
	b.ReportAllocs()
	for b.Loop() {
		login()
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(appNS-tt.ns.Load())/n/1e3, "app-µs/login")
	b.ReportMetric(float64(processCPU()-cpu0)/n/1e3, "process-cpu-µs/login")
	b.ReportMetric(float64(tt.calls.Load()-calls0)/n, "provider-calls/login")
	b.ReportMetric(float64(tt.dials.Load())/n, "dials/login")
}

// processCPU is the process's user+system CPU time in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
