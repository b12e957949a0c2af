package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
)

func asReplayCache(t *testing.T, s sessionstore.Store) sessionstore.ReplayCache {
	t.Helper()
	r, ok := s.(sessionstore.ReplayCache)
	if !ok {
		t.Skipf("%T does not implement sessionstore.ReplayCache", s)
	}
	return r
}

func markUsed(t *testing.T, r sessionstore.ReplayCache, key string, until time.Time) bool {
	t.Helper()
	first, err := r.MarkUsed(context.Background(), key, until)
	if err != nil {
		t.Fatalf("MarkUsed(%q): %v", key, err)
	}
	return first
}

func used(t *testing.T, r sessionstore.ReplayCache, key string) bool {
	t.Helper()
	u, err := r.Used(context.Background(), key)
	if err != nil {
		t.Fatalf("Used(%q): %v", key, err)
	}
	return u
}

func testReplayMarkOnce(t *testing.T, s sessionstore.Store) {
	r := asReplayCache(t, s)
	key, other := unique("bcl-jti:"), unique("bcl-jti:")
	if used(t, r, key) {
		t.Fatal("Used(unknown key) = true")
	}
	if !markUsed(t, r, key, time.Now().Add(time.Minute)) {
		t.Fatal("first MarkUsed = false, want true")
	}
	if !used(t, r, key) {
		t.Fatal("Used after MarkUsed = false")
	}
	if markUsed(t, r, key, time.Now().Add(time.Minute)) {
		t.Fatal("second MarkUsed = true: a replay would be accepted")
	}
	if used(t, r, other) || !markUsed(t, r, other, time.Now().Add(time.Minute)) {
		t.Fatal("keys are not independent")
	}
}

func testReplayConcurrent(t *testing.T, s sessionstore.Store) {
	r := asReplayCache(t, s)
	key := unique("bcl-jti:")
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			first, err := r.MarkUsed(context.Background(), key, time.Now().Add(time.Minute))
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Fatalf("%d of 16 concurrent MarkUsed calls were first, want exactly 1", n)
	}
}

func testReplayCancelled(t *testing.T, s sessionstore.Store) {
	r := asReplayCache(t, s)
	key := unique("bcl-jti:")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.MarkUsed(ctx, key, time.Now().Add(time.Minute)); !storeOrCanceled(err) {
		t.Fatalf("MarkUsed(cancelled) = %v", err)
	}
	if _, err := r.Used(ctx, key); !storeOrCanceled(err) {
		t.Fatalf("Used(cancelled) = %v", err)
	}
	if used(t, r, key) {
		t.Fatal("a cancelled MarkUsed wrote the key")
	}
}

func testExpiryReplay(t *testing.T, s sessionstore.Store) {
	r := asReplayCache(t, s)
	key := unique("bcl-jti:")
	if !markUsed(t, r, key, time.Now().Add(300*time.Millisecond)) {
		t.Fatal("first MarkUsed = false")
	}
	time.Sleep(1300 * time.Millisecond)
	if used(t, r, key) {
		t.Fatal("Used after until = true")
	}
	if !markUsed(t, r, key, time.Now().Add(time.Minute)) {
		t.Fatal("MarkUsed after until = false: an expired mark still blocks")
	}
}
