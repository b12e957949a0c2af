package auth0kit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DPoP key parsing, proofs, the nonce retry and the fetcher's transport.

func TestCovDPoPErrorText(t *testing.T) {
	cause := errors.New("cause")
	for _, tc := range []struct {
		e    *DPoPError
		want string
	}{
		{&DPoPError{Code: CodeDPoPConfiguration}, "auth0kit: DPoP: dpop_configuration_error: DPoP is enabled but no key pair is configured"},
		{&DPoPError{Code: CodeDPoPNonceRetryExhausted}, "auth0kit: DPoP: dpop_nonce_retry_exhausted: the server asked for a new nonce again after the retry"},
		{&DPoPError{Code: CodeDPoPBoundToken}, "auth0kit: DPoP: dpop_bound_token: the access token is DPoP-bound and is never sent as Bearer; turn DPoP on for this fetcher"},
		{&DPoPError{Code: CodeDPoPProofFailed, Err: cause}, "auth0kit: DPoP: dpop_proof_failed: cause"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
	var err error = &DPoPError{Code: CodeDPoPProofRefused, Err: cause}
	if !errors.Is(err, ErrDPoP) || !errors.Is(err, cause) || errors.Is(err, ErrNoSession) {
		t.Fatalf("matching %v", err)
	}
}

// covSigner is a jose.Signer that fails (err set) or yields a JWS that
// cannot be serialised.
type covSigner struct{ err error }

func (s covSigner) Sign([]byte) (*jose.JSONWebSignature, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &jose.JSONWebSignature{}, nil
}
func (covSigner) Options() jose.SignerOptions { return jose.SignerOptions{} }

func TestCovDPoPProofFailures(t *testing.T) {
	u, _ := url.Parse("https://api.example.com/x")
	for _, s := range []covSigner{{err: errors.New("hsm offline")}, {}} {
		d := &dpopState{key: &dpopKey{signer: s}, nonces: newNonceCache(2)}
		_, err := d.proof("GET", u, "tok", time.Now())
		var de *DPoPError
		if !errors.As(err, &de) || de.Code != CodeDPoPProofFailed {
			t.Fatalf("%+v: %v", s, err)
		}
		// The fetcher's transport stops on it and closes the body.
		body := &covBody{Reader: strings.NewReader("x")}
		tr := &authTransport{base: u, dpop: d, now: time.Now, next: covRT(func(*http.Request) (*http.Response, error) {
			t.Fatal("a request went without a proof")
			return nil, nil
		}), token: func(context.Context) (*AccessToken, error) { return &AccessToken{Token: "tok", TokenType: "DPoP"}, nil }}
		req, _ := http.NewRequest("POST", u.String(), body)
		if _, err := tr.RoundTrip(req); !errors.As(err, &de) || de.Code != CodeDPoPProofFailed || !body.closed.Load() {
			t.Fatalf("transport: %v closed %v", err, body.closed.Load())
		}
	}
}

func TestCovDPoPWait(t *testing.T) {
	// No delay: only a done context stops it.
	d := &dpopState{delay: time.Nanosecond}
	if err := d.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.wait(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("no delay, done: %v", err)
	}
	// A delay waits (with jitter between half and all of it)...
	d = &dpopState{delay: 20 * time.Millisecond, jitter: true}
	start := time.Now()
	if err := d.wait(context.Background()); err != nil || time.Since(start) < 10*time.Millisecond {
		t.Fatalf("jittered wait: %v after %v", err, time.Since(start))
	}
	// ... unless the request ends first.
	d = &dpopState{delay: time.Hour}
	if err := d.wait(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("long delay, done: %v", err)
	}
}

func TestCovDPoPHelpers(t *testing.T) {
	h := http.Header{"Dpop-Nonce": {"n"}}
	for _, tc := range []struct {
		status int
		body   string
		want   bool
	}{
		{400, `{"error":"use_dpop_nonce"}`, true},
		{401, `{"error":"use_dpop_nonce"}`, true},
		{500, `{"error":"use_dpop_nonce"}`, false},
		{400, `{"error":"invalid_grant"}`, false},
		{400, `not json`, false},
	} {
		if got := isTokenNonceError(tc.status, h, []byte(tc.body)); got != tc.want {
			t.Errorf("%d %s: %v", tc.status, tc.body, got)
		}
	}
	if isTokenNonceError(400, http.Header{}, []byte(`{"error":"use_dpop_nonce"}`)) {
		t.Error("a nonce error without a nonce")
	}

	// A nonce longer than the cap is not remembered.
	d := &dpopState{nonces: newNonceCache(4)}
	u, _ := url.Parse("https://api.example.com/x")
	d.learn(u, http.Header{"Dpop-Nonce": {strings.Repeat("n", maxDPoPNonceLen+1)}})
	if d.nonces.get(origin(u)) != "" {
		t.Fatal("an oversized nonce was kept")
	}

	// dpop_jkt goes to /authorize only with DPoP on.
	_, priv, _ := GenerateDPoPKey()
	on, _ := dpopTestClient(t, true, "DPoP")
	keyOnly := newTestClient(t, func(c *Config) { c.DPoP.PrivateKey = priv }) // as AUTH0_DPOP_PRIVATE_KEY alone
	none := newTestClient(t)
	if jkt := on.dpopJKT(); jkt == "" || jkt != on.dpop.key.jkt || len(jkt) != 43 {
		t.Fatalf("jkt %q", jkt)
	}
	if keyOnly.dpopJKT() != "" || none.dpopJKT() != "" {
		t.Fatal("dpop_jkt without UseDPoP")
	}
}

func TestCovDPoPKeyParsing(t *testing.T) {
	pub, priv, err := GenerateDPoPKey()
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(pub))
	pk, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: pk}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct {
		name   string
		public any
		want   string // "" accepts
	}{
		{"PEM", pub, ""},
		{"PEM with literal newlines", strings.ReplaceAll(pub, "\n", `\n`), ""},
		{"PEM bytes", []byte(pub), ""},
		{"JWK", jwk, ""},
		{"*JWK", &jwk, ""},
		{"crypto.PublicKey", pk, ""},
		{"other key", &other.PublicKey, "are not a pair"},
		{"not PEM", "garbage", "DPoP.PublicKey (AUTH0_DPOP_PUBLIC_KEY): not a PEM public key"},
		{"private PEM", priv, "DPoP.PublicKey (AUTH0_DPOP_PUBLIC_KEY): the PEM block is not an SPKI public key"},
		{"no Equal method", struct{ X int }{1}, "are not a pair"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := newDPoPKey(priv, tc.public, "")
			switch {
			case tc.want == "" && (err != nil || k.jkt == "" || k.alg != jose.ES256):
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want && !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := parsePublicKey(nil); err == nil || err.Error() != "unsupported key type" {
		t.Fatalf("nil key: %v", err)
	}
	if _, err := newDPoPKey("not a key", nil, ""); err == nil {
		t.Fatal("a bad private key was accepted")
	}

	// AUTH0_RETRY_DELAY=0 means no wait at all, not the default.
	env := map[string]string{"AUTH0_DPOP_PRIVATE_KEY": priv, "AUTH0_RETRY_DELAY": "0"}
	cfg := &Config{}
	dpopFromEnv(cfg, func(k string) string { return env[k] })
	d, err := cfg.resolveDPoP()
	if err != nil || d.delay != time.Nanosecond || d.on {
		t.Fatalf("explicit 0 ms: %+v %v", d, err)
	}
	if cfg.DPoP.PublicKey != nil {
		t.Fatal("a public key appeared")
	}
	env["AUTH0_DPOP_CLOCK_SKEW"], env["AUTH0_DPOP_CLOCK_TOLERANCE"] = "x", "y"
	cfg = &Config{}
	dpopFromEnv(cfg, func(k string) string { return env[k] })
	if _, err := cfg.resolveDPoP(); !errors.Is(err, ErrInvalidConfiguration) || !strings.Contains(err.Error(), "AUTH0_DPOP_CLOCK_SKEW") {
		t.Fatalf("bad skew: %v (the first bad variable is reported)", err)
	}
}

// covRT is a RoundTripper function.
type covRT func(*http.Request) (*http.Response, error)

func (f covRT) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// covBody is a request body that records its closing.
type covBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *covBody) Close() error { b.closed.Store(true); return nil }

// covNonceChallenge is a resource server's use_dpop_nonce answer.
func covNonceChallenge(nonce string) *http.Response {
	h := http.Header{}
	h.Set("DPoP-Nonce", nonce)
	h.Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
	return &http.Response{StatusCode: http.StatusUnauthorized, Header: h, Body: io.NopCloser(strings.NewReader("{}"))}
}

func TestCovFetcherTransport(t *testing.T) {
	_, priv, _ := GenerateDPoPKey()
	key, err := newDPoPKey(priv, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://api.example.com/v1/")
	bound := func(context.Context) (*AccessToken, error) {
		return &AccessToken{Token: "bound", TokenType: "DPoP"}, nil
	}
	newTransport := func(next covRT) *authTransport {
		return &authTransport{base: base, next: next, now: time.Now, token: bound,
			dpop: &dpopState{key: key, delay: time.Hour, nonces: newNonceCache(4)}}
	}

	t.Run("token error closes the body", func(t *testing.T) {
		tr := newTransport(nil)
		tr.token = func(context.Context) (*AccessToken, error) { return nil, ErrNoSession }
		body := &covBody{Reader: strings.NewReader("x")}
		req, _ := http.NewRequest("POST", "https://api.example.com/v1/x", body)
		if _, err := tr.RoundTrip(req); !errors.Is(err, ErrNoSession) || !body.closed.Load() {
			t.Fatalf("%v closed %v", err, body.closed.Load())
		}
	})
	t.Run("a body without GetBody is not sent twice", func(t *testing.T) {
		calls := 0
		tr := newTransport(func(r *http.Request) (*http.Response, error) { calls++; return covNonceChallenge("n1"), nil })
		req, _ := http.NewRequest("POST", "https://api.example.com/v1/x", &covBody{Reader: strings.NewReader("once")})
		resp, err := tr.RoundTrip(req)
		if err != nil || resp.StatusCode != 401 || calls != 1 {
			t.Fatalf("%v %v calls %d", resp, err, calls)
		}
		resp.Body.Close()
		if tr.dpop.nonces.get("https://api.example.com") != "n1" {
			t.Fatal("the nonce was not learned")
		}
	})
	t.Run("GetBody failure", func(t *testing.T) {
		tr := newTransport(func(r *http.Request) (*http.Response, error) { return covNonceChallenge("n1"), nil })
		tr.dpop.delay = time.Nanosecond
		req, _ := http.NewRequest("POST", "https://api.example.com/v1/x", strings.NewReader("again"))
		req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("spent") }
		if _, err := tr.RoundTrip(req); err == nil || err.Error() != "spent" {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("the request ends during the retry delay", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		tr := newTransport(func(r *http.Request) (*http.Response, error) {
			calls++
			cancel()
			return covNonceChallenge("n1"), nil
		})
		req, _ := http.NewRequestWithContext(ctx, "GET", "https://api.example.com/v1/x", nil)
		if _, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) || calls != 1 {
			t.Fatalf("%v calls %d", err, calls)
		}
	})
	t.Run("transport error", func(t *testing.T) {
		tr := newTransport(func(r *http.Request) (*http.Response, error) { return nil, errors.New("dial refused") })
		req, _ := http.NewRequest("GET", "/relative?q=1", nil)
		if _, err := tr.RoundTrip(req); err == nil || err.Error() != "dial refused" {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("relative URL", func(t *testing.T) {
		var got *http.Request
		tr := newTransport(func(r *http.Request) (*http.Response, error) {
			got = r
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}, nil
		})
		req, _ := http.NewRequest("GET", "/items/", nil)
		req.URL = &url.URL{Path: "items/7", RawQuery: "q=1", Fragment: "f"}
		resp, err := tr.RoundTrip(req)
		if err != nil || got.URL.String() != "https://api.example.com/v1/items/7?q=1" || got.Host != "" {
			t.Fatalf("%v sent to %v host %q", err, got.URL, got.Host)
		}
		resp.Body.Close()
		if cl := verifyProof(t, got.Header.Get("DPoP")); cl.HTU != "https://api.example.com/v1/items/7" {
			t.Fatalf("htu %q", cl.HTU)
		}
	})
}

// TestCovFetcherClient: the fetcher's *http.Client does not follow
// redirects and reports a missing session; the token source too.
func TestCovFetcherClient(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	c, ctx := dpopTestClient(t, false, "Bearer")
	hc, err := c.Fetcher(ctx, FetcherOptions{BaseURL: srv.URL, Transport: srv.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(srv.URL + "/x")
	if err != nil || resp.StatusCode != http.StatusFound || hits.Load() != 1 {
		t.Fatalf("%v %v hits %d", resp, err, hits.Load())
	}
	resp.Body.Close()

	empty := c.Adapter().Bind(context.Background(), &testExchange{method: "GET", path: "/", header: http.Header{}})
	hc, err = c.Fetcher(empty, FetcherOptions{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.Get(srv.URL + "/x"); !errors.Is(err, ErrNoSession) || hits.Load() != 1 {
		t.Fatalf("no session: %v", err)
	}
	if _, err := c.TokenSource(empty, AccessTokenOptions{}).Token(); !errors.Is(err, ErrNoSession) {
		t.Fatalf("token source without a session: %v", err)
	}
	tok, err := c.TokenSource(ctx, AccessTokenOptions{}).Token()
	if err != nil || tok.AccessToken != "secret-access-token" || tok.TokenType != "Bearer" || time.Until(tok.Expiry) < 50*time.Minute {
		t.Fatalf("%+v %v", tok, err)
	}
}
