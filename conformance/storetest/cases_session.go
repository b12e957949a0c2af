package storetest

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

func testGetSetDelete(t *testing.T, s sessionstore.Store) {
	id, sess := newID(), session(newSub(), newSID())
	set(t, s, id, sess, hour())
	wantSession(t, s, id, sess)
	wantSession(t, s, id, sess) // reading does not consume
	del(t, s, id)
	wantAbsent(t, s, id)
}

func testUnknownID(t *testing.T, s sessionstore.Store) {
	id := newID()
	wantAbsent(t, s, id)
	wantAbsent(t, s, "")
	del(t, s, id)
	set(t, s, id, session(newSub(), newSID()), hour())
	del(t, s, id)
	del(t, s, id) // deleting twice is not an error
	wantAbsent(t, s, id)
}

func testOverwrite(t *testing.T, s sessionstore.Store) {
	id, sub, sid := newID(), newSub(), newSID()
	first := session(sub, sid)
	set(t, s, id, first, hour())
	second := session(sub, sid)
	second.TokenSet.AccessToken = "rotated-access-token"
	second.TokenSet.ExpiresAt++
	second.Extra = map[string]json.RawMessage{"updated": json.RawMessage("true")}
	set(t, s, id, second, hour().Add(time.Hour))
	wantSession(t, s, id, second)

	// A shorter, yet future, expiry replaces a longer one too.
	third := session(sub, sid)
	set(t, s, id, third, hour())
	wantSession(t, s, id, third)
}

// testOverwriteChangesSIDAndSub overwrites a session with one of another
// sid and sub: logout tokens for the old ones must not touch it any more,
// logout tokens for the new ones must.
func testOverwriteChangesSIDAndSub(t *testing.T, s sessionstore.Store) {
	id, oldSub, oldSID, sub2, sid2 := newID(), newSub(), newSID(), newSub(), newSID()
	set(t, s, id, session(oldSub, oldSID), hour())
	moved := session(sub2, sid2)
	set(t, s, id, moved, hour())

	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: oldSID})
	deleteBy(t, s, sessionstore.LogoutTokenClaims{Sub: oldSub})
	deleteBy(t, s, sessionstore.LogoutTokenClaims{Sub: oldSub, SID: oldSID})
	wantSession(t, s, id, moved)

	if l, ok := s.(sessionstore.Lister); ok {
		if got, err := l.ListSessions(context.Background(), oldSub); err != nil || len(got) != 0 {
			t.Fatalf("ListSessions(old sub) = %v, %v; want none", got, err)
		}
		if got, err := l.ListSessions(context.Background(), sub2); err != nil || len(got) != 1 || got[0].ID != id {
			t.Fatalf("ListSessions(new sub) = %v, %v; want [%s]", got, err, id)
		}
	}

	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: sid2})
	wantAbsent(t, s, id)

	// And by the new sub.
	set(t, s, id, session(oldSub, oldSID), hour())
	set(t, s, id, moved, hour())
	deleteBy(t, s, sessionstore.LogoutTokenClaims{Sub: sub2})
	wantAbsent(t, s, id)
}

func testPastExpiry(t *testing.T, s sessionstore.Store) {
	id, sess := newID(), session(newSub(), newSID())
	set(t, s, id, sess, time.Now().Add(-time.Second))
	wantAbsent(t, s, id)

	// A past expiry on an existing session removes it.
	set(t, s, id, sess, hour())
	wantPresent(t, s, id)
	set(t, s, id, sess, time.Now().Add(-time.Hour))
	wantAbsent(t, s, id)
	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: sess.Internal.SID})
	del(t, s, id)
}

func testLargeSession(t *testing.T, s sessionstore.Store) {
	id, sess := newID(), session(newSub(), newSID())
	big := strings.Repeat("0123456789abcdef", 64*1024/16)
	sess.Extra = map[string]json.RawMessage{
		"blob":  json.RawMessage(strconv.Quote(big)),
		"other": json.RawMessage(`{"n":1}`),
	}
	set(t, s, id, sess, hour())
	wantSession(t, s, id, sess)
	deleteBy(t, s, sessionstore.LogoutTokenClaims{Sub: sess.User.Sub})
	wantAbsent(t, s, id)
}

// fullSession sets every field of a session, with custom claims and
// custom top-level keys of every JSON kind.
func fullSession(sub, sid string) *auth0kit.Session {
	now := time.Now().Unix()
	return &auth0kit.Session{
		User: auth0kit.User{
			Sub: sub, Name: "Jane Doe", Nickname: "jane.doe", GivenName: "Jane", FamilyName: "Doe",
			Picture: "https://cdn.example.com/avatars/jd.png", Email: "jane.doe@example.com",
			EmailVerified: true, OrgID: "org_8f3kd93jd",
			Extra: map[string]json.RawMessage{
				"updated_at":                raw("\"2026-01-01T00:00:00.000Z\""),
				"https://example.com/roles": raw(`["admin","billing"]`),
				"locale":                    raw(`"fr-CA"`),
				"age":                       raw(`42`),
				"score":                     raw(`-1.5e3`),
				"nested":                    raw(`{"a":[1,{"b":null}],"c":"\u00e9\u2028 \"q\""}`),
				"unicode":                   raw(`"日本語 ☃"`),
				"flag":                      raw(`false`),
				"none":                      raw(`null`),
			},
		},
		TokenSet: auth0kit.TokenSet{
			AccessToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig", IDToken: "eyJhbGciOiJSUzI1NiJ9.eyJzaWQiOiJ5In0.sig",
			RefreshToken: "v1.refresh-token", Scope: "openid profile email offline_access",
			RequestedScope: "openid profile email offline_access read:orders", Audience: "https://api.example.com/",
			TokenType: "bearer", ExpiresAt: now + 86400,
		},
		AccessTokens: []auth0kit.AccessTokenSet{
			{AccessToken: "at-orders", Scope: "read:orders", RequestedScope: "read:orders write:orders",
				Audience: "https://orders.example.com/", TokenType: "bearer", ExpiresAt: now + 3600},
			{AccessToken: "at-billing", Scope: "read:invoices", RequestedScope: "read:invoices",
				Audience: "https://billing.example.com/", TokenType: "dpop", ExpiresAt: now + 7200},
		},
		Internal: auth0kit.SessionInternal{SID: sid, CreatedAt: now - 60, SessionExpiresAt: now + 3*86400},
		Extra: map[string]json.RawMessage{
			"connectionTokenSets": raw(`[{"connection":"google-oauth2","accessToken":"ya29.x","expiresAt":1767225600}]`),
			"cart":                raw(`{"items":[{"sku":"A-1","qty":2}],"total":19.99}`),
			"theme":               raw(`"dark"`),
			"visits":              raw(`7`),
			"beta":                raw(`true`),
			"nothing":             raw(`null`),
		},
	}
}

// raw is a JSON value for Extra maps.
func raw(s string) json.RawMessage { return json.RawMessage(s) }

func testEveryFieldRoundTrips(t *testing.T, s sessionstore.Store) {
	id, sess := newID(), fullSession(newSub(), newSID())
	set(t, s, id, sess, hour())
	wantSession(t, s, id, sess)
	wantSession(t, s, id, fullSessionCopy(sess))
}

// fullSessionCopy deep-copies sess through its JSON form.
func fullSessionCopy(sess *auth0kit.Session) *auth0kit.Session {
	cp, err := sessionstore.Unmarshal(sessionstore.Marshal(sess))
	if err != nil {
		panic(err)
	}
	return cp
}

// testIndependentCopies checks that the store keeps its own copy: changing
// the session given to Set, or returned by Get, changes nothing stored.
func testIndependentCopies(t *testing.T, s sessionstore.Store) {
	id, sess := newID(), fullSession(newSub(), newSID())
	want := fullSessionCopy(sess)
	set(t, s, id, sess, hour())
	sess.User.Name = "changed after Set"
	sess.Extra["theme"] = json.RawMessage(`"light"`)
	sess.AccessTokens[0].AccessToken = "changed"
	got := get(t, s, id)
	got.User.Email = "changed@example.com"
	got.User.Extra["locale"] = json.RawMessage(`"de"`)
	got.Extra["cart"] = json.RawMessage(`{}`)
	got.AccessTokens[1].Scope = "changed"
	wantSession(t, s, id, want)
}

// testExactMatch checks that ids, sids and subs are compared byte for byte
// (a case-insensitive or space-padding collation would fail it).
func testExactMatch(t *testing.T, s sessionstore.Store) {
	id, sub, sid := newID(), newSub(), newSID()
	sess := session(sub, sid)
	set(t, s, id, sess, hour())
	wantAbsent(t, s, strings.ToUpper(id))
	wantAbsent(t, s, id+" ")
	wantAbsent(t, s, id[:len(id)-1])
	for _, c := range []sessionstore.LogoutTokenClaims{
		{SID: strings.ToUpper(sid)}, {SID: sid + " "}, {SID: sid[:len(sid)-1]},
		{Sub: strings.ToUpper(sub)}, {Sub: sub + " "}, {Sub: sub[:len(sub)-1]},
	} {
		deleteBy(t, s, c)
		wantSession(t, s, id, sess)
	}
	if l, ok := s.(sessionstore.Lister); ok {
		if got, err := l.ListSessions(context.Background(), strings.ToUpper(sub)); err != nil || len(got) != 0 {
			t.Fatalf("ListSessions(upper-case sub) = %v, %v; want none", got, err)
		}
	}
}

// testConcurrentWriters hammers one store from several goroutines, on
// their own ids and on one shared id (run it with -race).
func testConcurrentWriters(t *testing.T, s sessionstore.Store) {
	const workers, rounds = 8, 15
	sub := newSub()
	shared := newID()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := range workers {
		wg.Go(func() {
			own := newID()
			for r := range rounds {
				sess := session(sub, "sid-w"+strconv.Itoa(w)+"-r"+strconv.Itoa(r))
				if err := s.Set(ctx, own, sess, hour()); err != nil {
					errs <- err
					return
				}
				if err := s.Set(ctx, shared, sess, hour()); err != nil {
					errs <- err
					return
				}
				got, err := s.Get(ctx, own)
				if err != nil {
					errs <- err
					return
				}
				if got == nil || got.Internal.SID != sess.Internal.SID {
					t.Errorf("worker %d round %d: Get(own id) = %v, want sid %s", w, r, got, sess.Internal.SID)
				}
				if got, err := s.Get(ctx, shared); err != nil {
					errs <- err
					return
				} else if got == nil || got.User.Sub != sub || !strings.HasPrefix(got.Internal.SID, "sid-w") {
					t.Errorf("worker %d round %d: Get(shared id) returned a torn or missing session: %v", w, r, got)
				}
			}
			if err := s.Delete(ctx, own); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent use: %v", err)
	}
	wantPresent(t, s, shared)
	deleteBy(t, s, sessionstore.LogoutTokenClaims{Sub: sub})
	wantAbsent(t, s, shared)
}

func testDeleteBySID(t *testing.T, s sessionstore.Store) {
	sub, sid, otherSID := newSub(), newSID(), newSID()
	a, b, c := newID(), newID(), newID()
	set(t, s, a, session(sub, sid), hour())
	set(t, s, b, session(sub, sid), hour()) // two app sessions of one provider session
	other := session(sub, otherSID)
	set(t, s, c, other, hour())
	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: sid, Iss: "https://op.example.com/"})
	wantAbsent(t, s, a)
	wantAbsent(t, s, b)
	wantSession(t, s, c, other)
}

// testDeleteByOtherDomainsToken: in resolver mode (multiple custom
// domains) a session remembers its issuer, and a logout token of another
// issuer with the same sub or sid ends nothing; the own issuer's does.
func testDeleteByOtherDomainsToken(t *testing.T, s sessionstore.Store) {
	sub, sid := newSub(), newSID()
	a, legacy := newID(), newID()
	brandA := session(sub, sid)
	brandA.Internal.MCDDomain, brandA.Internal.MCDIssuer = "a.example.com", "https://a.example.com/"
	set(t, s, a, brandA, hour())
	set(t, s, legacy, session(sub, newSID()), hour()) // no remembered domain: static mode
	deleteBy(t, s, sessionstore.LogoutTokenClaims{Sub: sub, Iss: "https://b.example.com/"})
	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: sid, Iss: "https://b.example.com/"})
	wantSession(t, s, a, brandA)
	wantAbsent(t, s, legacy)
	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: sid, Iss: "https://a.example.com"})
	wantAbsent(t, s, a)
}

func testDeleteBySub(t *testing.T, s sessionstore.Store) {
	sub, otherSub := newSub(), newSub()
	a, b, c := newID(), newID(), newID()
	set(t, s, a, session(sub, newSID()), hour())
	set(t, s, b, session(sub, newSID()), hour())
	other := session(otherSub, newSID())
	set(t, s, c, other, hour())
	deleteBy(t, s, sessionstore.LogoutTokenClaims{Sub: sub})
	wantAbsent(t, s, a)
	wantAbsent(t, s, b)
	wantSession(t, s, c, other)
}

func testDeleteBySIDAndSub(t *testing.T, s sessionstore.Store) {
	sub, otherSub, sid, otherSID := newSub(), newSub(), newSID(), newSID()
	match, sameSIDOtherSub, sameSubOtherSID := newID(), newID(), newID()
	set(t, s, match, session(sub, sid), hour())
	keep1 := session(otherSub, sid)
	set(t, s, sameSIDOtherSub, keep1, hour())
	keep2 := session(sub, otherSID)
	set(t, s, sameSubOtherSID, keep2, hour())
	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: sid, Sub: sub})
	wantAbsent(t, s, match)
	wantSession(t, s, sameSIDOtherSub, keep1)
	wantSession(t, s, sameSubOtherSID, keep2)
}

func testDeleteByUnknown(t *testing.T, s sessionstore.Store) {
	id, sess := newID(), session(newSub(), newSID())
	set(t, s, id, sess, hour())
	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: newSID()})
	deleteBy(t, s, sessionstore.LogoutTokenClaims{Sub: newSub()})
	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: newSID(), Sub: newSub()})
	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: sess.Internal.SID, Sub: newSub()})
	deleteBy(t, s, sessionstore.LogoutTokenClaims{SID: newSID(), Sub: sess.User.Sub})
	wantSession(t, s, id, sess)
}

func testDeleteByEmptyClaims(t *testing.T, s sessionstore.Store) {
	id := newID()
	noSID := session(newSub(), "")
	set(t, s, id, noSID, hour())
	deleteBy(t, s, sessionstore.LogoutTokenClaims{})
	deleteBy(t, s, sessionstore.LogoutTokenClaims{Iss: "https://op.example.com/"})
	wantSession(t, s, id, noSID)
	// A session without sid still goes by sub.
	deleteBy(t, s, sessionstore.LogoutTokenClaims{Sub: noSID.User.Sub})
	wantAbsent(t, s, id)
}

func testContextCancelled(t *testing.T, s sessionstore.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	id, sess := newID(), session(newSub(), newSID())

	if err := s.Set(ctx, id, sess, hour()); !storeOrCanceled(err) {
		t.Fatalf("Set with a cancelled context = %v, want an error matching ErrSessionStore or context.Canceled", err)
	}
	wantAbsent(t, s, id)

	set(t, s, id, sess, hour())
	if got, err := s.Get(ctx, id); !storeOrCanceled(err) || got != nil {
		t.Fatalf("Get with a cancelled context = %v, %v; want nil and an error", got, err)
	}
	if err := s.Delete(ctx, id); !storeOrCanceled(err) {
		t.Fatalf("Delete with a cancelled context = %v, want an error", err)
	}
	wantSession(t, s, id, sess)
	if err := s.DeleteByLogoutToken(ctx, sessionstore.LogoutTokenClaims{Sub: sess.User.Sub}); !storeOrCanceled(err) {
		t.Fatalf("DeleteByLogoutToken with a cancelled context = %v, want an error", err)
	}
	wantSession(t, s, id, sess)
	changed := session(sess.User.Sub, sess.Internal.SID)
	changed.User.Name = "not written"
	if err := s.Set(ctx, id, changed, hour()); !storeOrCanceled(err) {
		t.Fatalf("Set (overwrite) with a cancelled context = %v, want an error", err)
	}
	wantSession(t, s, id, sess)
	del(t, s, id)
}
