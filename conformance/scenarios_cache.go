package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	redisstore "github.com/auth0kit/auth0kit/stores/redis"
)

func init() {
	register("stores/redis-cache-backchannel-logout-reaches-second-instance", testRedisCacheTwoInstances)
}

// cachedRedisStore opens a Redis store with the session cache on, under
// prefix, and waits until its invalidation connection tracks the keys.
func cachedRedisStore(t *testing.T, prefix string) *redisstore.Store {
	t.Helper()
	s, err := redisstore.OpenURL(context.Background(), redisURL+"?cache=1", redisstore.WithPrefix(prefix))
	if err != nil {
		t.Fatalf("Redis at %s: %v", redisURL, err)
	}
	t.Cleanup(func() { _ = s.Close(); _ = s.Client().Close() })
	for deadline := time.Now().Add(5 * time.Second); !s.CacheStats().Active; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the Redis session cache did not become active")
		}
	}
	return s
}

// testRedisCacheTwoInstances runs two app instances sharing a Redis, each
// with its own in-process session cache: the provider's back-channel
// logout reaches instance A, and instance B, which served the session
// from its cache, must stop serving it within 100 ms.
func testRedisCacheTwoInstances(t *testing.T, h Harness) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "auth0kit-conformance:c" + hex.EncodeToString(b[:]) + ":"
	storeA, storeB := cachedRedisStore(t, prefix), cachedRedisStore(t, prefix)
	e := setup(t, h, devop.Options{}, auth0kit.WithSessionStore(storeA))

	// Instance B: the same app (secret, provider, client) on another port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	urlB := "http://" + ln.Addr().String()
	clientB, err := auth0kit.New(auth0kit.WithDomain(e.issuer), auth0kit.WithClientID(e.clientID),
		auth0kit.WithClientSecret(e.clientSecret), auth0kit.WithSecret(secret), auth0kit.WithAppBaseURL(urlB),
		auth0kit.WithTuning(auth0kit.Tuning{Clock: e.clock.Now}), auth0kit.WithSessionStore(storeB))
	if err != nil {
		t.Fatal(err)
	}
	h.Serve(t, ln, clientB)
	loggedInOnB := func() bool {
		// The browser's cookie jar sends 127.0.0.1's cookies to every port.
		p := e.browser.hit(urlB + clientB.Routes().Profile)
		switch p.StatusCode {
		case http.StatusOK:
			return true
		case http.StatusUnauthorized:
			return false
		}
		t.Fatalf("instance B profile: unexpected status %d: %s", p.StatusCode, p.body)
		return false
	}

	e.login("")
	if !e.loggedIn() {
		t.Fatal("not logged in on instance A")
	}
	hits := storeB.CacheStats().Hits
	for range 3 {
		if !loggedInOnB() {
			t.Fatal("instance B does not see the session instance A stored")
		}
	}
	if storeB.CacheStats().Hits == hits {
		t.Fatal("instance B did not serve the session from its cache")
	}

	// RP-initiated logout at the provider: its back-channel logout call
	// reaches instance A (the registered URI), which deletes the session.
	q := url.Values{"client_id": {e.clientID}, "post_logout_redirect_uri": {e.appURL}}
	e.browse(e.metadata("end_session_endpoint") + "?" + q.Encode())
	start := time.Now()
	for loggedInOnB() {
		if time.Since(start) > 100*time.Millisecond {
			t.Fatalf("instance B still serves the session %v after the back-channel logout on A", time.Since(start))
		}
		time.Sleep(2 * time.Millisecond)
	}
	if e.loggedIn() {
		t.Fatal("instance A still serves the session")
	}
}
