package crosstest

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	auth0http "github.com/auth0kit/auth0kit/adapters/nethttp"
	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
	redisstore "github.com/auth0kit/auth0kit/stores/redis"
)

// BenchmarkMiddlewareWithStore is each adapter's middleware cost with
// server-side sessions on a logged-in request: the cookie holds only an id,
// so a handler that reads the user makes one store read.
func BenchmarkMiddlewareWithStore(b *testing.B) {
	redis, err := redisstore.OpenURL(context.Background(), "redis://127.0.0.1:6379/0",
		redisstore.WithPrefix("auth0kit-bench:"+b.Name()+":"))
	if err != nil {
		b.Fatalf("Redis: %v", err)
	}
	b.Cleanup(func() { _ = redis.Client().Close() })
	stores := []struct {
		name  string
		store sessionstore.Store
	}{{"memory", sessionstore.NewMemory()}, {"redis", redis}}
	for _, st := range stores {
		client, ck := loggedInWithStore(b, st.store)
		b.Run(st.name, func(b *testing.B) {
			eachKit(b, func(b *testing.B, k kit) {
				b.Run("session-unread", func(b *testing.B) { k.inProcess(b, client, []route{hello}, ck) })
				b.Run("User", func(b *testing.B) { k.inProcess(b, client, []route{helloUser}, ck) })
			})
		})
	}
}

// loggedInWithStore logs a user in against the development provider with
// the store and returns the client and the session cookie.
func loggedInWithStore(b *testing.B, store sessionstore.Store) (*auth0kit.Client, *http.Cookie) {
	op := devop.Start(b, devop.Options{AutoLoginEmail: "bench@example.com"})
	var handler http.Handler
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	b.Cleanup(app.Close)
	client, err := auth0kit.New(auth0kit.WithDomain(op.Issuer()), auth0kit.WithClientID(op.Client().ID),
		auth0kit.WithClientSecret(op.Client().Secret), auth0kit.WithSecret("bench-secret-0123456789-abcdefghijklmnop"),
		auth0kit.WithAppBaseURL(app.URL), auth0kit.WithSessionStore(store))
	if err != nil {
		b.Fatal(err)
	}
	handler = auth0http.Middleware(client)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	jar, _ := cookiejar.New(nil)
	if resp, err := (&http.Client{Jar: jar}).Get(app.URL + "/auth/login"); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("login: %v %v", resp, err)
	}
	req := httptest.NewRequest(http.MethodGet, app.URL+"/", nil)
	for _, c := range jar.Cookies(req.URL) {
		if c.Name == "__session" {
			return client, c
		}
	}
	b.Fatal("no session cookie after login")
	return nil, nil
}
