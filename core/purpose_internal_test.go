package auth0kit

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/internal/wire"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

const (
	purposeSecret = "fuzz-secret-fuzz-secret-fuzz-secret-0123"
	oldSecret     = "old-secret-old-secret-old-secret-old-0123"
)

// fakeIDToken is an unsigned JWT-shaped token with the given aud (the
// session cookie authenticates it; only its payload is read).
func fakeIDToken(aud string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(`{"sub":"u","aud":`+aud+`}`)) + ".sig"
}

// sealedKinds returns one real sealed payload of every kind, made by c's
// own writers: a session cookie, a transaction cookie value (without its
// "<ts>:" prefix), an mfa_token and a stateful id cookie.
func sealedKinds(tb testing.TB, c *Client) map[string]string {
	tb.Helper()
	now := time.Now()
	sess, err := c.keys.session.SealSession(&Session{User: User{Sub: "auth0|u"},
		Internal: SessionInternal{SID: "sid", CreatedAt: now.Unix()}}, now.Add(time.Hour).Unix())
	if err != nil {
		tb.Fatal(err)
	}
	ex := &testExchange{method: "GET", path: "/auth/login"}
	if err := c.saveTransaction(ex, &transaction{Nonce: "n", CodeVerifier: "v", ResponseType: "code",
		State: "state0123", ReturnTo: "/"}); err != nil {
		tb.Fatal(err)
	}
	txn := percentDecode(ex.set[len(ex.set)-1].Value)
	if i := strings.IndexByte(txn, ':'); i >= 0 {
		txn = txn[i+1:]
	}
	merr := c.mfaRequired(&OAuthError{Code: CodeMfaRequired, body: []byte(`{"mfa_token":"raw-mfa"}`)},
		mfaBinding{Sub: "auth0|u", SID: "sid"}, "https://api/", "openid")
	var mre *MfaRequiredError
	if !errors.As(merr, &mre) || mre.MfaToken == "" {
		tb.Fatalf("mfaRequired = %v", merr)
	}
	id, err := c.keys.session.SealJSON(statefulID{ID: "0123456789abcdef0123456789abcdef", CreatedAt: now.Unix()},
		now.Add(time.Hour).Unix())
	if err != nil {
		tb.Fatal(err)
	}
	return map[string]string{"session": sess, "transaction": txn, "mfa": mre.MfaToken, "stateful id": id}
}

// acceptedAs returns the kinds whose decoder accepts raw.
func acceptedAs(c *Client, raw string) []string {
	now := time.Now().Unix()
	var kinds []string
	if _, _, err := c.openSessionCookie(raw, now); err == nil {
		kinds = append(kinds, "session")
	}
	if _, err := c.openTransaction(raw, now); err == nil {
		kinds = append(kinds, "transaction")
	}
	if _, err := c.openMFAToken(raw, now); err == nil {
		kinds = append(kinds, "mfa")
	}
	if _, err := c.openStatefulID(raw, now); err == nil {
		kinds = append(kinds, "stateful id")
	}
	return kinds
}

// TestPayloadKindsDisjoint: every kind of payload is accepted by its own
// decoder only, also when sealed under an older secret of a rotation list.
func TestPayloadKindsDisjoint(t *testing.T) {
	c := newTestClient(t, WithSecret(purposeSecret, oldSecret))
	old := newTestClient(t, WithSecret(oldSecret))
	for name, cl := range map[string]*Client{"current secret": c, "rotated secret": old} {
		for kind, raw := range sealedKinds(t, cl) {
			t.Run(name+"/"+kind, func(t *testing.T) {
				got := acceptedAs(c, raw)
				if len(got) != 1 || got[0] != kind {
					t.Fatalf("a %s payload is accepted as %v", kind, got)
				}
			})
		}
	}
}

// TestForgedStatelessSession: what the read path makes of payloads that
// are not sessions of this application.
func TestForgedStatelessSession(t *testing.T) {
	c := newTestClient(t)
	kinds := sealedKinds(t, c)
	now := time.Now()
	seal := func(s *Session) string {
		v, err := c.keys.session.SealSession(s, now.Add(time.Hour).Unix())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	in := SessionInternal{SID: "sid", CreatedAt: now.Unix()}
	cases := []struct {
		name   string
		cookie string
		want   bool
	}{
		{"real session", kinds["session"], true},
		{"transaction cookie", kinds["transaction"], false},
		{"mfa token", kinds["mfa"], false},
		{"stateful id cookie", kinds["stateful id"], false},
		{"no user.sub", seal(&Session{Internal: in}), false},
		{"no internal.createdAt", seal(&Session{User: User{Sub: "u"}, Internal: SessionInternal{SID: "sid"}}), false},
		{"empty payload", func() string { v, _ := c.keys.session.SealJSON(struct{}{}, now.Add(time.Hour).Unix()); return v }(), false},
		{"id token for this client", seal(&Session{User: User{Sub: "u"}, TokenSet: TokenSet{IDToken: fakeIDToken(`"cid"`)}, Internal: in}), true},
		{"id token aud list with this client", seal(&Session{User: User{Sub: "u"}, TokenSet: TokenSet{IDToken: fakeIDToken(`["x","cid"]`)}, Internal: in}), true},
		{"id token for another client", seal(&Session{User: User{Sub: "u"}, TokenSet: TokenSet{IDToken: fakeIDToken(`"other"`)}, Internal: in}), false},
		{"id token aud list without this client", seal(&Session{User: User{Sub: "u"}, TokenSet: TokenSet{IDToken: fakeIDToken(`["x"]`)}, Internal: in}), false},
		{"id token with a numeric aud", seal(&Session{User: User{Sub: "u"}, TokenSet: TokenSet{IDToken: fakeIDToken(`42`)}, Internal: in}), false},
		{"placeholder id token (cannot be checked)", seal(&Session{User: User{Sub: "u"}, TokenSet: TokenSet{IDToken: "idt"}, Internal: in}), true},
		{"no id token (cannot be checked)", seal(&Session{User: User{Sub: "u"}, Internal: in}), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := &testExchange{method: "GET", path: "/", cookies: []*http.Cookie{{Name: "__session", Value: tc.cookie}}}
			s, err := c.getSession(context.Background(), ex)
			if err != nil {
				t.Fatalf("GetSession err = %v", err)
			}
			if (s != nil) != tc.want {
				t.Fatalf("session = %+v, want present %v", s, tc.want)
			}
		})
	}
}

// TestForgedStoreRecord: a store record that is not a session is no
// session.
func TestForgedStoreRecord(t *testing.T) {
	store := sessionstore.NewMemory()
	c := newTestClient(t, WithSessionStore(store))
	now := time.Now()
	cases := []struct {
		name string
		rec  *Session
		want bool
	}{
		{"real", &Session{User: User{Sub: "u"}, Internal: SessionInternal{SID: "s", CreatedAt: now.Unix()}}, true},
		{"no sub", &Session{Internal: SessionInternal{SID: "s", CreatedAt: now.Unix()}}, false},
		{"no createdAt", &Session{User: User{Sub: "u"}, Internal: SessionInternal{SID: "s"}}, false},
		{"other client", &Session{User: User{Sub: "u"}, TokenSet: TokenSet{IDToken: fakeIDToken(`"other"`)},
			Internal: SessionInternal{SID: "s", CreatedAt: now.Unix()}}, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := strings.Repeat(string(rune('a'+i)), 32)
			if err := store.Set(context.Background(), id, tc.rec, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			v, _ := c.keys.session.SealJSON(statefulID{ID: id, CreatedAt: now.Unix()}, now.Add(time.Hour).Unix())
			ex := &testExchange{method: "GET", path: "/", cookies: []*http.Cookie{{Name: "__session", Value: v}}}
			s, err := c.getSession(context.Background(), ex)
			if err != nil || (s != nil) != tc.want {
				t.Fatalf("session = %+v, %v; want present %v", s, err, tc.want)
			}
		})
	}
}

// TestMfaTokenBinding: Verify refuses, before any network call, an
// mfa_token bound to another session than the request's.
func TestMfaTokenBinding(t *testing.T) {
	c := newTestClient(t)
	now := time.Now()
	tok := sealedKinds(t, c)["mfa"] // bound to auth0|u / sid
	sess := func(sub, sid string) []*http.Cookie {
		if sub == "" {
			return nil
		}
		v, _ := c.keys.session.SealSession(&Session{User: User{Sub: sub}, Internal: SessionInternal{SID: sid, CreatedAt: now.Unix()}},
			now.Add(time.Hour).Unix())
		return []*http.Cookie{{Name: "__session", Value: v}}
	}
	cases := []struct{ name, sub, sid string }{
		{"no session", "", ""},
		{"other user", "auth0|attacker", "sid"},
		{"same user, other session", "auth0|u", "other-sid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := &testExchange{method: "POST", path: "/mfa", cookies: sess(tc.sub, tc.sid)}
			_, err := c.MFA().verify(context.Background(), ex, VerifyOptions{MfaToken: tok, OTP: "123456"})
			var me *MfaError
			if !errors.Is(err, ErrMfaSessionMismatch) || !errors.As(err, &me) || HTTPStatus(err) != http.StatusForbidden {
				t.Fatalf("err = %v (status %d), want ErrMfaSessionMismatch, 403", err, HTTPStatus(err))
			}
		})
	}
	mc, err := c.openMFAToken(tok, now.Unix())
	if err != nil || mc.Sub != "auth0|u" || mc.SID != "sid" {
		t.Fatalf("mfa token payload = %+v, %v; want sub and sid sealed in", mc, err)
	}
	if err := mc.checkSession(&Session{User: User{Sub: "auth0|u"}, Internal: SessionInternal{SID: "sid"}}); err != nil {
		t.Fatalf("the right session is refused: %v", err)
	}
}

// TestSessionKeyIsNextjs: the session purpose keeps nextjs-auth0's key.
func TestSessionKeyIsNextjs(t *testing.T) {
	c := newTestClient(t)
	k, _ := wire.NewKeys(purposeSecret)
	v, _ := k.SealSession(&Session{User: User{Sub: "u"}, Internal: SessionInternal{SID: "s", CreatedAt: time.Now().Unix()}},
		time.Now().Add(time.Hour).Unix())
	if _, _, err := c.openSessionCookie(v, time.Now().Unix()); err != nil {
		t.Fatalf("a nextjs-keyed session is refused: %v", err)
	}
}

// FuzzPayloadKinds drives random cookies and payloads of every kind
// (session, transaction, mfa_token, stateful id) through every decoder:
// a value is accepted by at most one decoder, a payload sealed for one
// purpose is accepted by no decoder of another, and the session read path
// never errors or panics. It is seeded with real sealed payloads of each
// kind and their plaintexts.
func FuzzPayloadKinds(f *testing.F) {
	c := newTestClient(f, WithSecret(purposeSecret, oldSecret))
	for _, raw := range sealedKinds(f, c) {
		f.Add(raw, []byte(nil))
		for _, k := range []*wire.Keys{c.keys.session, c.keys.txn, c.keys.mfa} {
			if pt, err := k.Open(raw); err == nil {
				f.Add("", pt)
			}
		}
	}
	f.Add("", []byte(`{"user":{"sub":"u"},"internal":{"sid":"s","createdAt":1},"id":"x","state":"s","mfaToken":"m","exp":99999999999}`))
	f.Add("", []byte(`{"ID":"x","USER":{"sub":"u"},"exp":99999999999}`))
	purposes := []struct {
		keys  *wire.Keys
		kinds []string // the decoders allowed to accept it
	}{
		{c.keys.session, []string{"session", "stateful id"}},
		{c.keys.txn, []string{"transaction"}},
		{c.keys.mfa, []string{"mfa"}},
	}
	f.Fuzz(func(t *testing.T, raw string, payload []byte) {
		if got := acceptedAs(c, raw); len(got) > 1 {
			t.Fatalf("%q accepted as %v", raw, got)
		}
		ex := &testExchange{method: "GET", path: "/", cookies: []*http.Cookie{{Name: "__session", Value: raw}}}
		if s, err := c.getSession(context.Background(), ex); err != nil || (s != nil && !validSession(s)) {
			t.Fatalf("GetSession = %+v, %v", s, err)
		}
		if payload == nil {
			return
		}
		for _, p := range purposes {
			tok, err := p.keys.Seal(payload)
			if err != nil {
				t.Fatal(err)
			}
			got := acceptedAs(c, tok)
			if len(got) > 1 {
				t.Fatalf("payload %q accepted as %v", payload, got)
			}
			for _, k := range got {
				found := false
				for _, allowed := range p.kinds {
					found = found || k == allowed
				}
				if !found {
					t.Fatalf("payload %q sealed for %v accepted as %s", payload, p.kinds, k)
				}
			}
		}
	})
}
