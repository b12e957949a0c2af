package devop

import (
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DPoP (RFC 9449) at the development provider: a proof in the DPoP header
// of a token request is verified strictly by a [DPoPVerifier], and the
// access token issued is bound to the proof's key (cnf.jkt, token_type
// DPoP). An authorization request's dpop_jkt binds its code to that key.

// dpopAlgs are the proof algorithms accepted.
var dpopAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.PS256}

// maxDPoPJTIs bounds the remembered proof identifiers.
const maxDPoPJTIs = 100000

// DPoPProofError is a refused proof: Code is invalid_dpop_proof, or
// use_dpop_nonce when a (new) nonce is needed; Nonce is then the nonce to
// use.
type DPoPProofError struct {
	Code, Description, Nonce string
}

func (e *DPoPProofError) Error() string { return e.Code + ": " + e.Description }

// DPoPVerifier checks DPoP proofs with go-jose: the signature with the
// embedded public jwk, typ dpop+jwt, htm, htu (without query and fragment),
// iat within Window, a jti never seen before, ath when an access token is
// presented, and the current nonce when RequireNonce is set. It is safe
// for concurrent use.
type DPoPVerifier struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Window is the accepted distance between iat and now; default 60s.
	Window time.Duration
	// RequireNonce demands the verifier's current nonce in every proof.
	RequireNonce bool

	mu    sync.Mutex
	nonce string
	jtis  map[string]time.Time // until when each jti is remembered
}

// Nonce returns the current nonce (created on first use).
func (v *DPoPVerifier) Nonce() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.nonce == "" {
		v.nonce = randomString(16)
	}
	return v.nonce
}

// RotateNonce replaces the current nonce: the next proof carrying the old
// one is answered use_dpop_nonce.
func (v *DPoPVerifier) RotateNonce() {
	v.mu.Lock()
	v.nonce = randomString(16)
	v.mu.Unlock()
}

// Verify checks proof for a request of method to target (a URL whose
// query and fragment are ignored); accessToken, when set, must match the
// proof's ath. It returns the RFC 7638 thumbprint of the proof's key.
func (v *DPoPVerifier) Verify(proof, method, target, accessToken string) (string, *DPoPProofError) {
	bad := func(desc string) (string, *DPoPProofError) {
		return "", &DPoPProofError{Code: "invalid_dpop_proof", Description: desc}
	}
	if proof == "" {
		return bad("a DPoP proof is required")
	}
	jws, err := jose.ParseSignedCompact(proof, dpopAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return bad("the proof is not a compact JWS with an accepted algorithm (ES256, RS256, PS256)")
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "dpop+jwt" {
		return bad("typ must be dpop+jwt")
	}
	if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() || !h.JSONWebKey.Valid() {
		return bad("the header must carry a public jwk")
	}
	payload, err := jws.Verify(h.JSONWebKey)
	if err != nil {
		return bad("the proof's signature does not verify with its jwk")
	}
	var cl struct {
		JTI   string   `json:"jti"`
		HTM   string   `json:"htm"`
		HTU   string   `json:"htu"`
		IAT   *float64 `json:"iat"`
		ATH   string   `json:"ath"`
		Nonce string   `json:"nonce"`
	}
	if err := json.Unmarshal(payload, &cl); err != nil {
		return bad("the proof's payload is not a JSON object")
	}
	if cl.JTI == "" || len(cl.JTI) > 256 {
		return bad("jti is required")
	}
	if cl.HTM != method {
		return bad("htm does not match the request method")
	}
	if !sameHTU(cl.HTU, target) {
		return bad("htu does not match the request URL")
	}
	now := v.now()
	window := v.Window
	if window <= 0 {
		window = 60 * time.Second
	}
	if cl.IAT == nil {
		return bad("iat is required")
	}
	iat := time.Unix(int64(*cl.IAT), 0)
	if iat.Before(now.Add(-window)) || iat.After(now.Add(window)) {
		return bad("iat is outside the accepted window")
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if cl.ATH != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return bad("ath does not match the access token")
		}
	}
	if v.RequireNonce {
		if n := v.Nonce(); cl.Nonce != n {
			return "", &DPoPProofError{Code: "use_dpop_nonce", Description: "a DPoP nonce is required", Nonce: n}
		}
	}
	tp, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	if err != nil {
		return bad("the jwk has no thumbprint")
	}
	if !v.remember(cl.JTI, now, window) {
		return bad("the proof's jti was already used")
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

func (v *DPoPVerifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// remember records jti; false when it was seen (or the memory is full).
func (v *DPoPVerifier) remember(jti string, now time.Time, window time.Duration) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.jtis == nil {
		v.jtis = map[string]time.Time{}
	}
	if _, seen := v.jtis[jti]; seen {
		return false
	}
	if len(v.jtis) >= maxDPoPJTIs {
		for k, until := range v.jtis {
			if now.After(until) {
				delete(v.jtis, k)
			}
		}
		if len(v.jtis) >= maxDPoPJTIs {
			return false
		}
	}
	v.jtis[jti] = now.Add(2 * window)
	return true
}

// sameHTU compares a proof's htu with the request URL, both without query
// and fragment, scheme and host case-insensitively.
func sameHTU(htu, target string) bool {
	a, err1 := url.Parse(htu)
	b, err2 := url.Parse(target)
	if err1 != nil || err2 != nil || a.RawQuery != "" || a.Fragment != "" {
		return false
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host) && a.EscapedPath() == b.EscapedPath()
}

// checkTokenDPoP verifies the DPoP proof of a token request, if any, and
// returns its key's thumbprint ("" without a proof). A client registered
// with DPoPBoundAccessTokens must send one.
func (p *Provider) checkTokenDPoP(r *http.Request, client Client) (string, *oauthError) {
	proofs := r.Header.Values("DPoP")
	if len(proofs) == 0 {
		if client.DPoPBoundAccessTokens {
			return "", &oauthError{status: http.StatusBadRequest, code: "invalid_dpop_proof", description: "the client must send a DPoP proof"}
		}
		return "", nil
	}
	if len(proofs) > 1 {
		return "", &oauthError{status: http.StatusBadRequest, code: "invalid_dpop_proof", description: "exactly one DPoP header is allowed"}
	}
	jkt, err := p.dpop.Verify(proofs[0], http.MethodPost, p.endpoint("oauth/token"), "")
	if err != nil {
		return "", &oauthError{status: http.StatusBadRequest, code: err.Code, description: err.Description, dpopNonce: err.Nonce}
	}
	return jkt, nil
}

// DPoP returns the provider's proof verifier, to rotate its nonce.
func (p *Provider) DPoP() *DPoPVerifier { return p.dpop }
