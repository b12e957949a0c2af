package crosstest

import (
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

// get sends GET base+path (with ck when not nil) without following
// redirects, and returns the response with its body read.
func get(t *testing.T, base, path string, ck *http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ck != nil {
		req.AddCookie(ck)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// The guards stop the chain: the handler behind them never runs.
func TestGuardsStop(t *testing.T) {
	fx := conformance.LoadFixture(t)
	eachKit(t, func(t *testing.T, k kit) {
		var ran atomic.Bool
		h := func(q req) error { ran.Store(true); return q.Text(http.StatusOK, "ran") }
		base := serveURL(t, k, fx.Client, route{"/page", pageGuard, h}, route{"/api/x", apiGuard, h})
		if res, _ := get(t, base, "/page?x=1", nil); res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/auth/login?returnTo=%2Fpage%3Fx%3D1" {
			t.Errorf("page guard: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := get(t, base, "/api/x", nil); res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("API guard: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if ran.Load() {
			t.Error("handler ran behind a failing guard")
		}
	})
}

// A guard without the middleware answers 500 rather than letting the
// request through, and UpdateSession says there is no session.
func TestWithoutMiddleware(t *testing.T) {
	fx := conformance.LoadFixture(t)
	eachKit(t, func(t *testing.T, k kit) {
		var update error
		base := serveURL(t, k, nil,
			route{"/p", pageGuard, func(q req) error { return q.Text(http.StatusOK, "leak") }},
			route{"/u", open, func(q req) error {
				update = q.UpdateSession(fx.Client, &auth0kit.Session{})
				return q.Text(http.StatusOK, "ok")
			}})
		if res, body := get(t, base, "/p", fx.Cookie); res.StatusCode != http.StatusInternalServerError || body == "leak" {
			t.Errorf("guard without middleware: %d %q, want 500", res.StatusCode, body)
		}
		get(t, base, "/u", nil)
		if !errors.Is(update, auth0kit.ErrNoSession) {
			t.Errorf("update without middleware or session: %v", update)
		}
	})
}

// The adapter's accessors agree with the session in the request's context.
func TestAccessors(t *testing.T) {
	fx := conformance.LoadFixture(t)
	eachKit(t, func(t *testing.T, k kit) {
		base := serveURL(t, k, fx.Client, route{"/", open, func(q req) error {
			s, err := auth0kit.SessionFromContext(q.Context())
			if err != nil || q.Session() != s || (s == nil) != (q.User() == nil) {
				return q.Text(http.StatusInternalServerError, "accessors disagree")
			}
			if s == nil {
				return q.Text(http.StatusOK, "anonymous")
			}
			return q.Text(http.StatusOK, q.User().Name)
		}})
		for ck, want := range map[*http.Cookie]string{fx.Cookie: "Jane Doe", nil: "anonymous"} {
			if res, body := get(t, base, "/", ck); res.StatusCode != http.StatusOK || body != want {
				t.Errorf("%d %q, want %q", res.StatusCode, body, want)
			}
		}
	})
}

// UpdateSession before the body sets the cookie; after the body was sent
// it cannot and says so (frameworks that buffer the response can).
func TestUpdateSessionAfterBody(t *testing.T) {
	fx := conformance.LoadFixture(t)
	eachKit(t, func(t *testing.T, k kit) {
		var mu sync.Mutex
		errs := map[string]error{}
		update := func(q req) {
			mu.Lock()
			defer mu.Unlock()
			errs[q.Query("at")] = q.UpdateSession(fx.Client, q.Session())
		}
		base := serveURL(t, k, fx.Client,
			route{"/early", open, func(q req) error { update(q); return q.Text(http.StatusOK, "ok") }},
			route{"/late", open, func(q req) error {
				err := q.Text(http.StatusOK, strings.Repeat("body first ", 1<<12))
				update(q)
				return err
			}})
		if res, _ := get(t, base, "/early?at=early", fx.Cookie); errs["early"] != nil || len(res.Cookies()) == 0 {
			t.Errorf("early update: %v, cookies %v", errs["early"], res.Cookies())
		}
		res, _ := get(t, base, "/late?at=late", fx.Cookie)
		switch late, cookies := errs["late"], res.Cookies(); k.late {
		case lateApplied:
			if late != nil || len(cookies) == 0 {
				t.Errorf("late update, buffered response: %v, cookies %v", late, cookies)
			}
		case lateLost:
			if len(cookies) != 0 {
				t.Errorf("late update: cookies %v after the body", cookies)
			}
		default:
			if !errors.Is(late, auth0kit.ErrHeadersWritten) || len(cookies) != 0 {
				t.Errorf("late update: %v, cookies %v", late, cookies)
			}
		}
	})
}

// The SDK's routes answer with no framework route of their own.
func TestSDKRoutesWithoutAppRoute(t *testing.T) {
	fx := conformance.LoadFixture(t)
	eachKit(t, func(t *testing.T, k kit) {
		res, _ := get(t, serveURL(t, k, fx.Client), "/auth/profile", nil)
		if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Cache-Control") == "" {
			t.Errorf("profile: %d %v", res.StatusCode, res.Header)
		}
	})
}

// Stopping a served app is quick and stops every goroutine of the server,
// connections on which no request was sent included. fasthttp's Date
// header updater, one per process, stays.
func TestShutdownLeavesNoGoroutines(t *testing.T) {
	eachKit(t, func(t *testing.T, k kit) {
		var idle net.Conn
		defer func() {
			if idle != nil {
				idle.Close()
			}
		}()
		start := time.Now()
		t.Run("serve", func(t *testing.T) {
			base := serveURL(t, k, nil, hello)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					res, err := (&http.Client{Transport: tr}).Get(base + "/")
					if err != nil {
						t.Error(err)
						return
					}
					res.Body.Close()
				})
			}
			wg.Wait()
			// A connection on which no request was sent yet: fasthttp's
			// Shutdown alone would wait 5 s for it.
			var err error
			if idle, err = net.Dial("tcp", strings.TrimPrefix(base, "http://")); err != nil {
				t.Fatal(err)
			}
		})
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("serving and shutting down took %v", d)
		}
		var left string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			buf := make([]byte, 1<<20)
			left = ""
			for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
				if strings.Contains(g, "fasthttp") && !strings.Contains(g, "updateServerDate") {
					left += g + "\n\n"
				}
			}
			if left == "" {
				return
			}
		}
		t.Errorf("goroutines left after shutdown:\n%s", left)
	})
}
