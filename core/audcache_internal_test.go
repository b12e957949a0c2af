package auth0kit

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// A stored session is checked against the client ID on every read; the
// verdict is remembered per ID token, the same either way, and bounded.
func TestAudCacheStatefulReads(t *testing.T) {
	store := sessionstore.NewMemory()
	c := newTestClient(t, WithSessionStore(store))
	ctx := context.Background()
	for _, tc := range []struct {
		aud  string
		want bool
	}{{"cid", true}, {"other-client", false}} {
		s := &Session{User: User{Sub: "u"}, Internal: SessionInternal{SID: "sid", CreatedAt: time.Now().Unix()}}
		s.TokenSet.IDToken = fakeIDToken(strconv.Quote(tc.aud))
		if err := store.Set(ctx, "id-"+tc.aud, s, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		value, err := c.keys.session.SealJSON(statefulID{ID: "id-" + tc.aud, CreatedAt: s.Internal.CreatedAt}, time.Now().Add(time.Hour).Unix())
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			ex := &testExchange{method: "GET", path: "/", header: http.Header{}, cookies: []*http.Cookie{{Name: "__session", Value: value}}}
			got, err := c.GetSession(c.Adapter().Bind(ctx, ex))
			if err != nil || (got != nil) != tc.want {
				t.Fatalf("aud %s, read %d: session %v, %v", tc.aud, i, got, err)
			}
		}
	}
	if n := len(c.auds.m); n != 2 {
		t.Fatalf("%d verdicts remembered, want 2", n)
	}
	for i := range audCacheSize + 1 {
		s := &Session{}
		s.TokenSet.IDToken = fakeIDToken(`"cid"`) + strconv.Itoa(i)
		c.issuedToUsCached(s)
	}
	if n := len(c.auds.m); n > audCacheSize {
		t.Fatalf("%d verdicts kept", n)
	}
}
