package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// unique returns prefix followed by 16 random hex characters, so that cases
// running against a shared backend never see each other's data.
func unique(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// newID returns a session id shaped like the ones auth0kit makes (32
// lowercase hex characters).
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newSub() string { return unique("auth0|storetest-") }
func newSID() string { return unique("sid-") }

// session returns a small, realistic session of sub with provider session
// sid, created now.
func session(sub, sid string) *auth0kit.Session {
	now := time.Now().Unix()
	return &auth0kit.Session{
		User: auth0kit.User{Sub: sub, Name: "Store Test", Email: "store.test@example.com", EmailVerified: true},
		TokenSet: auth0kit.TokenSet{
			AccessToken:  "access-" + sid,
			IDToken:      "id-token-" + sid,
			RefreshToken: "refresh-" + sid,
			Scope:        "openid profile email offline_access",
			ExpiresAt:    now + 3600,
		},
		Internal: auth0kit.SessionInternal{SID: sid, CreatedAt: now},
	}
}

// hour is a comfortable expiry for sessions that must not expire during a
// case.
func hour() time.Time { return time.Now().Add(time.Hour) }

func set(t *testing.T, s sessionstore.Store, id string, sess *auth0kit.Session, exp time.Time) {
	t.Helper()
	if err := s.Set(context.Background(), id, sess, exp); err != nil {
		t.Fatalf("Set(%q): %v", id, err)
	}
}

func get(t *testing.T, s sessionstore.Store, id string) *auth0kit.Session {
	t.Helper()
	got, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%q): %v", id, err)
	}
	return got
}

func del(t *testing.T, s sessionstore.Store, id string) {
	t.Helper()
	if err := s.Delete(context.Background(), id); err != nil {
		t.Fatalf("Delete(%q): %v", id, err)
	}
}

func deleteBy(t *testing.T, s sessionstore.Store, c sessionstore.LogoutTokenClaims) {
	t.Helper()
	if err := s.DeleteByLogoutToken(context.Background(), c); err != nil {
		t.Fatalf("DeleteByLogoutToken(%+v): %v", c, err)
	}
}

// wantSession fails unless the store holds exactly want under id.
func wantSession(t *testing.T, s sessionstore.Store, id string, want *auth0kit.Session) {
	t.Helper()
	got := get(t, s, id)
	if got == nil {
		t.Fatalf("Get(%q) = nil, want the session of %q", id, want.User.Sub)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Get(%q) returned a different session\n got: %s\nwant: %s", id,
			sessionstore.Marshal(got), sessionstore.Marshal(want))
	}
}

// wantAbsent fails unless Get(id) is (nil, nil).
func wantAbsent(t *testing.T, s sessionstore.Store, id string) {
	t.Helper()
	if got := get(t, s, id); got != nil {
		t.Fatalf("Get(%q) = session of %q, want nil", id, got.User.Sub)
	}
}

// wantPresent fails unless Get(id) returns a session.
func wantPresent(t *testing.T, s sessionstore.Store, id string) {
	t.Helper()
	if got := get(t, s, id); got == nil {
		t.Fatalf("Get(%q) = nil, want a session", id)
	}
}

// storeOrCanceled reports whether err is what a store should return for a
// cancelled context.
func storeOrCanceled(err error) bool {
	return errors.Is(err, auth0kit.ErrSessionStore) || errors.Is(err, context.Canceled)
}

// eventually polls cond every 20 ms until it is true or the deadline
// passes, and reports whether it became true.
func eventually(deadline time.Time, cond func() bool) bool {
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func asLister(t *testing.T, s sessionstore.Store) sessionstore.Lister {
	t.Helper()
	l, ok := s.(sessionstore.Lister)
	if !ok {
		t.Skipf("%T does not implement sessionstore.Lister", s)
	}
	return l
}

func asRevocationList(t *testing.T, s sessionstore.Store) sessionstore.RevocationList {
	t.Helper()
	r, ok := s.(sessionstore.RevocationList)
	if !ok {
		t.Skipf("%T does not implement sessionstore.RevocationList", s)
	}
	return r
}

func asLocker(t *testing.T, s sessionstore.Store) sessionstore.Locker {
	t.Helper()
	l, ok := s.(sessionstore.Locker)
	if !ok {
		t.Skipf("%T does not implement sessionstore.Locker", s)
	}
	return l
}
