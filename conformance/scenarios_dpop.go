package conformance

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("dpop/login-refresh-call", testDPoPLoginRefreshCall)
	register("dpop/nonce-at-token-endpoint", testDPoPNonceTokenEndpoint)
	register("dpop/nonce-at-resource-server", testDPoPNonceResourceServer)
	register("dpop/bearer-fetcher", testDPoPBearerFetcher)
	register("dpop/bound-token-never-bearer", testDPoPBoundNeverBearer)
	register("dpop/fetcher-refuses-other-origin", testDPoPForeignOrigin)
	register("dpop/par", testDPoPPAR)
}

// testDPoPPAR: with PAR required, dpop_jkt travels in the pushed request
// and the code exchange still binds the tokens to the key.
func testDPoPPAR(t *testing.T, h Harness) {
	k := newDPoPKey(t)
	e := setupClient(t, h, clientReg{dpop: true, requirePAR: true}, devop.Options{},
		append(k.options(), auth0kit.WithPushedAuthorizationRequests(true))...)
	e.expectStatus(e.login("returnTo=/private"), http.StatusOK)
	if _, body := e.accessToken(""); !strings.EqualFold(body.TokenType, "DPoP") {
		t.Fatalf("token_type %q after a PAR login", body.TokenType)
	}
	if scheme, jkt := e.callOK(e.startResourceServer(false)); scheme != "DPoP" || jkt != k.jkt {
		t.Fatalf("resource server saw %s with key %q", scheme, jkt)
	}
}

// dpopKey is a fresh DPoP key pair as the env takes it, and its RFC 7638
// thumbprint.
type dpopKey struct{ pub, priv, jkt string }

func newDPoPKey(t *testing.T) dpopKey {
	t.Helper()
	pub, priv, err := auth0kit.GenerateDPoPKey()
	if err != nil {
		t.Fatal(err)
	}
	// Read back through go-jose, independently of the SDK.
	var k jose.JSONWebKey
	blockKey, err := parsePEMPublic(pub)
	if err != nil {
		t.Fatal(err)
	}
	k.Key = blockKey
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return dpopKey{pub: pub, priv: priv, jkt: base64.RawURLEncoding.EncodeToString(tp)}
}

// options turns DPoP on with the key, as AUTH0_USE_DPOP and the
// AUTH0_DPOP_* variables would.
func (k dpopKey) options() []auth0kit.Option {
	return []auth0kit.Option{auth0kit.WithDPoP(auth0kit.DPoPOptions{}), auth0kit.WithDPoP(auth0kit.DPoPOptions{PrivateKey: k.priv, PublicKey: k.pub})}
}

// callResult is /api/call's answer.
type callResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	Error  string `json:"error"`
	Code   string `json:"code"`
}

// call asks the app to GET target through a fetcher bound to base; extra
// are more query parameters (dpop=true|false, audience=…).
func (e *env) call(base, target string, extra ...string) (int, callResult) {
	e.t.Helper()
	q := url.Values{"base": {base}, "url": {target}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	p := e.browser.fetch(e.appURL + "/api/call?" + q.Encode())
	var out callResult
	if err := json.Unmarshal([]byte(p.body), &out); err != nil {
		e.t.Fatalf("/api/call: %d %q", p.StatusCode, p.body)
	}
	return p.StatusCode, out
}

// callOK calls the resource server's /data and returns the scheme and jkt
// it saw.
func (e *env) callOK(rs *resourceServer, extra ...string) (scheme, jkt string) {
	e.t.Helper()
	st, out := e.call(rs.url, "/data", extra...)
	if st != http.StatusOK || out.Status != http.StatusOK {
		e.t.Fatalf("call through the fetcher: %d %+v", st, out)
	}
	var body struct{ Scheme, JKT string }
	if err := json.Unmarshal([]byte(out.Body), &body); err != nil {
		e.t.Fatalf("resource server body %q", out.Body)
	}
	return body.Scheme, body.JKT
}

// testDPoPLoginRefreshCall: with DPoP on, the authorization request carries
// dpop_jkt, the code exchange and the refresh carry proofs (the provider
// requires them from this client), the session keeps token_type DPoP, and
// the fetcher calls a DPoP resource server with a proof from the same key.
func testDPoPLoginRefreshCall(t *testing.T, h Harness) {
	k := newDPoPKey(t)
	e := setupClient(t, h, clientReg{dpop: true}, devop.Options{}, k.options()...)
	start := e.browser.hit(e.appURL + "/auth/login")
	if got := start.location(t).Query().Get("dpop_jkt"); got != k.jkt {
		t.Fatalf("dpop_jkt = %q, want the key's thumbprint %q", got, k.jkt)
	}
	e.expectStatus(e.login("returnTo=/private"), http.StatusOK)
	p, body := e.accessToken("")
	e.expectStatus(p, http.StatusOK)
	if !strings.EqualFold(body.TokenType, "DPoP") {
		t.Fatalf("token_type after login = %q, want DPoP", body.TokenType)
	}
	rs := e.startResourceServer(false)
	if scheme, jkt := e.callOK(rs); scheme != "DPoP" || jkt != k.jkt {
		t.Fatalf("resource server saw %s with key %q, want DPoP with %q", scheme, jkt, k.jkt)
	}
	p, refreshed := e.accessToken("refresh=true")
	e.expectStatus(p, http.StatusOK)
	if refreshed.Token == body.Token || !strings.EqualFold(refreshed.TokenType, "DPoP") {
		t.Fatalf("after refresh: new token %v, token_type %q", refreshed.Token != body.Token, refreshed.TokenType)
	}
	if scheme, jkt := e.callOK(rs); scheme != "DPoP" || jkt != k.jkt {
		t.Fatalf("after refresh the resource server saw %s with key %q", scheme, jkt)
	}
}

// testDPoPNonceTokenEndpoint: a provider that demands a DPoP nonce answers
// the first code exchange use_dpop_nonce; the SDK retries once with the
// nonce, and remembers it for the refresh.
func testDPoPNonceTokenEndpoint(t *testing.T, h Harness) {
	k := newDPoPKey(t)
	e := setupClient(t, h, clientReg{dpop: true, dpopNonce: true}, devop.Options{DPoPRequireNonce: true}, k.options()...)
	e.expectStatus(e.login("returnTo=/private"), http.StatusOK)
	if e.op != nil {
		if n := e.op.TokenRequests("authorization_code"); n != 2 {
			t.Fatalf("%d code exchanges, want 2 (one use_dpop_nonce, one retry)", n)
		}
	}
	p, body := e.accessToken("refresh=true")
	e.expectStatus(p, http.StatusOK)
	if !strings.EqualFold(body.TokenType, "DPoP") {
		t.Fatalf("token_type after refresh = %q", body.TokenType)
	}
	if e.op != nil {
		if n := e.refreshes(); n != 1 {
			t.Fatalf("%d refresh requests, want 1 (the nonce was remembered)", n)
		}
		// A rotated nonce costs exactly one retry.
		e.op.DPoP().RotateNonce()
		e.expectStatus(must(e.accessToken("refresh=true")), http.StatusOK)
		if n := e.refreshes(); n != 3 {
			t.Fatalf("%d refresh requests after a nonce rotation, want 3", n)
		}
	}
}

func must(p *page, _ tokenBody) *page { return p }

// testDPoPNonceResourceServer: a resource server demanding a nonce answers
// 401 WWW-Authenticate: DPoP error="use_dpop_nonce"; the fetcher retries
// once, then remembers the nonce for that origin.
func testDPoPNonceResourceServer(t *testing.T, h Harness) {
	k := newDPoPKey(t)
	e := setupClient(t, h, clientReg{dpop: true}, devop.Options{}, k.options()...)
	e.expectStatus(e.login(""), http.StatusOK)
	rs := e.startResourceServer(true)
	if scheme, _ := e.callOK(rs); scheme != "DPoP" {
		t.Fatalf("scheme %q", scheme)
	}
	if n := rs.calls.Load(); n != 2 {
		t.Fatalf("%d requests at the resource server, want 2 (use_dpop_nonce, retry)", n)
	}
	e.callOK(rs)
	if n := rs.calls.Load(); n != 3 {
		t.Fatalf("%d requests after a second call, want 3 (nonce remembered)", n)
	}
	rs.verifier.RotateNonce()
	e.callOK(rs)
	if n := rs.calls.Load(); n != 5 {
		t.Fatalf("%d requests after a nonce rotation, want 5", n)
	}
}

// testDPoPBearerFetcher: without DPoP the fetcher sends Bearer tokens,
// whether it inherits the setting or turns DPoP off itself.
func testDPoPBearerFetcher(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.expectStatus(e.login(""), http.StatusOK)
	rs := e.startResourceServer(false)
	if scheme, _ := e.callOK(rs); scheme != "Bearer" {
		t.Fatalf("scheme %q, want Bearer", scheme)
	}
	if scheme, _ := e.callOK(rs, "dpop", "false"); scheme != "Bearer" {
		t.Fatalf("scheme %q with dpop=false, want Bearer", scheme)
	}
	// DPoP asked of a fetcher on a client without a key: a typed error.
	st, out := e.call(rs.url, "/data", "dpop", "true")
	if st != http.StatusBadGateway || out.Code != auth0kit.CodeDPoPConfiguration {
		t.Fatalf("DPoP fetcher without a key: %d %+v", st, out)
	}
}

// testDPoPBoundNeverBearer: a fetcher with DPoP off refuses to send a
// DPoP-bound token as Bearer.
func testDPoPBoundNeverBearer(t *testing.T, h Harness) {
	k := newDPoPKey(t)
	e := setupClient(t, h, clientReg{dpop: true}, devop.Options{}, k.options()...)
	e.expectStatus(e.login(""), http.StatusOK)
	rs := e.startResourceServer(false)
	st, out := e.call(rs.url, "/data", "dpop", "false")
	if st != http.StatusBadGateway || out.Code != auth0kit.CodeDPoPBoundToken {
		t.Fatalf("DPoP-bound token through a Bearer fetcher: %d %+v", st, out)
	}
	if n := rs.calls.Load(); n != 0 {
		t.Fatalf("the resource server got %d requests", n)
	}
}

// testDPoPForeignOrigin: a fetcher bound to one API never sends the token
// to another origin, even when given an absolute URL.
func testDPoPForeignOrigin(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.expectStatus(e.login(""), http.StatusOK)
	rs, other := e.startResourceServer(false), e.startResourceServer(false)
	st, out := e.call(rs.url, other.url+"/data")
	if st != http.StatusBadGateway || out.Code != "foreign_origin" {
		t.Fatalf("call to another origin: %d %+v", st, out)
	}
	if strings.Contains(out.Error, "eyJ") {
		t.Fatal("the error carries a token")
	}
	if n := other.calls.Load(); n != 0 {
		t.Fatalf("the other origin got %d requests", n)
	}
	if st, out := e.call(rs.url, rs.url+"/data"); st != http.StatusOK || out.Status != http.StatusOK {
		t.Fatalf("absolute URL on the fetcher's origin: %d %+v", st, out)
	}
}
