package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// expiryGrace is how late after its expiry an entry may still be seen:
// stores may keep expiry times in whole seconds, rounded up.
const expiryGrace = 1200 * time.Millisecond

func testExpirySession(t *testing.T, s sessionstore.Store) {
	id, sess := newID(), session(newSub(), newSID())
	exp := time.Now().Add(500 * time.Millisecond)
	set(t, s, id, sess, exp)
	if time.Until(exp) > 100*time.Millisecond { // not when Set itself was slow
		wantSession(t, s, id, sess)
	}
	gone := eventually(exp.Add(expiryGrace), func() bool { return get(t, s, id) == nil })
	if !gone {
		t.Fatalf("session still readable %v after its expiry", expiryGrace)
	}
	if time.Now().Before(exp) {
		t.Fatalf("session gone %v before its expiry", time.Until(exp))
	}
	if l, ok := s.(sessionstore.Lister); ok {
		if got := listed(t, l, sess.User.Sub); len(got) != 0 {
			t.Fatalf("ListSessions lists expired sessions: %v", ids(got))
		}
	}
	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: sess.Internal.SID})
	del(t, s, id)
	// The id can be used again.
	set(t, s, id, sess, hour())
	wantSession(t, s, id, sess)
}

func testExpiryRevocation(t *testing.T, s sessionstore.Store) {
	r := asRevocationList(t, s)
	sid, sub, now := newSID(), newSub(), time.Now()
	until := now.Add(500 * time.Millisecond)
	revoke(t, r, sessionstore.LogoutTokenClaims{SID: sid}, now, until)
	revoke(t, r, sessionstore.LogoutTokenClaims{Sub: sub}, now, until)
	if time.Until(until) > 100*time.Millisecond { // not when Revoke itself was slow
		wantRevoked(t, r, sid, "", now, true)
		wantRevoked(t, r, "", sub, now.Add(-time.Minute), true)
	}
	gone := eventually(until.Add(expiryGrace), func() bool {
		a, err1 := r.Revoked(context.Background(), sid, "", now)
		b, err2 := r.Revoked(context.Background(), "", sub, now.Add(-time.Minute))
		if err1 != nil || err2 != nil {
			t.Fatalf("Revoked: %v, %v", err1, err2)
		}
		return !a && !b
	})
	if !gone {
		t.Fatalf("revocations still effective %v after until", expiryGrace)
	}
	if time.Now().Before(until) {
		t.Fatalf("revocations gone %v before until", time.Until(until))
	}
}

// testExpiryLock: a lock never unlocked frees itself after ttl, and its
// holder's late unlock does not release the next holder's lock.
func testExpiryLock(t *testing.T, s sessionstore.Store) {
	l := asLocker(t, s)
	key := unique("storetest-lock-")
	const ttl = 300 * time.Millisecond
	start := time.Now()
	stale := lock(t, l, context.Background(), key, ttl)
	ctx, cancel := context.WithTimeout(context.Background(), ttl+expiryGrace)
	defer cancel()
	unlock := lock(t, l, ctx, key, 10*time.Second)
	defer unlock()
	if d := time.Since(start); d < ttl-50*time.Millisecond {
		t.Fatalf("second Lock got the key after %v, before the first holder's ttl (%v)", d, ttl)
	}
	stale()
	if tryLock(t, l, key, 150*time.Millisecond) {
		t.Fatal("the expired holder's unlock released the new holder's lock")
	}
	unlock()
	if !tryLock(t, l, key, time.Second) {
		t.Fatal("Lock failed after the holder unlocked")
	}
}
