package conformance

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

// resourceServer is a protected API for the fetcher scenarios. GET /data
// answers 200 JSON {"scheme","jkt","path"} to a valid call:
//
//   - "Authorization: Bearer <at>" with a token that is not DPoP-bound;
//   - "Authorization: DPoP <at>" with a DPoP proof that a
//     [devop.DPoPVerifier] (go-jose) accepts for GET and this URL, with
//     ath matching the token, from the key the token is bound to.
//
// The token's binding (cnf.jkt) is read from the JWT after checking its
// signature with the provider's JWKS (development provider), or by token
// introspection (the certified provider issues opaque tokens).
type resourceServer struct {
	url      string
	verifier *devop.DPoPVerifier
	calls    atomic.Int32 // requests received
	e        *env
	keys     []*rsa.PublicKey // the development provider's token keys
}

// startResourceServer serves a resource server on 127.0.0.1 until the test
// ends; requireNonce makes it demand its DPoP nonce.
func (e *env) startResourceServer(requireNonce bool) *resourceServer {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	rs := &resourceServer{url: "http://" + ln.Addr().String(), e: e,
		verifier: &devop.DPoPVerifier{Now: e.clock.Now, RequireNonce: requireNonce}}
	if e.op != nil {
		rs.keys = e.jwks()
	}
	srv := &http.Server{Handler: http.HandlerFunc(rs.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	e.t.Cleanup(func() { _ = srv.Close() })
	return rs
}

func (rs *resourceServer) serve(w http.ResponseWriter, r *http.Request) {
	rs.calls.Add(1)
	scheme, at, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	deny := func(challenge string) {
		w.Header().Set("WWW-Authenticate", challenge)
		w.WriteHeader(http.StatusUnauthorized)
	}
	if at == "" || r.URL.Path != "/data" {
		deny(`Bearer error="invalid_request"`)
		return
	}
	bound, ok := rs.binding(at)
	if !ok {
		deny(`Bearer error="invalid_token"`)
		return
	}
	var jkt string
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if bound != "" { // a DPoP-bound token presented as Bearer
			deny(`DPoP error="invalid_token", error_description="DPoP-bound token sent as Bearer"`)
			return
		}
	case strings.EqualFold(scheme, "DPoP"):
		var perr *devop.DPoPProofError
		jkt, perr = rs.verifier.Verify(r.Header.Get("DPoP"), r.Method, rs.url+r.URL.Path, at)
		if perr != nil {
			if perr.Nonce != "" {
				w.Header().Set("DPoP-Nonce", perr.Nonce)
			}
			deny(`DPoP error="` + perr.Code + `"`)
			return
		}
		if jkt != bound {
			deny(`DPoP error="invalid_token", error_description="the token is not bound to the proof's key"`)
			return
		}
	default:
		deny(`Bearer error="invalid_request"`)
		return
	}
	if rs.verifier.RequireNonce {
		w.Header().Set("DPoP-Nonce", rs.verifier.Nonce())
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"scheme": scheme, "jkt": jkt, "path": r.URL.Path})
}

// binding returns the token's cnf.jkt ("" when unbound) and whether the
// token is valid at all.
func (rs *resourceServer) binding(at string) (string, bool) {
	var claims struct {
		jwt.Claims
		Cnf struct {
			JKT string `json:"jkt"`
		} `json:"cnf"`
	}
	if rs.e.op != nil {
		tok, err := jwt.ParseSigned(at, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			return "", false
		}
		for _, k := range rs.keys {
			if tok.Claims(k, &claims) == nil {
				return claims.Cnf.JKT, claims.Expiry != nil && rs.e.clock.Now().Before(claims.Expiry.Time())
			}
		}
		return "", false
	}
	resp, err := http.PostForm(strings.TrimSuffix(rs.e.issuer, "/")+"/token/introspection", url.Values{
		"token": {at}, "client_id": {rs.e.clientID}, "client_secret": {rs.e.clientSecret}})
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var out struct {
		Active bool `json:"active"`
		Cnf    struct {
			JKT string `json:"jkt"`
		} `json:"cnf"`
	}
	if json.NewDecoder(resp.Body).Decode(&out) != nil || !out.Active {
		return "", false
	}
	return out.Cnf.JKT, true
}

// parsePEMPublic reads an SPKI PEM public key.
func parsePEMPublic(s string) (any, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("not PEM")
	}
	return x509.ParsePKIXPublicKey(block.Bytes)
}
