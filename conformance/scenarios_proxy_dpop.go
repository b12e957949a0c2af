package conformance

import (
	"net/http"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func init() {
	register("proxy/dpop-bound-token-with-proof-and-nonce", testProxyDPoP)
}

// testProxyDPoP: with DPoP on, the My Account proxy sends the DPoP-bound
// token with the DPoP scheme and a fresh proof (never as Bearer), and
// answers the API's use_dpop_nonce with one retry. The development
// provider's My Account API verifies the proof (go-jose) and the token's
// cnf.jkt binding, and demands its nonce.
func testProxyDPoP(t *testing.T, h Harness) {
	k := newDPoPKey(t)
	e := setupClient(t, h, clientReg{dpop: true}, devop.Options{DPoPRequireNonce: true},
		append(k.options(), proxyOptions...)...)
	e.needDevop("the development provider's My Account API echo")
	e.login("")
	res, got := e.echo(http.MethodGet, "/me/v1/devop/echo?x=1", nil)
	if res.StatusCode != http.StatusOK || !strings.HasSuffix(got.Path, "/me/v1/devop/echo") {
		t.Fatalf("proxied GET with DPoP: %d %+v", res.StatusCode, got)
	}
	var proofs, bearer int
	for _, r := range e.op.ResourceRequests() {
		auth := r.Header.Get("Authorization")
		switch {
		case strings.HasPrefix(auth, "DPoP ") && r.Header.Get("DPoP") != "":
			proofs++
		case strings.HasPrefix(auth, "Bearer "):
			bearer++
		}
	}
	if proofs == 0 || bearer != 0 {
		t.Fatalf("upstream saw %d DPoP requests with a proof and %d Bearer ones; want DPoP only", proofs, bearer)
	}
}
