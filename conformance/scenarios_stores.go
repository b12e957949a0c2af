package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
	redisstore "github.com/auth0kit/auth0kit/stores/redis"
	sqlstore "github.com/auth0kit/auth0kit/stores/sql"
	"github.com/auth0kit/auth0kit/stores/sql/sqlurl"
)

// The real servers the store scenarios use (.ci/run starts them).
const (
	redisURL    = "redis://127.0.0.1:6379/0"
	postgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	mariadbURL  = "mysql://root@127.0.0.1:3306/test"
)

func init() {
	for _, kind := range []string{"redis", "postgres", "mariadb", "sqlite"} {
		register("stores/login-and-provider-logout-with-"+kind, func(t *testing.T, h Harness) {
			testStoreLogin(t, h, openStore(t, kind))
		})
	}
}

// openStore connects a fresh, isolated store of the given kind: a unique
// Redis key prefix or unique SQL tables, removed when t ends.
func openStore(t *testing.T, kind string) sessionstore.Store {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	unique := "c" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if kind == "redis" {
		s, err := redisstore.OpenURL(ctx, redisURL, redisstore.WithPrefix("auth0kit-conformance:"+unique+":"))
		if err != nil {
			t.Fatalf("Redis at %s: %v", redisURL, err)
		}
		t.Cleanup(func() { _ = s.Client().Close() })
		return s
	}
	dsn := map[string]string{"postgres": postgresURL, "mariadb": mariadbURL,
		"sqlite": (&url.URL{Scheme: "sqlite", Path: t.TempDir() + "/sessions.db"}).String()}[kind]
	s, err := sqlurl.Open(ctx, dsn, sqlstore.WithTable("sessions_"+unique))
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	t.Cleanup(func() {
		sessions, revocations, locks := s.Tables()
		for _, table := range []string{sessions, revocations, locks} {
			_, _ = s.DB().Exec("DROP TABLE IF EXISTS " + table)
		}
		_ = s.DB().Close()
	})
	return s
}

// testStoreLogin logs in with a real store, reads the session back through
// the adapter, then ends it from the provider (back-channel logout).
func testStoreLogin(t *testing.T, h Harness, store sessionstore.Store) {
	e := setup(t, h, devop.Options{}, auth0kit.WithSessionStore(store))
	e.login("")
	if v := e.browser.cookie(e.appURL, "__session"); v == "" || len(v) > 300 {
		t.Fatalf("session cookie of %d bytes, want a short id cookie", len(v))
	}
	if !e.loggedIn() {
		t.Fatal("not logged in")
	}
	p, body := e.accessToken("")
	e.expectStatus(p, 200)
	if body.Token == "" {
		t.Fatal("no access token from the stored session")
	}
	if lister, ok := store.(sessionstore.Lister); ok {
		sub := e.profileSub()
		if list, err := lister.ListSessions(context.Background(), sub); err != nil || len(list) != 1 {
			t.Fatalf("ListSessions(%s) = %v, %v; want the one session", sub, list, err)
		}
	}
	q := url.Values{"client_id": {e.clientID}, "post_logout_redirect_uri": {e.appURL}}
	e.browse(e.metadata("end_session_endpoint") + "?" + q.Encode())
	if e.loggedIn() {
		t.Fatal("the provider's back-channel logout did not end the stored session")
	}
}
