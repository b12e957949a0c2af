package crosstest

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	auth0http "github.com/auth0kit/auth0kit/adapters/nethttp"
	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	redisstore "github.com/auth0kit/auth0kit/stores/redis"
)

// TestRefreshAcrossInstances runs two app instances (two clients, as two
// processes would have) sharing one Redis session store: concurrent
// requests that need a refresh of the same session, spread over both,
// make exactly one token request; the store's lock and re-read keep the
// second instance from spending the rotated refresh token again.
func TestRefreshAcrossInstances(t *testing.T) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	op := devop.Start(t, devop.Options{AutoLoginEmail: "two@example.com", Now: now})
	store, err := redisstore.OpenURL(context.Background(), "redis://127.0.0.1:6379/0",
		redisstore.WithPrefix("auth0kit-instances:"+t.Name()+":"+strconv.FormatInt(time.Now().UnixNano(), 36)+":"))
	if err != nil {
		t.Fatalf("Redis: %v", err)
	}
	t.Cleanup(func() { _ = store.Client().Close() })

	var urls []string
	for range 2 {
		var h http.Handler
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
		t.Cleanup(srv.Close)
		client, err := auth0kit.New(auth0kit.WithDomain(op.Issuer()), auth0kit.WithClientID(op.Client().ID),
			auth0kit.WithClientSecret(op.Client().Secret), auth0kit.WithSecret("instances-secret-0123456789-abcdefghij"),
			auth0kit.WithAppBaseURL(srv.URL), auth0kit.WithTuning(auth0kit.Tuning{Clock: now}), auth0kit.WithSessionStore(store))
		if err != nil {
			t.Fatal(err)
		}
		h = auth0http.Middleware(client)(http.NotFoundHandler())
		urls = append(urls, srv.URL)
	}
	jar, _ := cookiejar.New(nil)
	if resp, err := (&http.Client{Jar: jar}).Get(urls[0] + "/auth/login"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	var cookie *http.Cookie
	for _, c := range jar.Cookies(mustParse(t, urls[0])) {
		if c.Name == "__session" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no session after login")
	}
	offset.Store(int64(2 * time.Hour)) // the access token has expired

	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 40 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, urls[i%2]+"/auth/access-token", nil)
			req.AddCookie(cookie) // the session id cookie is valid on both instances
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				failed.Add(1)
				if resp != nil {
					b, _ := io.ReadAll(resp.Body)
					t.Logf("instance %d: %d %s", i%2, resp.StatusCode, b)
				}
			}
			if resp != nil {
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of 40 requests failed", n)
	}
	if n := op.TokenRequests("refresh_token"); n != 1 {
		t.Fatalf("two instances made %d refresh requests, want 1", n)
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
