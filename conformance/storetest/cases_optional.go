package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// listed returns the ids of l's sessions of sub, sorted.
func listed(t *testing.T, l sessionstore.Lister, sub string) []sessionstore.StoredSession {
	t.Helper()
	got, err := l.ListSessions(context.Background(), sub)
	if err != nil {
		t.Fatalf("ListSessions(%q): %v", sub, err)
	}
	slices.SortFunc(got, func(a, b sessionstore.StoredSession) int { return strings.Compare(a.ID, b.ID) })
	return got
}

func ids(ss []sessionstore.StoredSession) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

func sortedIDs(in ...string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return out
}

func testListSessions(t *testing.T, s sessionstore.Store) {
	l := asLister(t, s)
	sub, otherSub := newSub(), newSub()
	if got := listed(t, l, sub); len(got) != 0 {
		t.Fatalf("ListSessions(unknown sub) = %v, want none", got)
	}
	a, b, c := newID(), newID(), newID()
	sa, sb := session(sub, newSID()), session(sub, newSID())
	sa.Internal.CreatedAt -= 3600
	expA, expB := time.Now().Add(2*time.Hour), time.Now().Add(3*time.Hour)
	set(t, s, a, sa, expA)
	set(t, s, b, sb, expB)
	set(t, s, c, session(otherSub, newSID()), hour())

	got := listed(t, l, sub)
	if !slices.Equal(ids(got), sortedIDs(a, b)) {
		t.Fatalf("ListSessions = %v, want exactly %v", ids(got), sortedIDs(a, b))
	}
	want := map[string]struct {
		sess *auth0kit.Session
		exp  time.Time
	}{a: {sa, expA}, b: {sb, expB}}
	for _, g := range got {
		w := want[g.ID]
		if g.SID != w.sess.Internal.SID || g.Sub != sub || !g.CreatedAt.Equal(time.Unix(w.sess.Internal.CreatedAt, 0)) {
			t.Errorf("ListSessions entry %+v, want SID %q, Sub %q, CreatedAt %v", g, w.sess.Internal.SID, sub,
				time.Unix(w.sess.Internal.CreatedAt, 0))
		}
		if d := g.ExpiresAt.Sub(w.exp); d < -time.Second || d > time.Second {
			t.Errorf("ListSessions entry %s: ExpiresAt %v, want %v (± 1 s)", g.ID, g.ExpiresAt, w.exp)
		}
	}
	if got := listed(t, l, otherSub); !slices.Equal(ids(got), []string{c}) {
		t.Fatalf("ListSessions(other sub) = %v, want [%s]", ids(got), c)
	}
}

func testListFollowsChanges(t *testing.T, s sessionstore.Store) {
	l := asLister(t, s)
	sub := newSub()
	a, b, c, d := newID(), newID(), newID(), newID()
	sidC := newSID()
	for _, id := range []string{a, b} {
		set(t, s, id, session(sub, newSID()), hour())
	}
	set(t, s, c, session(sub, sidC), hour())
	set(t, s, d, session(sub, newSID()), hour())
	del(t, s, a)
	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: sidC})
	set(t, s, d, session(sub, newSID()), time.Now().Add(-time.Second)) // expired by Set
	if got := listed(t, l, sub); !slices.Equal(ids(got), []string{b}) {
		t.Fatalf("ListSessions after Delete, DeleteByLogoutToken and a past Set = %v, want [%s]", ids(got), b)
	}
	deleteBy(t, s, sessionstore.LogoutTokenClaims{Sub: sub})
	if got := listed(t, l, sub); len(got) != 0 {
		t.Fatalf("ListSessions after deleting by sub = %v, want none", ids(got))
	}
}

func testListCancelled(t *testing.T, s sessionstore.Store) {
	l := asLister(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := l.ListSessions(ctx, newSub()); !storeOrCanceled(err) || got != nil {
		t.Fatalf("ListSessions with a cancelled context = %v, %v; want nil and an error", got, err)
	}
}

func revoke(t *testing.T, r sessionstore.RevocationList, c sessionstore.LogoutTokenClaims, at, until time.Time) {
	t.Helper()
	if err := r.Revoke(context.Background(), c, at, until); err != nil {
		t.Fatalf("Revoke(%+v): %v", c, err)
	}
}

func wantRevoked(t *testing.T, r sessionstore.RevocationList, sid, sub string, createdAt time.Time, want bool) {
	t.Helper()
	got, err := r.Revoked(context.Background(), sid, sub, createdAt)
	if err != nil {
		t.Fatalf("Revoked(%q, %q, %v): %v", sid, sub, createdAt, err)
	}
	if got != want {
		t.Fatalf("Revoked(%q, %q, %v) = %v, want %v", sid, sub, createdAt, got, want)
	}
}

func testRevokeSID(t *testing.T, s sessionstore.Store) {
	r := asRevocationList(t, s)
	sid, sub, now := newSID(), newSub(), time.Now()
	wantRevoked(t, r, sid, sub, now, false)
	revoke(t, r, sessionstore.LogoutTokenClaims{SID: sid}, now, now.Add(time.Hour))
	// A revoked sid ends the session whatever its sub and creation time.
	wantRevoked(t, r, sid, sub, now.Add(-time.Hour), true)
	wantRevoked(t, r, sid, sub, now.Add(time.Hour), true)
	wantRevoked(t, r, sid, "", now, true)
	wantRevoked(t, r, sid, newSub(), now, true)
	wantRevoked(t, r, newSID(), sub, now.Add(-time.Hour), false)
	wantRevoked(t, r, strings.ToUpper(sid), sub, now, false)
	wantRevoked(t, r, "", sub, now.Add(-time.Hour), false)
	wantRevoked(t, r, "", "", now, false)
}

func testRevokeSub(t *testing.T, s sessionstore.Store) {
	r := asRevocationList(t, s)
	sub, now := newSub(), time.Now().Truncate(time.Second)
	at := now.Add(-10 * time.Second)
	revoke(t, r, sessionstore.LogoutTokenClaims{Sub: sub}, at, now.Add(time.Hour))
	wantRevoked(t, r, "", sub, at.Add(-time.Hour), true)
	wantRevoked(t, r, newSID(), sub, at.Add(-time.Second), true)
	wantRevoked(t, r, newSID(), sub, at, true) // created at the logout instant: at or before
	wantRevoked(t, r, newSID(), sub, at.Add(time.Second), false)
	wantRevoked(t, r, "", sub, now, false) // logged in again after the logout
	wantRevoked(t, r, "", newSub(), at.Add(-time.Hour), false)
	wantRevoked(t, r, "", strings.ToUpper(sub), at.Add(-time.Hour), false)
}

// testRevokeSIDAndSub: a logout token naming both ends that provider
// session only, not every session of the user (as DeleteByLogoutToken).
func testRevokeSIDAndSub(t *testing.T, s sessionstore.Store) {
	r := asRevocationList(t, s)
	sid, sub, now := newSID(), newSub(), time.Now()
	revoke(t, r, sessionstore.LogoutTokenClaims{SID: sid, Sub: sub}, now, now.Add(time.Hour))
	wantRevoked(t, r, sid, sub, now.Add(-time.Minute), true)
	wantRevoked(t, r, newSID(), sub, now.Add(-time.Minute), false)
}

func testRevokeKeepsLatest(t *testing.T, s sessionstore.Store) {
	r := asRevocationList(t, s)
	sub, sid, now := newSub(), newSID(), time.Now().Truncate(time.Second)
	revoke(t, r, sessionstore.LogoutTokenClaims{Sub: sub}, now.Add(-10*time.Second), now.Add(time.Hour))
	// A delayed, older logout token neither moves "at" back nor shortens
	// the entry's life.
	revoke(t, r, sessionstore.LogoutTokenClaims{Sub: sub}, now.Add(-20*time.Second), now.Add(time.Minute))
	wantRevoked(t, r, "", sub, now.Add(-15*time.Second), true)
	wantRevoked(t, r, "", sub, now.Add(-5*time.Second), false)
	// A later one moves it forward.
	revoke(t, r, sessionstore.LogoutTokenClaims{Sub: sub}, now.Add(-2*time.Second), now.Add(time.Minute))
	wantRevoked(t, r, "", sub, now.Add(-5*time.Second), true)
	wantRevoked(t, r, "", sub, now, false)

	revoke(t, r, sessionstore.LogoutTokenClaims{SID: sid}, now, now.Add(time.Hour))
	revoke(t, r, sessionstore.LogoutTokenClaims{SID: sid}, now, now.Add(-time.Hour))
	wantRevoked(t, r, sid, "", now, true)
}

func testRevokePastUntil(t *testing.T, s sessionstore.Store) {
	r := asRevocationList(t, s)
	sid, sub, now := newSID(), newSub(), time.Now()
	revoke(t, r, sessionstore.LogoutTokenClaims{SID: sid}, now, now.Add(-time.Second))
	revoke(t, r, sessionstore.LogoutTokenClaims{Sub: sub}, now, now.Add(-time.Second))
	revoke(t, r, sessionstore.LogoutTokenClaims{}, now, now.Add(time.Hour))
	wantRevoked(t, r, sid, sub, now.Add(-time.Hour), false)
}

func testRevokeCancelled(t *testing.T, s sessionstore.Store) {
	r := asRevocationList(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sid, sub, now := newSID(), newSub(), time.Now()
	if err := r.Revoke(ctx, sessionstore.LogoutTokenClaims{SID: sid, Sub: sub}, now, now.Add(time.Hour)); !storeOrCanceled(err) {
		t.Fatalf("Revoke with a cancelled context = %v, want an error", err)
	}
	if err := r.Revoke(ctx, sessionstore.LogoutTokenClaims{Sub: sub}, now, now.Add(time.Hour)); !storeOrCanceled(err) {
		t.Fatalf("Revoke with a cancelled context = %v, want an error", err)
	}
	if got, err := r.Revoked(ctx, sid, sub, now); !storeOrCanceled(err) || got {
		t.Fatalf("Revoked with a cancelled context = %v, %v; want false and an error", got, err)
	}
	wantRevoked(t, r, sid, sub, now.Add(-time.Hour), false)
}

// lock takes key or fails the test.
func lock(t *testing.T, l sessionstore.Locker, ctx context.Context, key string, ttl time.Duration) func() {
	t.Helper()
	unlock, err := l.Lock(ctx, key, ttl)
	if err != nil {
		t.Fatalf("Lock(%q): %v", key, err)
	}
	if unlock == nil {
		t.Fatalf("Lock(%q) returned a nil unlock func", key)
	}
	return unlock
}

// tryLock reports whether key can be taken within wait; it releases it
// again when it could.
func tryLock(t *testing.T, l sessionstore.Locker, key string, wait time.Duration) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	unlock, err := l.Lock(ctx, key, time.Minute)
	if err != nil {
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, auth0kit.ErrSessionStore) {
			t.Fatalf("Lock(%q) while held = %v, want a context or store error", key, err)
		}
		return false
	}
	unlock()
	return true
}

func testLockMutualExclusion(t *testing.T, s sessionstore.Store) {
	l := asLocker(t, s)
	key := unique("storetest-lock-")
	const workers, rounds = 4, 5
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var inside atomic.Int32
	counter := 0 // guarded by the lock only: -race reports a broken lock
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				unlock, err := l.Lock(ctx, key, 10*time.Second)
				if err != nil {
					t.Errorf("Lock: %v", err)
					return
				}
				if n := inside.Add(1); n != 1 {
					t.Errorf("%d holders of one lock", n)
				}
				c := counter
				time.Sleep(time.Millisecond)
				counter = c + 1
				inside.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	if counter != workers*rounds {
		t.Fatalf("counter = %d, want %d: lost updates under the lock", counter, workers*rounds)
	}
}

func testLockIndependentKeys(t *testing.T, s sessionstore.Store) {
	l := asLocker(t, s)
	a, b := unique("storetest-lock-a-"), unique("storetest-lock-b-")
	unlockA := lock(t, l, context.Background(), a, 10*time.Second)
	defer unlockA()
	if !tryLock(t, l, b, 2*time.Second) {
		t.Fatalf("Lock(%q) blocked while only %q is held", b, a)
	}
	if tryLock(t, l, a, 100*time.Millisecond) {
		t.Fatalf("Lock(%q) succeeded while it is held", a)
	}
	unlockA()
	if !tryLock(t, l, a, 2*time.Second) {
		t.Fatalf("Lock(%q) failed after unlock", a)
	}
}

func testLockCancelWhileWaiting(t *testing.T, s sessionstore.Store) {
	l := asLocker(t, s)
	key := unique("storetest-lock-")
	unlock := lock(t, l, context.Background(), key, 10*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	u, err := l.Lock(ctx, key, 10*time.Second)
	if err == nil {
		u()
		t.Fatal("Lock succeeded while the key is held")
	}
	if !storeOrCanceled(err) {
		t.Fatalf("Lock cancelled while waiting = %v, want an error matching context.Canceled or ErrSessionStore", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Lock returned %v after its context was cancelled", d)
	}
	// Already cancelled: fails at once.
	if _, err := l.Lock(ctx, unique("storetest-lock-"), time.Second); !storeOrCanceled(err) {
		t.Fatalf("Lock with a cancelled context = %v, want an error", err)
	}
	unlock()
	// The cancelled waiter left nothing behind.
	if !tryLock(t, l, key, 2*time.Second) {
		t.Fatal("Lock failed after the holder unlocked")
	}
}

func testLockUnlockTwice(t *testing.T, s sessionstore.Store) {
	l := asLocker(t, s)
	key := unique("storetest-lock-")
	unlock := lock(t, l, context.Background(), key, 10*time.Second)
	unlock()
	unlock2 := lock(t, l, context.Background(), key, 10*time.Second)
	unlock() // stale: must not release the second holder's lock
	if tryLock(t, l, key, 100*time.Millisecond) {
		t.Fatal("a second unlock of an old holder released the new holder's lock")
	}
	unlock2()
	unlock2()
}
