package auth0kit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DPoP error codes (nextjs-auth0's DPoPErrorCode, plus the Go SDK's own).
const (
	// CodeDPoPConfiguration: DPoP is needed but no key pair is configured.
	CodeDPoPConfiguration = "dpop_configuration_error"
	// CodeDPoPJKTCalculationFailed: the key's thumbprint could not be
	// computed.
	CodeDPoPJKTCalculationFailed = "dpop_jkt_calculation_failed"
	// CodeDPoPProofFailed: a proof could not be signed.
	CodeDPoPProofFailed = "dpop_proof_failed"
	// CodeDPoPProofRefused: the server refused the proof
	// (invalid_dpop_proof).
	CodeDPoPProofRefused = "invalid_dpop_proof"
	// CodeDPoPNonceRetryExhausted: the server asked for a new nonce again
	// after the one retry.
	CodeDPoPNonceRetryExhausted = "dpop_nonce_retry_exhausted"
	// CodeDPoPBoundToken: a DPoP-bound token would have been sent as
	// Bearer (a fetcher or TokenSource with DPoP off).
	CodeDPoPBoundToken = "dpop_bound_token"
)

// ErrDPoP matches every [*DPoPError].
var ErrDPoP = errors.New("auth0kit: DPoP error")

// DPoPError is a DPoP failure. Err, when set, is the cause (often the
// provider's [*OAuthError]). It never carries a token.
type DPoPError struct {
	Code string
	Err  error
}

func (e *DPoPError) Error() string {
	msg := "auth0kit: DPoP: " + e.Code
	switch e.Code {
	case CodeDPoPConfiguration:
		msg += ": DPoP is enabled but no key pair is configured"
	case CodeDPoPNonceRetryExhausted:
		msg += ": the server asked for a new nonce again after the retry"
	case CodeDPoPBoundToken:
		msg += ": the access token is DPoP-bound and is never sent as Bearer; turn DPoP on for this fetcher"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *DPoPError) Unwrap() error { return e.Err }

// Is matches [ErrDPoP].
func (e *DPoPError) Is(target error) bool { return target == ErrDPoP }

// maxDPoPNonces bounds the per-origin nonce memory (oauth4webapi keeps an
// LRU of 100).
const maxDPoPNonces = 100

// maxDPoPNonceLen caps a remembered nonce; a server sending more is
// ignored rather than stored.
const maxDPoPNonceLen = 512

// dpopState is a client's DPoP runtime: key, clock and retry settings and
// the nonces learned per server origin. It is shared by the token calls
// and every fetcher.
type dpopState struct {
	key       *dpopKey
	on        bool // UseDPoP: proofs at the token endpoint, dpop_jkt at /authorize
	skew      time.Duration
	tolerance time.Duration
	delay     time.Duration
	jitter    bool
	nonces    *nonceCache
}

// dpopClaims is a proof's payload (RFC 9449 §4.2).
type dpopClaims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	ATH   string `json:"ath,omitempty"`
	Nonce string `json:"nonce,omitempty"`
}

// proof signs a DPoP proof for method and target (its query and fragment
// are dropped), with the nonce remembered for the target's origin and,
// when accessToken is set, its hash in ath.
func (d *dpopState) proof(method string, target *url.URL, accessToken string, now time.Time) (string, error) {
	cl := dpopClaims{JTI: randomToken(), HTM: method, HTU: htu(target), IAT: now.Add(d.skew).Unix(),
		Nonce: d.nonces.get(origin(target))}
	if accessToken != "" {
		cl.ATH = ath(accessToken)
	}
	payload, err := json.Marshal(cl)
	if err != nil {
		return "", &DPoPError{Code: CodeDPoPProofFailed, Err: err}
	}
	jws, err := d.key.signer.Sign(payload)
	if err != nil {
		return "", &DPoPError{Code: CodeDPoPProofFailed, Err: err}
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		return "", &DPoPError{Code: CodeDPoPProofFailed, Err: err}
	}
	return out, nil
}

// learn remembers the DPoP-Nonce of an answer from target's server.
func (d *dpopState) learn(target *url.URL, h http.Header) {
	if n := h.Get("DPoP-Nonce"); n != "" && len(n) <= maxDPoPNonceLen {
		d.nonces.put(origin(target), n)
	}
}

// wait sleeps for the retry delay (with jitter), or until ctx is done.
func (d *dpopState) wait(ctx context.Context) error {
	delay := d.delay
	if d.jitter {
		delay = time.Duration(float64(delay) * (0.5 + rand.Float64()*0.5))
	}
	if delay <= time.Microsecond {
		return ctx.Err()
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// htu is the proof's htu: the target without query and fragment.
func htu(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return v.String()
}

// ath is base64url(SHA-256(access token)).
func ath(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// origin is scheme://host[:port] in lower case, default ports dropped.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// isNonceChallenge reports whether a resource server's 401 asks for a
// DPoP nonce (RFC 9449 §9: WWW-Authenticate: DPoP error="use_dpop_nonce").
func isNonceChallenge(status int, h http.Header) bool {
	if status != http.StatusUnauthorized {
		return false
	}
	for _, v := range h.Values("WWW-Authenticate") {
		if len(v) >= 4 && strings.EqualFold(v[:4], "dpop") && strings.Contains(v, `error="use_dpop_nonce"`) {
			return true
		}
	}
	return false
}

// isTokenNonceError reports whether a token endpoint answer asks for a
// DPoP nonce (RFC 9449 §8: a 400 with error use_dpop_nonce).
func isTokenNonceError(status int, h http.Header, body []byte) bool {
	if status != http.StatusBadRequest && status != http.StatusUnauthorized {
		return false
	}
	if h.Get("DPoP-Nonce") == "" {
		return false
	}
	var raw struct {
		Error string `json:"error"`
	}
	return json.Unmarshal(body, &raw) == nil && raw.Error == "use_dpop_nonce"
}

// nonceCache is a bounded map of origin → last nonce; when full, an
// arbitrary entry makes room (a lost nonce only costs one retry).
type nonceCache struct {
	mu  sync.Mutex
	max int
	m   map[string]string
}

func newNonceCache(max int) *nonceCache { return &nonceCache{max: max, m: make(map[string]string)} }

func (n *nonceCache) get(origin string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.m[origin]
}

func (n *nonceCache) put(origin, nonce string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.m[origin]; !ok && len(n.m) >= n.max {
		for k := range n.m {
			delete(n.m, k)
			break
		}
	}
	n.m[origin] = nonce
}

// dpopJKT is the dpop_jkt of authorization requests: the key's thumbprint
// when DPoP is on, "" otherwise.
func (c *Client) dpopJKT() string {
	if c.dpop == nil || !c.dpop.on {
		return ""
	}
	return c.dpop.key.jkt
}
