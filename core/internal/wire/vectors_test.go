package wire

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

func TestNotesVector(t *testing.T) {
	key := DeriveKey(notesSecret)
	if got := hex.EncodeToString(key[:]); got != notesKeyHex {
		t.Fatalf("DeriveKey = %s, want %s", got, notesKeyHex)
	}
	k := mustKeys(t, notesSecret)

	pt, err := k.Open(notesSession)
	if err != nil {
		t.Fatal(err)
	}
	if string(pt) != notesPayload {
		t.Fatalf("plaintext\n got %s\nwant %s", pt, notesPayload)
	}

	s, exp, err := k.OpenSession(notesSession, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	want := &Session{
		User: User{Sub: "user_123", Name: "Jane"},
		TokenSet: TokenSet{
			AccessToken: "at_1", IDToken: "idt", RefreshToken: "rt_1",
			Scope:          "openid profile email offline_access",
			RequestedScope: "openid profile email offline_access",
			ExpiresAt:      4102444800,
		},
		Internal: Internal{SID: "sid_abc", CreatedAt: 1700000000},
	}
	if exp != notesExp || !sessionsEqual(s, want) {
		t.Fatalf("OpenSession = %+v, %d", s, exp)
	}
	assertSameJSON(t, EncodeSession(nil, s, exp), []byte(notesPayload))

	var id struct {
		ID  string `json:"id"`
		Exp int64  `json:"exp"`
	}
	if err := k.OpenJSON(notesStatefulID, &id, 1700000000); err != nil {
		t.Fatal(err)
	}
	if id.ID != "0123456789abcdef0123456789abcdef" || id.Exp != notesExp {
		t.Fatalf("stateful id = %+v", id)
	}
}

// TestNextjsVectors decrypts cookies written by the real SDK
// (testdata/nextjs-vectors.json, from gen-nextjs-vectors.mjs).
func TestNextjsVectors(t *testing.T) {
	v := loadNextjsVectors(t)
	k := mustKeys(t, v.Secret)
	var fx struct {
		User         map[string]any `json:"user"`
		TokenSet     map[string]any `json:"tokenSet"`
		Internal     map[string]any `json:"internal"`
		AccessTokens any            `json:"accessTokens"`
	}
	for _, vec := range v.Vectors {
		t.Run(vec.Name, func(t *testing.T) {
			// The short-lived vector is only valid around its issue time.
			s, exp, err := k.OpenSession(vec.Cookie, vec.IssuedAt)
			if err != nil {
				t.Fatal(err)
			}
			if exp != vec.Exp {
				t.Fatalf("exp = %d, want %d", exp, vec.Exp)
			}
			if err := json.Unmarshal(vec.Payload, &fx); err != nil {
				t.Fatal(err)
			}
			u := s.User
			checks := []struct {
				name string
				got  any
				want any
			}{
				{"user.sub", u.Sub, fx.User["sub"]},
				{"user.name", u.Name, fx.User["name"]},
				{"user.nickname", u.Nickname, fx.User["nickname"]},
				{"user.given_name", u.GivenName, fx.User["given_name"]},
				{"user.family_name", u.FamilyName, fx.User["family_name"]},
				{"user.picture", u.Picture, fx.User["picture"]},
				{"user.email", u.Email, fx.User["email"]},
				{"user.email_verified", u.EmailVerified, fx.User["email_verified"]},
				{"user.updated_at", string(u.Extra["updated_at"]), `"` + fx.User["updated_at"].(string) + `"`},
				{"user extra count", len(u.Extra), 1},
				{"tokenSet.accessToken", s.TokenSet.AccessToken, fx.TokenSet["accessToken"]},
				{"tokenSet.idToken", s.TokenSet.IDToken, fx.TokenSet["idToken"]},
				{"tokenSet.refreshToken", s.TokenSet.RefreshToken, fx.TokenSet["refreshToken"]},
				{"tokenSet.scope", s.TokenSet.Scope, fx.TokenSet["scope"]},
				{"tokenSet.requestedScope", s.TokenSet.RequestedScope, fx.TokenSet["requestedScope"]},
				{"tokenSet.audience", s.TokenSet.Audience, fx.TokenSet["audience"]},
				{"tokenSet.token_type", s.TokenSet.TokenType, ""},
				{"tokenSet.expiresAt", float64(s.TokenSet.ExpiresAt), fx.TokenSet["expiresAt"]},
				{"internal.sid", s.Internal.SID, fx.Internal["sid"]},
				{"internal.createdAt", float64(s.Internal.CreatedAt), fx.Internal["createdAt"]},
				{"internal.createdAt literal", s.Internal.CreatedAt, int64(1767225600)},
				{"internal.sessionExpiresAt", s.Internal.SessionExpiresAt, int64(0)},
				{"accessTokens", len(s.AccessTokens), 0},
				{"extra", len(s.Extra), 0},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
				}
			}
			// Re-encoding gives the same JSON value the SDK decrypted.
			assertSameJSON(t, EncodeSession(nil, s, exp), vec.Payload)

			// Expiry is enforced with the 15 s tolerance.
			if _, _, err := k.OpenSession(vec.Cookie, vec.Exp+ClockTolerance-1); err != nil {
				t.Errorf("within tolerance: %v", err)
			}
			if _, _, err := k.OpenSession(vec.Cookie, vec.Exp+ClockTolerance); err != ErrExpired {
				t.Errorf("after tolerance: %v, want ErrExpired", err)
			}
		})
	}
}

// TestGoVector re-opens testdata/go-vector.json: a cookie written by
// SealSession that was decrypted by the SDK's own decrypt() (manual check,
// `node gen-nextjs-vectors.mjs decrypt-go`), whose result is recorded as
// payload. The cookie must still open to exactly that payload.
func TestGoVector(t *testing.T) {
	var v goVector
	readJSONFile(t, "testdata/go-vector.json", &v)
	k := mustKeys(t, v.Secret)
	pt, err := k.Open(v.Cookie)
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, pt, v.Payload)
	s, exp, err := k.OpenSession(v.Cookie, 1767225600)
	if err != nil {
		t.Fatal(err)
	}
	if exp != v.Exp {
		t.Fatalf("exp = %d, want %d", exp, v.Exp)
	}
	want := goVectorSession(t)
	if !sessionsEqual(s, want) {
		t.Fatalf("session differs:\n got %+v\nwant %+v", s, want)
	}
	// Our encoding of the session is exactly what the SDK saw.
	assertSameJSON(t, EncodeSession(nil, s, exp), v.Payload)
}

// goVectorSession is the session sealed into testdata/go-vector.json: the
// fixture plus features the fixture lacks (accessTokens, custom top-level
// data, escapes and non-ASCII text).
func goVectorSession(tb testing.TB) *Session {
	s, _ := fixtureSession(tb)
	s.User.Name = "Jäne \"JD\" Doe 😀 <b>&</b>\t\u2028"
	s.User.Extra["email_verified_note"] = json.RawMessage(`{"nested":[1,2.5,true,null,"\u00e9"]}`)
	s.TokenSet.TokenType = "bearer"
	s.AccessTokens = []AccessTokenSet{{
		AccessToken: "at-other", Scope: "read:things", RequestedScope: "read:things",
		Audience: "https://other.example.com/", ExpiresAt: 4102444800, TokenType: "dpop",
	}}
	s.Internal.SessionExpiresAt = 4102444000
	s.Extra = map[string]json.RawMessage{
		"custom":              json.RawMessage(`{"theme":"dark","n":42}`),
		"connectionTokenSets": json.RawMessage(`[]`),
	}
	return s
}

// TestWriteGoCookie writes the input of `gen-nextjs-vectors.mjs decrypt-go`
// when WIRE_GO_VECTOR_OUT names a file; otherwise it is skipped.
func TestWriteGoCookie(t *testing.T) {
	out := os.Getenv("WIRE_GO_VECTOR_OUT")
	if out == "" {
		t.Skip("set WIRE_GO_VECTOR_OUT to regenerate the Go -> SDK vector input")
	}
	_, secret := fixtureSession(t)
	k := mustKeys(t, secret)
	const exp = 4102444800
	cookie, err := k.SealSession(goVectorSession(t), exp)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"secret": secret, "cookie": cookie, "exp": exp})
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
