package conformance_test

import (
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// TestStatefulRefreshUnderStoreLock: with a store that can lock
// (MemoryStore), a forced refresh runs under the store's lock, and a
// second instance sharing the store, holding the same session cookie,
// refreshes again under the lock with the rotated token the first stored.
func TestStatefulRefreshUnderStoreLock(t *testing.T) {
	op := devop.Start(t, devop.Options{CIBAApprovalDelay: 50 * time.Millisecond})
	store := sessionstore.NewMemory()
	a := newAPIClient(t, op, nil, auth0kit.WithSessionStore(store))
	b := newAPIClient(t, op, nil, auth0kit.WithSessionStore(store))
	s, cookies := cibaSession(t, op, a)
	ctxA, _ := boundWith(a, cookies)
	tokA, err := a.GetAccessToken(ctxA, auth0kit.AccessTokenOptions{Refresh: true})
	if err != nil || tokA.Token == "" || tokA.Token == s.TokenSet.AccessToken {
		t.Fatalf("refresh on a: %+v %v", tokA, err)
	}
	const grant = "refresh_token"
	if n := op.TokenRequests(grant); n != 1 {
		t.Fatalf("%d refresh grants after one refresh", n)
	}
	ctxB, _ := boundWith(b, cookies)
	tokB, err := b.GetAccessToken(ctxB, auth0kit.AccessTokenOptions{Refresh: true})
	if err != nil || tokB.Token == "" {
		t.Fatalf("refresh on b with the rotated token from the store: %+v %v", tokB, err)
	}
	sess, err := b.GetSession(ctxB)
	if err != nil || sess == nil || sess.TokenSet.AccessToken != tokB.Token {
		t.Fatalf("b's session after refresh: %+v %v", sess, err)
	}
}
