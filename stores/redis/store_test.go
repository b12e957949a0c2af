package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/storetest"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
	redisstore "github.com/auth0kit/auth0kit/stores/redis"
	"github.com/redis/go-redis/v9"
)

// redisAddr is the Redis server the tests need (CI starts it): the tests
// fail, not skip, when it does not answer.
const redisAddr = "127.0.0.1:6379"

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// client returns a client of the test server, closed when t ends.
func client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: redisAddr})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s is not reachable (the store tests need it): %v", redisAddr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newStore returns a store with a prefix of its own; its keys are deleted
// when t ends.
func newStore(t testing.TB, c *redis.Client) *redisstore.Store {
	t.Helper()
	prefix := "auth0kit-test:" + randHex(6) + ":"
	t.Cleanup(func() { dropPrefix(t, c, prefix) })
	return redisstore.New(c, redisstore.WithPrefix(prefix))
}

// dropPrefix deletes the keys of a test's prefix (SCAN here is test
// cleanup, never the store's request path).
func dropPrefix(t testing.TB, c *redis.Client, prefix string) {
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("cleanup scan: %v", err)
		return
	}
	// One DEL per key: on a Cluster node the keys are in many slots.
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	if err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

func TestConformance(t *testing.T) {
	c := client(t)
	storetest.Run(t, func(t *testing.T) sessionstore.Store { return newStore(t, c) })
}

// TestConformanceCached runs the store suite with the session cache on.
func TestConformanceCached(t *testing.T) {
	c := client(t)
	storetest.Run(t, func(t *testing.T) sessionstore.Store {
		return cachedStore(t, c, newStore(t, c).Prefix())
	})
}

// TestConformanceRing runs the suite through a redis.Ring (one shard): the
// code path for clients whose keys may live on several servers (Cluster,
// Ring), where a session and its index entries are written in two steps.
func TestConformanceRing(t *testing.T) {
	c := client(t)
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"shard": redisAddr}})
	t.Cleanup(func() { _ = ring.Close() })
	storetest.Run(t, func(t *testing.T) sessionstore.Store {
		s := newStore(t, c)
		return redisstore.New(ring, redisstore.WithPrefix(s.Prefix()))
	})
}

// TestConformanceCluster runs the suite against a Redis Cluster when
// REDIS_CLUSTER_ADDRS (comma-separated host:port of its nodes) is set.
func TestConformanceCluster(t *testing.T) {
	addrs := os.Getenv("REDIS_CLUSTER_ADDRS")
	if addrs == "" {
		t.Skip("REDIS_CLUSTER_ADDRS not set: no Redis Cluster to test against")
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(addrs, ",")})
	t.Cleanup(func() { _ = cc.Close() })
	if err := cc.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Redis Cluster at %s: %v", addrs, err)
	}
	storetest.Run(t, func(t *testing.T) sessionstore.Store {
		prefix := "auth0kit-test:" + randHex(6) + ":"
		t.Cleanup(func() {
			_ = cc.ForEachMaster(context.Background(), func(ctx context.Context, n *redis.Client) error {
				dropPrefix(t, n, prefix)
				return nil
			})
		})
		return redisstore.New(cc, redisstore.WithPrefix(prefix))
	})
}

// TestUnavailable points a client at a closed port.
func TestUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second})
	defer c.Close()
	storetest.RunUnavailable(t, redisstore.New(c))
}

func testSession(sub, sid string) *auth0kit.Session {
	return &auth0kit.Session{
		User:     auth0kit.User{Sub: sub, Name: "Test"},
		TokenSet: auth0kit.TokenSet{AccessToken: "at", IDToken: "idt", ExpiresAt: time.Now().Unix() + 3600},
		Internal: auth0kit.SessionInternal{SID: sid, CreatedAt: time.Now().Unix()},
	}
}

// TestKeyLayout checks the documented keys: the session's value is
// MarshalSession's JSON with the remaining lifetime as TTL, and its index
// sets outlive it.
func TestKeyLayout(t *testing.T) {
	c := client(t)
	s := newStore(t, c)
	ctx := context.Background()
	p := s.Prefix()
	sess := testSession("auth0|layout", "sid-layout")
	exp := time.Now().Add(90 * time.Minute)
	if err := s.Set(ctx, "id1", sess, exp); err != nil {
		t.Fatal(err)
	}
	val, err := c.Get(ctx, p+"s:id1").Result()
	if err != nil || val != string(sessionstore.Marshal(sess)) {
		t.Fatalf("session value = %q, %v; want MarshalSession's JSON", val, err)
	}
	ttl := c.PTTL(ctx, p+"s:id1").Val()
	if ttl < 89*time.Minute || ttl > 90*time.Minute {
		t.Fatalf("session TTL = %v, want ~90m", ttl)
	}
	for _, k := range []string{p + "sid:sid-layout", p + "sub:auth0|layout"} {
		if _, err := c.ZScore(ctx, k, "id1").Result(); err != nil {
			t.Fatalf("%s has no member id1: %v", k, err)
		}
		if it := c.PTTL(ctx, k).Val(); it < ttl {
			t.Fatalf("index %s TTL %v shorter than its member's %v", k, it, ttl)
		}
	}
	// A later session of the same user extends the index set.
	if err := s.Set(ctx, "id2", testSession("auth0|layout", "sid-2"), exp.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if it := c.PTTL(ctx, p+"sub:auth0|layout").Val(); it < ttl+time.Hour {
		t.Fatalf("index TTL %v after a longer-lived member, want ≥ %v", it, ttl+time.Hour)
	}
	// Overwriting with another sid and sub moves id1 between sets.
	if err := s.Set(ctx, "id1", testSession("auth0|moved", "sid-moved"), exp); err != nil {
		t.Fatal(err)
	}
	if err := c.ZScore(ctx, p+"sid:sid-layout", "id1").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("id1 still in its old sid set: %v", err)
	}
	if err := c.ZScore(ctx, p+"sub:auth0|layout", "id1").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("id1 still in its old sub set: %v", err)
	}
	if err := c.ZScore(ctx, p+"sub:auth0|moved", "id1").Err(); err != nil {
		t.Fatalf("id1 not in its new sub set: %v", err)
	}
	// Delete removes the session and its index entries.
	if err := s.Delete(ctx, "id1"); err != nil {
		t.Fatal(err)
	}
	if n := c.Exists(ctx, p+"s:id1", p+"sid:sid-moved", p+"sub:auth0|moved").Val(); n != 0 {
		t.Fatalf("%d keys left after Delete", n)
	}
}

// TestStaleMembers: members of expired or vanished sessions are tolerated,
// and expired ones are pruned when their set is read.
func TestStaleMembers(t *testing.T) {
	c := client(t)
	s := newStore(t, c)
	ctx := context.Background()
	p := s.Prefix()
	sub := "auth0|stale"
	live := testSession(sub, "sid-live")
	if err := s.Set(ctx, "live", live, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// An expired member, and one whose session vanished (evicted).
	c.ZAdd(ctx, p+"sub:"+sub, redis.Z{Score: float64(time.Now().Add(-time.Minute).UnixMilli()), Member: "expired"})
	c.ZAdd(ctx, p+"sub:"+sub, redis.Z{Score: float64(time.Now().Add(time.Hour).UnixMilli()), Member: "vanished"})
	got, err := s.ListSessions(ctx, sub)
	if err != nil || len(got) != 1 || got[0].ID != "live" {
		t.Fatalf("ListSessions = %v, %v; want [live]", got, err)
	}
	if err := c.ZScore(ctx, p+"sub:"+sub, "expired").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("expired member not pruned: %v", err)
	}
	if err := s.DeleteByLogoutToken(ctx, sessionstore.LogoutTokenClaims{Sub: sub}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, "live"); got != nil {
		t.Fatal("live session survived DeleteByLogoutToken")
	}
	// A member pointing at a session of another user is never deleted.
	other := testSession("auth0|other", "sid-other")
	if err := s.Set(ctx, "other", other, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c.ZAdd(ctx, p+"sid:sid-live", redis.Z{Score: float64(time.Now().Add(time.Hour).UnixMilli()), Member: "other"})
	if err := s.DeleteByLogoutToken(ctx, sessionstore.LogoutTokenClaims{SID: "sid-live"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, "other"); got == nil {
		t.Fatal("a stale index member made DeleteByLogoutToken delete another session")
	}
}

// TestUndecodableValue: a value that is not a session reads as none.
func TestUndecodableValue(t *testing.T) {
	c := client(t)
	s := newStore(t, c)
	ctx := context.Background()
	c.Set(ctx, s.Prefix()+"s:garbage", "not a session", time.Minute)
	if got, err := s.Get(ctx, "garbage"); got != nil || err != nil {
		t.Fatalf("Get(garbage) = %v, %v; want nil, nil", got, err)
	}
	if err := s.Set(ctx, "garbage", testSession("auth0|g", "sid-g"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "garbage"); err != nil {
		t.Fatal(err)
	}
}

// TestNoKeyspaceScan records every command the store sends: none is KEYS
// or SCAN, and every script and command names at most one key.
func TestNoKeyspaceScan(t *testing.T) {
	c := client(t)
	rec := &recorder{}
	c.AddHook(rec)
	s := newStore(t, c)
	ctx := context.Background()
	sub := "auth0|scan"
	for i, sid := range []string{"a", "b", "c"} {
		if err := s.Set(ctx, "id"+sid, testSession(sub, "sid-"+sid), time.Now().Add(time.Duration(i+1)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Set(ctx, "ida", testSession("auth0|scan2", "sid-z"), time.Now().Add(time.Hour))
	_, _ = s.Get(ctx, "ida")
	_, _ = s.ListSessions(ctx, sub)
	_ = s.DeleteByLogoutToken(ctx, sessionstore.LogoutTokenClaims{SID: "sid-b"})
	_ = s.DeleteByLogoutToken(ctx, sessionstore.LogoutTokenClaims{Sub: sub})
	_ = s.Delete(ctx, "ida")
	_ = s.Revoke(ctx, sessionstore.LogoutTokenClaims{Sub: sub}, time.Now(), time.Now().Add(time.Hour))
	_ = s.Revoke(ctx, sessionstore.LogoutTokenClaims{SID: "x"}, time.Now(), time.Now().Add(time.Hour))
	_, _ = s.Revoked(ctx, "x", sub, time.Now())
	unlock, err := s.Lock(ctx, "k", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.cmds) < 10 {
		t.Fatalf("recorded only %d commands", len(rec.cmds))
	}
	for _, args := range rec.cmds {
		name := strings.ToLower(args[0].(string))
		switch name {
		case "keys", "scan":
			t.Errorf("the store sent %v", args)
		case "evalsha", "eval":
			if n := args[2]; n != int64(1) && n != 1 {
				t.Errorf("script with %v keys: %v", n, args)
			}
		case "mget", "del", "exists", "mset":
			if len(args) > 2 {
				t.Errorf("multi-key command %v", args)
			}
		}
	}
}

type recorder struct {
	mu   sync.Mutex
	cmds [][]any
}

func (r *recorder) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *recorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.add(cmd)
		return next(ctx, cmd)
	}
}

func (r *recorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			r.add(c)
		}
		return next(ctx, cmds)
	}
}

func (r *recorder) add(cmd redis.Cmder) {
	if cmd.Name() == "ping" || cmd.Name() == "hello" || cmd.Name() == "client" {
		return
	}
	r.mu.Lock()
	r.cmds = append(r.cmds, cmd.Args())
	r.mu.Unlock()
}

// TestScriptCacheFlushed: after SCRIPT FLUSH (a restart, a failover) the
// scripts are sent again, alone and in pipelines.
func TestScriptCacheFlushed(t *testing.T) {
	c := client(t)
	s := newStore(t, c)
	ctx := context.Background()
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	sess := testSession("auth0|flush", "sid-flush")
	if err := s.Set(ctx, "f1", sess, time.Now().Add(time.Hour)); err != nil { // pipeline of 2 scripts
		t.Fatal(err)
	}
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteByLogoutToken(ctx, sessionstore.LogoutTokenClaims{SID: "sid-flush"}); err != nil { // single script
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, "f1"); got != nil {
		t.Fatal("session not deleted")
	}
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, sessionstore.LogoutTokenClaims{Sub: "auth0|flush"}, time.Now(), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Revoked(ctx, "", "auth0|flush", time.Now().Add(-time.Minute)); err != nil || !ok {
		t.Fatalf("Revoked = %v, %v", ok, err)
	}
}

func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	s, err := redisstore.OpenURL(ctx, "redis://"+redisAddr+"/0", redisstore.WithPrefix("auth0kit-test:open:"))
	if err != nil {
		t.Fatalf("OpenURL: %v (Redis at %s must be up)", err, redisAddr)
	}
	defer s.Client().Close()
	if s.Prefix() != "auth0kit-test:open:" {
		t.Fatalf("prefix = %q", s.Prefix())
	}
	if got, err := s.Get(ctx, "nothing"); got != nil || err != nil {
		t.Fatalf("Get = %v, %v", got, err)
	}
	if d := redisstore.New(s.Client()); d.Prefix() != redisstore.DefaultPrefix || redisstore.DefaultPrefix != "auth0kit:" {
		t.Fatalf("default prefix = %q", d.Prefix())
	}

	if _, err := redisstore.OpenURL(ctx, "http://"+redisAddr); err == nil || errors.Is(err, auth0kit.ErrSessionStore) {
		t.Fatalf("OpenURL(http://) = %v, want a configuration error", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	_, err = redisstore.OpenURL(ctx, "redis://:s3cret@"+addr+"/0")
	if !errors.Is(err, auth0kit.ErrSessionStore) {
		t.Fatalf("OpenURL(closed port) = %v, want ErrSessionStore", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error reveals the password: %v", err)
	}
}

func TestLockTTLMustBePositive(t *testing.T) {
	s := newStore(t, client(t))
	if _, err := s.Lock(context.Background(), "k", 0); err == nil {
		t.Fatal("Lock with ttl 0 succeeded")
	}
}

func BenchmarkStore(b *testing.B) {
	s := newStore(b, client(b))
	storetest.Benchmark(b, s, storetest.FixtureSession(b, "../../../shared/reference/fixtures/session.json"))
}
