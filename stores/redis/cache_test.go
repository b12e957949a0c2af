package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/storetest"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
	redisstore "github.com/auth0kit/auth0kit/stores/redis"
	"github.com/redis/go-redis/v9"
)

// cachedStore returns a store with the session cache on, its tracking
// established, closed when t ends.
func cachedStore(t testing.TB, c *redis.Client, prefix string) *redisstore.Store {
	t.Helper()
	s := redisstore.New(c, redisstore.WithPrefix(prefix), redisstore.WithCache(redisstore.CacheConfig{}))
	t.Cleanup(func() { _ = s.Close() })
	waitActive(t, s)
	return s
}

func waitActive(t testing.TB, s *redisstore.Store) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !s.CacheStats().Active {
		if time.Now().After(deadline) {
			t.Fatal("the session cache did not become active within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// counter counts the commands a client sends.
type counter struct{ n atomic.Int64 }

func (r *counter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmd)
	}
}
func (r *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1) // one round trip
		return next(ctx, cmds)
	}
}

// TestCacheHitNoRoundTrip: a cached session is read without talking to
// Redis; the miss before it is one round trip.
func TestCacheHitNoRoundTrip(t *testing.T) {
	c := client(t)
	prefix := newStore(t, c).Prefix()
	cnt := &counter{}
	c2 := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { _ = c2.Close() })
	c2.AddHook(cnt)
	s := cachedStore(t, c2, prefix)
	ctx := context.Background()
	sess := testSession("auth0|hit", "sid-hit")
	if err := s.Set(ctx, "hit", sess, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// The write's own invalidation comes back asynchronously: let it
	// arrive before measuring.
	if _, ok := within(time.Second, func() bool { return s.CacheStats().Invalidations > 0 }); !ok {
		t.Fatal("no invalidation for the store's own write")
	}
	before := cnt.n.Load()
	if got, err := s.Get(ctx, "hit"); err != nil || got == nil || got.User.Sub != "auth0|hit" {
		t.Fatalf("Get = %v, %v", got, err)
	}
	if n := cnt.n.Load() - before; n != 1 {
		t.Fatalf("a miss took %d round trips, want 1", n)
	}
	before = cnt.n.Load()
	for range 100 {
		got, err := s.Get(ctx, "hit")
		if err != nil || got == nil || got.User.Sub != "auth0|hit" {
			t.Fatalf("Get = %v, %v", got, err)
		}
		got.User.Name = "changed by the caller" // callers own what Get returns
	}
	if n := cnt.n.Load() - before; n != 0 {
		t.Fatalf("100 cache hits took %d round trips, want 0", n)
	}
	if got, _ := s.Get(ctx, "hit"); got.User.Name != "Test" {
		t.Fatalf("a caller's change reached the cache: %q", got.User.Name)
	}
	if st := s.CacheStats(); st.Hits < 100 || st.Entries != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// within polls f every millisecond until it is true or d has passed.
func within(d time.Duration, f func() bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if f() {
			return time.Since(start), true
		}
		if time.Since(start) > d {
			return time.Since(start), false
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCacheCoherentAcrossInstances: two app instances, each with its own
// client and cache, share a Redis; a change, a delete or a back-channel
// logout on one is seen by the other within 100 ms.
func TestCacheCoherentAcrossInstances(t *testing.T) {
	c := client(t)
	prefix := newStore(t, c).Prefix()
	cb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { _ = cb.Close() })
	cntB := &counter{}
	cb.AddHook(cntB)
	a, b := cachedStore(t, c, prefix), cachedStore(t, cb, prefix)
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)

	cached := func(id, name string) {
		t.Helper()
		for _, s := range []*redisstore.Store{a, b} {
			for range 2 {
				if got, err := s.Get(ctx, id); err != nil || got == nil || got.User.Name != name {
					t.Fatalf("Get(%s) = %v, %v; want %s", id, got, err, name)
				}
			}
		}
		n := cntB.n.Load()
		_, _ = b.Get(ctx, id)
		if cntB.n.Load() != n {
			t.Fatal("instance B does not serve the session from its cache")
		}
	}

	// A change on A.
	s1 := testSession("auth0|two", "sid-two")
	if err := a.Set(ctx, "one", s1, exp); err != nil {
		t.Fatal(err)
	}
	cached("one", "Test")
	s2 := testSession("auth0|two", "sid-two")
	s2.User.Name = "Renamed"
	if err := a.Set(ctx, "one", s2, exp); err != nil {
		t.Fatal(err)
	}
	if d, ok := within(100*time.Millisecond, func() bool {
		got, _ := b.Get(ctx, "one")
		return got != nil && got.User.Name == "Renamed"
	}); !ok {
		t.Fatalf("B still served the old session after %v", d)
	} else {
		t.Logf("change seen by B after %v", d)
	}

	// A logout (Delete) on A.
	cached("one", "Renamed")
	if err := a.Delete(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	if d, ok := within(100*time.Millisecond, func() bool { got, _ := b.Get(ctx, "one"); return got == nil }); !ok {
		t.Fatalf("B still served the session %v after A deleted it", d)
	} else {
		t.Logf("delete seen by B after %v", d)
	}

	// A back-channel logout received by A.
	if err := a.Set(ctx, "two", s1, exp); err != nil {
		t.Fatal(err)
	}
	cached("two", "Test")
	if err := a.DeleteByLogoutToken(ctx, sessionstore.LogoutTokenClaims{SID: "sid-two"}); err != nil {
		t.Fatal(err)
	}
	if d, ok := within(100*time.Millisecond, func() bool { got, _ := b.Get(ctx, "two"); return got == nil }); !ok {
		t.Fatalf("B still served the session %v after a back-channel logout on A", d)
	}

	// Expiry in Redis: the cache never outlives the record.
	if err := a.Set(ctx, "short", s1, time.Now().Add(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	cached("short", "Test")
	time.Sleep(350 * time.Millisecond)
	if got, _ := b.Get(ctx, "short"); got != nil {
		t.Fatal("B served a session past its expiry")
	}
}

// invalidationConns returns the ids of the connections named
// auth0kit-invalidations.
func invalidationConns(t *testing.T, c *redis.Client) []string {
	list, err := c.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, line := range strings.Split(list, "\n") {
		if !strings.Contains(line, " name=auth0kit-invalidations ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// TestCacheConnectionLost: when the invalidation connection dies, the
// cache is dropped and Gets read Redis until it is back.
func TestCacheConnectionLost(t *testing.T) {
	c := client(t)
	prefix := newStore(t, c).Prefix()
	cnt := &counter{}
	c2 := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { _ = c2.Close() })
	c2.AddHook(cnt)
	s := cachedStore(t, c2, prefix)
	ctx := context.Background()
	if err := s.Set(ctx, "k", testSession("auth0|lost", "sid-lost"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, _ = s.Get(ctx, "k")
	flushes := s.CacheStats().Flushes
	ids := invalidationConns(t, c)
	if len(ids) == 0 {
		t.Fatal("no invalidation connection in CLIENT LIST")
	}
	for _, id := range ids {
		n, _ := strconv.ParseInt(id, 10, 64)
		_ = c.ClientKillByFilter(ctx, "ID", strconv.FormatInt(n, 10)).Err()
	}
	if _, ok := within(time.Second, func() bool { return s.CacheStats().Flushes > flushes }); !ok {
		t.Fatal("the cache was not flushed after its invalidation connection died")
	}
	// Back within a few seconds, and caching again.
	waitActive(t, s)
	_, _ = s.Get(ctx, "k")
	n := cnt.n.Load()
	if got, _ := s.Get(ctx, "k"); got == nil || cnt.n.Load() != n {
		t.Fatal("the cache does not serve reads after reconnecting")
	}
}

// TestCacheNeedsSingleServer: with a Ring (as with a Cluster) the cache
// stays off and Gets read Redis.
func TestCacheNeedsSingleServer(t *testing.T) {
	c := client(t)
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"shard": redisAddr}})
	t.Cleanup(func() { _ = ring.Close() })
	s := redisstore.New(ring, redisstore.WithPrefix(newStore(t, c).Prefix()), redisstore.WithCache(redisstore.CacheConfig{}))
	defer s.Close()
	ctx := context.Background()
	if err := s.Set(ctx, "r", testSession("auth0|ring", "sid-ring"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "r"); err != nil || got == nil {
		t.Fatalf("Get = %v, %v", got, err)
	}
	if st := s.CacheStats(); st.Active || st.Hits+st.Misses != 0 {
		t.Fatalf("stats %+v, want the cache off", st)
	}
}

func BenchmarkStoreCached(b *testing.B) {
	c := client(b)
	s := cachedStore(b, c, newStore(b, c).Prefix())
	storetest.Benchmark(b, s, storetest.FixtureSession(b, "../../../shared/reference/fixtures/session.json"))
}

// TestOpenURLCache: the cache parameters of a Redis URL.
func TestOpenURLCache(t *testing.T) {
	ctx := context.Background()
	prefix := newStore(t, client(t)).Prefix()
	s, err := redisstore.OpenURL(ctx, "redis://"+redisAddr+"/0?cache=1&cache_ttl=30s&cache_max_entries=100",
		redisstore.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Client().Close()
	defer s.Close()
	waitActive(t, s)
	off, err := redisstore.OpenURL(ctx, "redis://"+redisAddr+"/0?cache=off&dial_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	defer off.Client().Close()
	if off.CacheStats() != (redisstore.CacheStats{}) {
		t.Fatal("cache=off turned the cache on")
	}
	for _, u := range []string{"?cache=maybe", "?cache_ttl=soon", "?cache_max_entries=0", "?cache=1&nonsense=1"} {
		s, err := redisstore.OpenURL(ctx, "redis://:s3cret@"+redisAddr+"/0"+u)
		if err == nil {
			_ = s.Close()
			_ = s.Client().Close()
			t.Errorf("OpenURL(%s) succeeded", u)
			continue
		}
		if errors.Is(err, auth0kit.ErrSessionStore) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("OpenURL(%s) = %v: want a configuration error without the password", u, err)
		}
	}
}
