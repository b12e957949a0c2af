package conformance

import (
	"net/http"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("clientauth/client_secret_post", func(t *testing.T, h Harness) {
		testClientAuthFlow(t, h, clientReg{method: auth0kit.ClientSecretPost})
	})
	register("clientauth/client_secret_basic", func(t *testing.T, h Harness) {
		testClientAuthFlow(t, h, clientReg{method: auth0kit.ClientSecretBasic})
	})
	register("clientauth/private_key_jwt-RS256", func(t *testing.T, h Harness) {
		testClientAuthFlow(t, h, clientReg{method: auth0kit.PrivateKeyJWT, key: newRSAKey(t), alg: "RS256"})
	})
	register("clientauth/private_key_jwt-PS256", func(t *testing.T, h Harness) {
		testClientAuthFlow(t, h, clientReg{method: auth0kit.PrivateKeyJWT, key: newRSAKey(t), alg: "PS256"})
	})
	register("clientauth/private_key_jwt-ES256", func(t *testing.T, h Harness) {
		testClientAuthFlow(t, h, clientReg{method: auth0kit.PrivateKeyJWT, key: newECKey(t), alg: "ES256"})
	})
	register("clientauth/tls_client_auth", func(t *testing.T, h Harness) {
		testClientAuthFlow(t, h, clientReg{method: auth0kit.TLSClientAuth, tls: newMTLS(t, false)})
	})
	register("clientauth/self_signed_tls_client_auth", func(t *testing.T, h Harness) {
		testClientAuthFlow(t, h, clientReg{method: auth0kit.SelfSignedTLSClientAuth, tls: newMTLS(t, true)})
	})
	register("clientauth/unsupported-method-refused", testClientAuthUnsupported)
	register("clientauth/wrong-key-refused", testClientAuthWrongKey)
	register("clientauth/wrong-certificate-refused", testClientAuthWrongCertificate)
}

// testClientAuthFlow logs in (code exchange), refreshes and logs out
// (revocation) with one client authentication method. The provider
// accepts only that method from this client, so each call proves it.
func testClientAuthFlow(t *testing.T, h Harness, reg clientReg) {
	e := setupClient(t, h, reg, devop.Options{})
	p := e.login("returnTo=/private")
	e.expectStatus(p, http.StatusOK)
	if !strings.HasPrefix(p.body, "private ") {
		t.Fatalf("after login: %q", p.body)
	}
	tp, body := e.accessToken("refresh=true")
	e.expectStatus(tp, http.StatusOK)
	if body.Token == "" {
		t.Fatal("no access token after refresh")
	}
	if got := e.refreshes(); got >= 0 && got != 1 {
		t.Fatalf("%d refresh requests, want 1", got)
	}
	out := e.browser.hit(e.appURL + "/auth/logout")
	e.expectStatus(out, http.StatusTemporaryRedirect)
	if e.op != nil {
		if n := len(e.op.RevokedTokens()); n != 1 {
			t.Fatalf("%d tokens revoked at logout, want the refresh token", n)
		}
	}
	if e.loggedIn() {
		t.Fatal("still logged in after logout")
	}
}

// testClientAuthUnsupported: a method the discovery document does not
// list is refused at the first discovery, naming both.
func testClientAuthUnsupported(t *testing.T, h Harness) {
	e := setupClient(t, h, clientReg{method: auth0kit.ClientSecretBasic},
		devop.Options{TokenEndpointAuthMethods: []string{"client_secret_post", "private_key_jwt"}})
	e.needDevop("a discovery document without client_secret_basic")
	p := e.browser.hit(e.appURL + "/auth/login")
	if p.StatusCode != http.StatusInternalServerError {
		t.Fatalf("login with an unsupported method: %d %q, want 500", p.StatusCode, p.body)
	}
	if strings.Contains(p.body, "client_secret_post") {
		t.Errorf("the configuration error leaked to the browser: %q", p.body)
	}
}

// testClientAuthWrongKey: assertions signed with a key the provider does
// not know fail the code exchange, and no session is made.
func testClientAuthWrongKey(t *testing.T, h Harness) {
	reg := clientReg{method: auth0kit.PrivateKeyJWT, key: newECKey(t), alg: "ES256"}
	e := setupClient(t, h, reg, devop.Options{}, auth0kit.WithClientAuth(auth0kit.ClientAuth{SigningKey: newECKey(t), SigningAlg: "ES256"}))
	cb := e.authorize("")
	p := e.browser.hit(cb.String())
	if p.StatusCode/100 != 4 && p.StatusCode/100 != 5 {
		t.Fatalf("callback with a wrong client key: %d", p.StatusCode)
	}
	if e.loggedIn() {
		t.Fatal("logged in with a wrong client key")
	}
}

// testClientAuthWrongCertificate: a self-signed client certificate other
// than the registered one fails the code exchange.
func testClientAuthWrongCertificate(t *testing.T, h Harness) {
	reg := clientReg{method: auth0kit.SelfSignedTLSClientAuth, tls: newMTLS(t, true)}
	other := newTestPKI(t).clientCertificate(t, true)
	e := setupClient(t, h, reg, devop.Options{}, auth0kit.WithClientAuth(auth0kit.ClientAuth{Certificate: &other}))
	cb := e.authorize("")
	p := e.browser.hit(cb.String())
	if p.StatusCode/100 != 4 && p.StatusCode/100 != 5 {
		t.Fatalf("callback with a wrong client certificate: %d", p.StatusCode)
	}
	if e.loggedIn() {
		t.Fatal("logged in with a wrong client certificate")
	}
}
