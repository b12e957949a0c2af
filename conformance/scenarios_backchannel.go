package conformance

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

func init() {
	register("backchannel/stateful-session-ended", testBackchannelStateful)
	register("backchannel/stateless-session-revoked", testBackchannelStateless)
	register("backchannel/malformed-tokens-refused", testBackchannelMalformed)
	register("backchannel/not-configured-500", testBackchannelUnconfigured)
	register("backchannel/provider-logout-ends-session", testProviderLogout)
}

// testProviderLogout ends the user's session at the provider directly
// (RP-Initiated Logout at its end_session_endpoint, as another app of the
// same tenant would): the provider's back-channel logout call must end
// the app's session.
func testProviderLogout(t *testing.T, h Harness) {
	store := sessionstore.NewMemory()
	e := setup(t, h, devop.Options{}, auth0kit.WithSessionStore(store))
	e.login("")
	if !e.loggedIn() {
		t.Fatal("not logged in")
	}
	q := url.Values{"client_id": {e.clientID}, "post_logout_redirect_uri": {e.appURL}}
	e.browse(e.metadata("end_session_endpoint") + "?" + q.Encode())
	if store.Len() != 0 || e.loggedIn() {
		t.Fatal("the provider's back-channel logout did not end the session")
	}
}

func (e *env) postLogoutToken(token string) *page {
	e.t.Helper()
	return e.browser.post(e.appURL+e.client.Routes().BackchannelLogout, url.Values{"logout_token": {token}}, false)
}

func testBackchannelStateful(t *testing.T, h Harness) {
	store := sessionstore.NewMemory()
	e := setup(t, h, devop.Options{}, auth0kit.WithSessionStore(store))
	e.needDevop("provider-initiated logout on demand")
	e.login("")
	if !e.loggedIn() || store.Len() != 1 {
		t.Fatal("not logged in")
	}
	sub, err := e.op.Subject(loginEmail)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.op.LogoutUser(sub); err != nil {
		t.Fatalf("provider's back-channel logout call failed: %v", err)
	}
	if store.Len() != 0 {
		t.Fatalf("store still holds %d sessions", store.Len())
	}
	if e.loggedIn() {
		t.Fatal("session survived a back-channel logout")
	}
}

func testBackchannelStateless(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithRevocationList(sessionstore.NewMemory()))
	e.needDevop("provider-initiated logout on demand")
	e.login("")
	sub, _ := e.op.Subject(loginEmail)
	if err := e.op.LogoutUser(sub); err != nil {
		t.Fatalf("provider's back-channel logout call failed: %v", err)
	}
	if e.loggedIn() {
		t.Fatal("a revoked stateless session was accepted")
	}
	// A new login is a new session, not revoked.
	e.login("")
	if !e.loggedIn() {
		t.Fatal("a fresh login after a back-channel logout is refused")
	}
}

func testBackchannelMalformed(t *testing.T, h Harness) {
	store := sessionstore.NewMemory()
	e := setup(t, h, devop.Options{}, auth0kit.WithSessionStore(store))
	e.needDevop("minting logout tokens")
	e.login("")
	sub, _ := e.op.Subject(loginEmail)
	pubPEM := e.publicKeyPEM()
	now := time.Now()
	cases := []struct {
		name string
		spec devop.LogoutToken
		raw  string
	}{
		{name: "bad signature", spec: devop.LogoutToken{ForeignKey: true}},
		{name: "wrong aud", spec: devop.LogoutToken{Claims: map[string]any{"aud": "another-client"}}},
		{name: "wrong iss", spec: devop.LogoutToken{Claims: map[string]any{"iss": "https://evil.example/"}}},
		{name: "missing events", spec: devop.LogoutToken{Claims: map[string]any{"events": nil}}},
		{name: "events member not an object", spec: devop.LogoutToken{Claims: map[string]any{"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": "yes"}}}},
		{name: "with nonce", spec: devop.LogoutToken{Claims: map[string]any{"nonce": "n"}}},
		{name: "neither sid nor sub", spec: devop.LogoutToken{Claims: map[string]any{"sub": nil, "sid": nil}}},
		{name: "expired iat", spec: devop.LogoutToken{Claims: map[string]any{"iat": now.Add(-time.Hour).Unix(), "exp": now.Add(-58 * time.Minute).Unix()}}},
		{name: "iat in the future", spec: devop.LogoutToken{Claims: map[string]any{"iat": now.Add(time.Hour).Unix(), "exp": now.Add(time.Hour + 2*time.Minute).Unix()}}},
		{name: "missing jti", spec: devop.LogoutToken{Claims: map[string]any{"jti": nil}}},
		{name: "alg none", spec: devop.LogoutToken{Alg: "none"}},
		{name: "HS256 signed with the public key", spec: devop.LogoutToken{Alg: "HS256", HMACKey: pubPEM}},
		{name: "wrong typ", spec: devop.LogoutToken{Header: map[string]any{"typ": "at+jwt"}}},
		{name: "garbage", raw: "not.a.jwt"},
		{name: "empty", raw: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			tok := tc.raw
			if tc.raw == "" && tc.name != "empty" {
				if tc.spec.Claims == nil {
					tc.spec.Claims = map[string]any{}
				}
				if _, set := tc.spec.Claims["sub"]; !set {
					tc.spec.Claims["sub"] = sub
				}
				var err error
				if tok, err = e.op.MintLogoutToken(tc.spec); err != nil {
					t.Fatal(err)
				}
			}
			p := e.postLogoutToken(tok)
			if p.StatusCode != http.StatusBadRequest || !strings.Contains(p.Header.Get("Content-Type"), "json") {
				t.Fatalf("status %d %q, want 400 JSON", p.StatusCode, p.body)
			}
			if store.Len() != 1 || !e.loggedIn() {
				t.Fatal("a refused logout token deleted the session")
			}
		})
	}
	// The genuine article works, once: a replay is refused.
	e.t = t
	good, err := e.op.MintLogoutToken(devop.LogoutToken{Claims: map[string]any{"sub": sub}})
	if err != nil {
		t.Fatal(err)
	}
	if p := e.postLogoutToken(good); p.StatusCode != http.StatusOK {
		t.Fatalf("valid logout token: %d %q", p.StatusCode, p.body)
	}
	if store.Len() != 0 {
		t.Fatal("valid logout token deleted nothing")
	}
	if p := e.postLogoutToken(good); p.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed logout token: %d, want 400", p.StatusCode)
	}
}

func testBackchannelUnconfigured(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	p := e.postLogoutToken("x.y.z")
	e.expectStatus(p, http.StatusInternalServerError)
}

// publicKeyPEM fetches the provider's signing key as PEM (for the
// key-confusion attack).
func (e *env) publicKeyPEM() []byte {
	e.t.Helper()
	keys := e.jwks()
	der, err := x509.MarshalPKIXPublicKey(keys[0])
	if err != nil {
		e.t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
