package conformance

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

func init() {
	register("backchannel/security/forged-tokens-no-jwks-storm", testBackchannelJWKSStorm)
	register("backchannel/security/store-outage-503-then-retry-ends-session", testBackchannelOutageRetry)
	register("callback/security/id-token-nbf-typ-aud-refused", testIDTokenStrictClaims)
}

// jwksCounter is an HTTP transport that counts the app's requests for the
// provider's JWKS (every other request passes through uncounted).
type jwksCounter struct {
	jwksPath string
	n        atomic.Int64
}

func (c *jwksCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == c.jwksPath {
		c.n.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// forgeLogoutToken signs a logout token with a key the provider never
// published, under the given kid: it is well formed, names the right
// issuer, audience and event, and can only fail on its signature.
func forgeLogoutToken(t *testing.T, key *rsa.PrivateKey, kid, iss, aud, sub string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("logout+jwt").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	b, _ := json.Marshal(map[string]any{"iss": iss, "aud": aud, "sub": sub, "iat": now.Unix(),
		"exp": now.Add(2 * time.Minute).Unix(), "jti": rand.Text(),
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}})
	jws, err := signer.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// testBackchannelJWKSStorm posts 200 forged logout tokens (unknown kids,
// and the provider's real kid with a foreign signature) plus tokens for
// another issuer: all are refused with 400, the session survives, and the
// app fetches the provider's JWKS at most once more than the login did.
func testBackchannelJWKSStorm(t *testing.T, h Harness) {
	store := sessionstore.NewMemory()
	counter := &jwksCounter{}
	e := setup(t, h, devop.Options{}, auth0kit.WithSessionStore(store),
		auth0kit.WithHTTPClient(&http.Client{Transport: counter}))
	jwksURI := e.metadata("jwks_uri")
	counter.jwksPath = jwksPathOf(t, jwksURI)
	e.login("")
	if !e.loggedIn() || store.Len() != 1 {
		t.Fatal("not logged in")
	}
	afterLogin := counter.n.Load()
	var set jose.JSONWebKeySet
	resp, err := http.Get(jwksURI)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	if err != nil || len(set.Keys) == 0 {
		t.Fatalf("provider JWKS unreadable: %v", err)
	}
	realKid := set.Keys[0].KeyID
	foreign, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	iss := e.metadata("issuer")
	for i := range 200 {
		kid := fmt.Sprintf("forged-%d", i)
		if i%2 == 1 {
			kid = realKid
		}
		p := e.postLogoutToken(forgeLogoutToken(t, foreign, kid, iss, e.clientID, "victim"))
		if p.StatusCode != http.StatusBadRequest {
			t.Fatalf("forged logout token %d: status %d, want 400", i, p.StatusCode)
		}
	}
	// Tokens that could never be valid are refused before any network call.
	for _, tok := range []string{
		forgeLogoutToken(t, foreign, "other-1", "https://evil.example/", e.clientID, "victim"),
		forgeLogoutToken(t, foreign, "other-2", iss, "another-client", "victim"),
	} {
		if p := e.postLogoutToken(tok); p.StatusCode != http.StatusBadRequest {
			t.Fatalf("logout token for another issuer/audience: status %d, want 400", p.StatusCode)
		}
	}
	if n := counter.n.Load() - afterLogin; n > 1 {
		t.Fatalf("202 forged logout tokens caused %d JWKS fetches, want at most 1", n)
	}
	if store.Len() != 1 || !e.loggedIn() {
		t.Fatal("a forged logout token ended the session")
	}
	if e.certified() {
		return
	}
	// The genuine token still works without another fetch storm.
	sub, _ := e.op.Subject(loginEmail)
	good, err := e.op.MintLogoutToken(devop.LogoutToken{Claims: map[string]any{"sub": sub}})
	if err != nil {
		t.Fatal(err)
	}
	if p := e.postLogoutToken(good); p.StatusCode != http.StatusOK {
		t.Fatalf("genuine logout token after the storm: %d %q", p.StatusCode, p.body)
	}
	if store.Len() != 0 {
		t.Fatal("genuine logout token deleted nothing")
	}
}

func jwksPathOf(t *testing.T, uri string) string {
	t.Helper()
	i := strings.Index(uri, "://")
	if i < 0 {
		t.Fatalf("bad jwks_uri %q", uri)
	}
	rest := uri[i+3:]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		return rest[j:]
	}
	return "/"
}

// bclFlakyStore is flakyStore whose back-channel deletion and replay cache
// fail too during the outage.
type bclFlakyStore struct{ *flakyStore }

func (f bclFlakyStore) DeleteByLogoutToken(ctx context.Context, c sessionstore.LogoutTokenClaims) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Memory.DeleteByLogoutToken(ctx, c)
}

func (f bclFlakyStore) Used(ctx context.Context, key string) (bool, error) {
	if err := f.fail(); err != nil {
		return false, err
	}
	return f.Memory.Used(ctx, key)
}

func (f bclFlakyStore) MarkUsed(ctx context.Context, key string, until time.Time) (bool, error) {
	if err := f.fail(); err != nil {
		return false, err
	}
	return f.Memory.MarkUsed(ctx, key, until)
}

// testBackchannelOutageRetry delivers a logout token while the store is
// down (503, so the provider retries) and again once it is back: the
// retry must end the session, not be refused as a replay. A third
// delivery is a replay.
func testBackchannelOutageRetry(t *testing.T, h Harness) {
	for _, mode := range []string{"store-down", "deletion-fails"} {
		t.Run(mode, func(t *testing.T) {
			flaky := &flakyStore{Memory: sessionstore.NewMemory()}
			var store sessionstore.Store = bclFlakyStore{flaky}
			if mode == "deletion-fails" {
				// The replay cache answers; only the deletion fails.
				store = deleteFailStore{flaky}
			}
			e := setup(t, h, devop.Options{}, auth0kit.WithSessionStore(store))
			e.needDevop("minting a logout token to deliver twice")
			e.login("")
			if !e.loggedIn() {
				t.Fatal("not logged in")
			}
			sub, _ := e.op.Subject(loginEmail)
			tok, err := e.op.MintLogoutToken(devop.LogoutToken{Claims: map[string]any{"sub": sub}})
			if err != nil {
				t.Fatal(err)
			}
			flaky.down.Store(true)
			if p := e.postLogoutToken(tok); p.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("logout token during a store outage: %d %q, want 503", p.StatusCode, p.body)
			}
			flaky.down.Store(false)
			if p := e.postLogoutToken(tok); p.StatusCode != http.StatusOK {
				t.Fatalf("provider's retry after the outage: %d %q, want 200", p.StatusCode, p.body)
			}
			if flaky.Len() != 0 || e.loggedIn() {
				t.Fatal("the session survived the retried back-channel logout")
			}
			if p := e.postLogoutToken(tok); p.StatusCode != http.StatusBadRequest {
				t.Fatalf("third delivery: %d, want 400 (replay)", p.StatusCode)
			}
		})
	}
}

// deleteFailStore fails only DeleteByLogoutToken during the outage.
type deleteFailStore struct{ *flakyStore }

func (f deleteFailStore) DeleteByLogoutToken(ctx context.Context, c sessionstore.LogoutTokenClaims) error {
	if f.down.Load() {
		return sessionstore.Unavailable(errOutage)
	}
	return f.Memory.DeleteByLogoutToken(ctx, c)
}

// testIDTokenStrictClaims: the callback refuses an ID token that is not
// valid yet (nbf), one typed as an RFC 9068 access token, and one with an
// extra, untrusted audience (even with azp set to the client).
func testIDTokenStrictClaims(t *testing.T, h Harness) {
	cases := []struct {
		name   string
		tamper func(*devop.IDToken)
	}{
		{"nbf in the future", func(tk *devop.IDToken) { tk.Claims["nbf"] = time.Now().Add(time.Hour).Unix() }},
		{"typ at+jwt", func(tk *devop.IDToken) { tk.Header["typ"] = "at+jwt" }},
		{"typ application/at+jwt", func(tk *devop.IDToken) { tk.Header["typ"] = "application/at+jwt" }},
		{"untrusted extra audience with azp", func(tk *devop.IDToken) {
			tk.Claims["aud"] = []string{tk.Claims["aud"].(string), "https://api.example"}
			tk.Claims["azp"] = tk.Claims["aud"].([]string)[0]
		}},
	}
	e := setup(t, h, devop.Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			e.needDevop("ID token tampering")
			e.browser = newBrowser(t)
			cb := e.authorize("returnTo=/private").String()
			e.op.TamperNextIDToken(tc.tamper)
			p := e.browser.hit(cb)
			if p.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %q", p.StatusCode, p.body)
			}
			if e.loggedIn() {
				t.Fatal("logged in with a refused ID token")
			}
		})
	}
	// Control: the same flow untampered logs in.
	e.t = t
	e.browser = newBrowser(t)
	if p := e.browser.get(e.authorize("").String()); p.StatusCode != http.StatusOK || !e.loggedIn() {
		t.Fatalf("untampered callback: %d", p.StatusCode)
	}
}
