package auth0kit

import (
	"context"
	"errors"
	"testing"

	"github.com/auth0kit/auth0kit/core/sessionstore"
)

func miscSession(sub, sid string, created int64) *Session {
	s := &Session{}
	s.User.Sub, s.Internal.SID, s.Internal.CreatedAt = sub, sid, created
	return s
}

// TestCovMiscStoreErrors: a store's failure, wrapped by
// sessionstore.Unavailable or not, becomes a 503 *Error that matches
// ErrSessionStore and still unwraps to the cause; one already wrapped by
// the core is kept.
func TestCovMiscStoreErrors(t *testing.T) {
	if ErrSessionStore != sessionstore.ErrUnavailable {
		t.Fatal("ErrSessionStore and sessionstore.ErrUnavailable differ")
	}
	base := errors.New("dial tcp: refused")
	for _, in := range []error{base, sessionstore.Unavailable(base), context.Canceled} {
		w := wrapStore(in)
		var e *Error
		if !errors.As(w, &e) || e.Code != CodeSessionStoreError || !errors.Is(w, ErrSessionStore) || !errors.Is(w, in) || HTTPStatus(w) != 503 {
			t.Fatalf("wrapStore(%v) = %#v", in, w)
		}
		if wrapStore(w) != w {
			t.Fatal("a core store error was wrapped again")
		}
	}
}
