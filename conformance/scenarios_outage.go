package conformance

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

func init() {
	register("session/store-outage-is-503-not-logout", testStoreOutage)
}

// flakyStore is a real in-memory store with a switch that makes every call
// fail as a store outage would (the stores' own tests cut real Redis and
// database connections).
type flakyStore struct {
	*sessionstore.Memory
	down atomic.Bool
}

var errOutage = errors.New("connection refused")

func (f *flakyStore) fail() error {
	if f.down.Load() {
		return sessionstore.Unavailable(errOutage)
	}
	return nil
}

func (f *flakyStore) Get(ctx context.Context, id string) (*auth0kit.Session, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Memory.Get(ctx, id)
}

func (f *flakyStore) Set(ctx context.Context, id string, s *auth0kit.Session, exp time.Time) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Memory.Set(ctx, id, s, exp)
}

func (f *flakyStore) Delete(ctx context.Context, id string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Memory.Delete(ctx, id)
}

func testStoreOutage(t *testing.T, h Harness) {
	store := &flakyStore{Memory: sessionstore.NewMemory()}
	e := setup(t, h, devop.Options{}, auth0kit.WithSessionStore(store))
	e.login("")
	store.down.Store(true)
	for _, path := range []string{"/private", "/api/me", e.client.Routes().Profile, e.client.Routes().AccessToken} {
		p := e.browser.fetch(e.appURL + path)
		if p.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("GET %s during a store outage: %d, want 503", path, p.StatusCode)
		}
		for _, c := range p.setCookies() {
			if c.Name == "__session" {
				t.Errorf("GET %s during a store outage touched the session cookie: %s", path, c)
			}
		}
	}
	store.down.Store(false)
	if !e.loggedIn() {
		t.Fatal("the outage logged the user out")
	}
}
