package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// RunUnavailable checks a store whose backend cannot be reached (a closed
// port, a closed database handle): every method, the optional interfaces'
// included, must return promptly with an error matching
// [auth0kit.ErrSessionStore], and must not panic. Lock must fail at once
// rather than wait for the context to end.
func RunUnavailable(t *testing.T, s sessionstore.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, sess := newID(), session(newSub(), newSID())
	check := func(method string, err error) {
		t.Helper()
		if !errors.Is(err, auth0kit.ErrSessionStore) {
			t.Errorf("%s on an unavailable store = %v, want an error matching auth0kit.ErrSessionStore", method, err)
		}
	}
	t.Run("SessionStore", func(t *testing.T) {
		got, err := s.Get(ctx, id)
		check("Get", err)
		if got != nil {
			t.Errorf("Get on an unavailable store returned a session")
		}
		check("Set", s.Set(ctx, id, sess, hour()))
		check("Set (past expiry)", s.Set(ctx, id, sess, time.Now().Add(-time.Hour)))
		check("Delete", s.Delete(ctx, id))
		check("DeleteByLogoutToken(sid)", s.DeleteByLogoutToken(ctx, sessionstore.LogoutTokenClaims{SID: sess.Internal.SID}))
		check("DeleteByLogoutToken(sub)", s.DeleteByLogoutToken(ctx, sessionstore.LogoutTokenClaims{Sub: sess.User.Sub}))
		check("DeleteByLogoutToken(sid, sub)", s.DeleteByLogoutToken(ctx,
			sessionstore.LogoutTokenClaims{SID: sess.Internal.SID, Sub: sess.User.Sub}))
	})
	t.Run("SessionLister", func(t *testing.T) {
		l := asLister(t, s)
		got, err := l.ListSessions(ctx, sess.User.Sub)
		check("ListSessions", err)
		if got != nil {
			t.Errorf("ListSessions on an unavailable store = %v, want nil", got)
		}
	})
	t.Run("RevocationList", func(t *testing.T) {
		r := asRevocationList(t, s)
		now := time.Now()
		check("Revoke(sid)", r.Revoke(ctx, sessionstore.LogoutTokenClaims{SID: sess.Internal.SID}, now, hour()))
		check("Revoke(sub)", r.Revoke(ctx, sessionstore.LogoutTokenClaims{Sub: sess.User.Sub}, now, hour()))
		got, err := r.Revoked(ctx, sess.Internal.SID, sess.User.Sub, now)
		check("Revoked", err)
		if got {
			t.Errorf("Revoked on an unavailable store = true, want false")
		}
	})
	t.Run("ReplayCache", func(t *testing.T) {
		r := asReplayCache(t, s)
		first, err := r.MarkUsed(ctx, unique("bcl-jti:"), hour())
		check("MarkUsed", err)
		if first {
			t.Errorf("MarkUsed on an unavailable store = true, want false")
		}
		u, err := r.Used(ctx, unique("bcl-jti:"))
		check("Used", err)
		if u {
			t.Errorf("Used on an unavailable store = true, want false")
		}
	})
	t.Run("Locker", func(t *testing.T) {
		l := asLocker(t, s)
		unlock, err := l.Lock(ctx, unique("storetest-lock-"), time.Second)
		check("Lock", err)
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Lock waited for its context to end instead of failing: %v", err)
		}
		if unlock != nil {
			unlock()
		}
	})
}
