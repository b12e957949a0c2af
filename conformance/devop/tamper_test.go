package devop_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func TestTamperNextIDToken(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	kid := func() string { return r.jwks().Keys[0].KeyID }()
	tests := []struct {
		name    string
		tamper  func(*devop.IDToken)
		refresh bool // tamper the token of a refresh grant instead
		check   func(t *testing.T, token string)
	}{
		{
			name:   "alg none",
			tamper: func(tok *devop.IDToken) { tok.Alg = "none" },
			check: func(t *testing.T, token string) {
				h, c, sig := decodeJWT(t, token)
				if h["alg"] != "none" || len(sig) != 0 || !strings.HasSuffix(token, ".") || c["sub"] == nil {
					t.Errorf("header %v, sig %d bytes", h, len(sig))
				}
				if _, _, err := r.verify(token); err == nil {
					t.Error("unsigned token verifies")
				}
			},
		},
		{
			name:   "HS256 with client secret",
			tamper: func(tok *devop.IDToken) { tok.Alg = "HS256" },
			check: func(t *testing.T, token string) {
				h, _, sig := decodeJWT(t, token)
				i := strings.LastIndex(token, ".")
				m := hmac.New(sha256.New, []byte(r.client.Secret))
				m.Write([]byte(token[:i]))
				if h["alg"] != "HS256" || !hmac.Equal(sig, m.Sum(nil)) {
					t.Errorf("header %v; HMAC with client secret does not match", h)
				}
			},
		},
		{
			name:   "foreign key keeps kid",
			tamper: func(tok *devop.IDToken) { tok.ForeignKey = true },
			check: func(t *testing.T, token string) {
				h, _, _ := decodeJWT(t, token)
				if h["kid"] != kid || h["alg"] != "RS256" {
					t.Errorf("header %v, want kid %s", h, kid)
				}
				if _, _, err := r.verify(token); err == nil {
					t.Error("token signed with a foreign key verifies against the JWKS")
				}
			},
		},
		{
			name: "claims and header",
			tamper: func(tok *devop.IDToken) {
				tok.Claims["iss"] = "https://evil.example/"
				tok.Claims["aud"] = []string{"devop-client", "other"}
				delete(tok.Claims, "nonce")
				tok.Header["typ"] = "at+jwt"
			},
			check: func(t *testing.T, token string) {
				c, _, err := r.verify(token)
				if err != nil {
					t.Fatalf("tampered claims must still be validly signed: %v", err)
				}
				h, _, _ := decodeJWT(t, token)
				if c["iss"] != "https://evil.example/" || c["nonce"] != nil || h["typ"] != "at+jwt" {
					t.Errorf("claims %v header %v", c, h)
				}
				if aud, _ := c["aud"].([]any); len(aud) != 2 {
					t.Errorf("aud %v", c["aud"])
				}
			},
		},
		{
			name:    "refresh grant",
			refresh: true,
			tamper:  func(tok *devop.IDToken) { tok.Claims["exp"] = int64(1) },
			check: func(t *testing.T, token string) {
				c, _, err := r.verify(token)
				if err != nil || c["exp"] != float64(1) {
					t.Errorf("claims %v err %v", c, err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var token string
			if tt.refresh {
				rt := r.tokens()["refresh_token"].(string)
				r.p.TamperNextIDToken(tt.tamper)
				status, tok := r.refresh(rt, nil)
				if status != http.StatusOK {
					t.Fatalf("refresh: %d %v", status, tok)
				}
				token = tok["id_token"].(string)
			} else {
				r.p.TamperNextIDToken(tt.tamper)
				token = r.tokens()["id_token"].(string)
			}
			tt.check(t, token)
			// Only the next token is tampered with.
			if _, _, err := r.verify(r.tokens()["id_token"].(string)); err != nil {
				t.Errorf("following token is still tampered: %v", err)
			}
		})
	}
}

func TestRotateKeys(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	before := r.tokens()["id_token"].(string)
	_, oldKid, err := r.verify(before)
	if err != nil {
		t.Fatal(err)
	}
	r.p.RotateKeys()
	set := r.jwks()
	if len(set.Keys) != 2 || len(set.Key(oldKid)) != 1 {
		t.Fatalf("JWKS after rotation has %d keys; old kid present: %v", len(set.Keys), len(set.Key(oldKid)) == 1)
	}
	after := r.tokens()["id_token"].(string)
	_, newKid, err := r.verify(after)
	if err != nil {
		t.Fatal(err)
	}
	if newKid == oldKid {
		t.Error("new token signed with the old kid")
	}
	if _, _, err := r.verify(before); err != nil {
		t.Errorf("token signed before rotation no longer verifies: %v", err)
	}
	// Both keys' tokens are accepted as id_token_hint.
	for _, hint := range []string{before, after} {
		resp := r.get(r.p.Issuer() + "oidc/logout?id_token_hint=" + hint)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("logout with hint: %d", resp.StatusCode)
		}
	}
}
