package auth0kit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
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
	"golang.org/x/oauth2"
)

func pemPKCS8(t testing.TB, k any) string {
	t.Helper()
	b, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b}))
}

func pemSPKI(t testing.TB, k any) string {
	t.Helper()
	b, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: b}))
}

func TestDPoPKeyConfig(t *testing.T) {
	pub, priv, err := GenerateDPoPKey()
	if err != nil {
		t.Fatal(err)
	}
	otherPub, _, _ := GenerateDPoPKey()
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	cases := []struct {
		name string
		opts []Option
		want string // "" accepts
	}{
		{"off without key", nil, ""},
		{"on without key", []Option{WithDPoP(DPoPOptions{})}, "no key pair is configured"},
		{"ES256 pair", []Option{WithDPoP(DPoPOptions{}), WithDPoP(DPoPOptions{PrivateKey: priv, PublicKey: pub})}, ""},
		{"private only", []Option{WithDPoP(DPoPOptions{}), WithDPoP(DPoPOptions{PrivateKey: priv})}, ""},
		{"public only", []Option{WithDPoP(DPoPOptions{}), WithDPoP(DPoPOptions{PublicKey: pub})}, "without its private key"},
		{"not a pair", []Option{WithDPoP(DPoPOptions{}), WithDPoP(DPoPOptions{PrivateKey: priv, PublicKey: otherPub})}, "are not a pair"},
		{"wrong curve", []Option{WithDPoP(DPoPOptions{}), WithDPoP(DPoPOptions{PrivateKey: pemPKCS8(t, p384)})}, "P-256"},
		{"RS256", []Option{WithDPoP(DPoPOptions{}), WithDPoP(DPoPOptions{PrivateKey: rsaKey, PublicKey: pemSPKI(t, &rsaKey.PublicKey)})}, ""},
		{"PS256", []Option{WithDPoP(DPoPOptions{}), WithDPoP(DPoPOptions{PrivateKey: pemPKCS8(t, rsaKey), SigningAlg: "PS256"})}, ""},
		{"RSA with ES256", []Option{WithDPoP(DPoPOptions{}), WithDPoP(DPoPOptions{PrivateKey: rsaKey, SigningAlg: "ES256"})}, "RS256 or PS256"},
		{"garbage", []Option{WithDPoP(DPoPOptions{}), WithDPoP(DPoPOptions{PrivateKey: "not a key"})}, "not a PEM"},
		{"negative delay", []Option{WithDPoP(DPoPOptions{RetryDelay: -time.Second})}, "must not be negative"},
		{"huge tolerance", []Option{WithDPoP(DPoPOptions{ClockTolerance: time.Hour})}, "between 0 and 300"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(append([]Option{
				WithDomain("https://tenant.example.com"), WithClientID("cid"), WithClientSecret("cs"),
				WithSecret(guardSecret), WithAppBaseURL("https://app.example.com")}, tc.opts...)...)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			case tc.want != "" && !errors.Is(err, ErrInvalidConfiguration):
				t.Fatalf("err %v is not ErrInvalidConfiguration", err)
			}
		})
	}
}

func TestDPoPEnv(t *testing.T) {
	pub, priv, _ := GenerateDPoPKey()
	env := map[string]string{"AUTH0_USE_DPOP": "true", "AUTH0_DPOP_PUBLIC_KEY": strings.ReplaceAll(pub, "\n", `\n`),
		"AUTH0_DPOP_PRIVATE_KEY": priv, "AUTH0_DOMAIN": "tenant.example.com", "AUTH0_CLIENT_ID": "c", "AUTH0_CLIENT_SECRET": "s",
		"AUTH0_SECRET": guardSecret}
	cfg := defaultConfig(func(k string) string { return env[k] })
	d, err := cfg.resolveDPoP()
	if err != nil || d == nil || !d.on {
		t.Fatalf("env DPoP: %v %v", d, err)
	}
	if d.tolerance != 30*time.Second || d.delay != 100*time.Millisecond || !d.jitter || d.skew != 0 {
		t.Fatalf("defaults: tolerance %v delay %v jitter %v skew %v", d.tolerance, d.delay, d.jitter, d.skew)
	}
	env["AUTH0_DPOP_CLOCK_SKEW"], env["AUTH0_DPOP_CLOCK_TOLERANCE"], env["AUTH0_RETRY_DELAY"], env["AUTH0_RETRY_JITTER"] = "-5", "60", "250", "false"
	cfg = defaultConfig(func(k string) string { return env[k] })
	if d, err = cfg.resolveDPoP(); err != nil || d.skew != -5*time.Second || d.tolerance != time.Minute || d.delay != 250*time.Millisecond || d.jitter {
		t.Fatalf("env values: %+v %v", d, err)
	}
	env["AUTH0_RETRY_DELAY"] = "soon"
	cfg = defaultConfig(func(k string) string { return env[k] })
	if _, err = cfg.resolveDPoP(); err == nil || !strings.Contains(err.Error(), "AUTH0_RETRY_DELAY") {
		t.Fatalf("bad AUTH0_RETRY_DELAY: %v", err)
	}
}

// dpopTestClient is a client with DPoP on and a session holding a valid
// access token of tokenType; it returns the bound context.
func dpopTestClient(t testing.TB, dpopOn bool, tokenType string, opts ...Option) (*Client, context.Context) {
	t.Helper()
	var o []Option
	if dpopOn {
		_, priv, _ := GenerateDPoPKey()
		o = append(o, WithDPoP(DPoPOptions{}), WithDPoP(DPoPOptions{PrivateKey: priv}), WithDPoP(DPoPOptions{RetryDelay: time.Nanosecond}))
	}
	c := newTestClient(t, append(o, opts...)...)
	v, err := GenerateSessionCookie(&Session{User: User{Sub: "u1"}, TokenSet: TokenSet{
		AccessToken: "secret-access-token", TokenType: tokenType, ExpiresAt: time.Now().Add(time.Hour).Unix(), Scope: "openid"}}, guardSecret)
	if err != nil {
		t.Fatal(err)
	}
	ex := &testExchange{method: "GET", path: "/", header: http.Header{}, cookies: []*http.Cookie{{Name: "__session", Value: v}}}
	return c, c.Adapter().Bind(context.Background(), ex)
}

// verifyProof checks a proof with go-jose and returns its claims.
func verifyProof(t *testing.T, proof string) dpopClaims {
	t.Helper()
	jws, err := jose.ParseSignedCompact(proof, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "dpop+jwt" || h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() {
		t.Fatalf("header typ %v jwk %v", typ, h.JSONWebKey)
	}
	payload, err := jws.Verify(h.JSONWebKey)
	if err != nil {
		t.Fatal(err)
	}
	var cl dpopClaims
	if err := json.Unmarshal(payload, &cl); err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestFetcher(t *testing.T) {
	var calls atomic.Int32
	var mode atomic.Value
	mode.Store("ok")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		auth := r.Header.Get("Authorization")
		switch mode.Load() {
		case "nonce-once":
			if n == 1 {
				w.Header().Set("DPoP-Nonce", "n1")
				w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
				w.WriteHeader(401)
				return
			}
		case "nonce-always":
			w.Header().Set("DPoP-Nonce", "n"+string(rune('0'+n)))
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.WriteHeader(401)
			return
		case "refused":
			w.Header().Set("WWW-Authenticate", `DPoP error="invalid_dpop_proof"`)
			w.WriteHeader(401)
			return
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.NewEncoder(w).Encode(map[string]string{"auth": auth, "dpop": r.Header.Get("DPoP"),
			"url": r.URL.String(), "body": string(body)})
	}))
	defer srv.Close()
	type answer struct{ Auth, DPoP, URL, Body string }
	get := func(t *testing.T, hc *http.Client, method, target, body string) (answer, error) {
		t.Helper()
		req, _ := http.NewRequest(method, target, strings.NewReader(body))
		resp, err := hc.Do(req)
		if err != nil {
			return answer{}, err
		}
		defer resp.Body.Close()
		var a answer
		_ = json.NewDecoder(resp.Body).Decode(&a)
		return a, nil
	}

	t.Run("bearer", func(t *testing.T) {
		c, ctx := dpopTestClient(t, false, "Bearer")
		hc, err := c.Fetcher(ctx, FetcherOptions{BaseURL: srv.URL + "/api/"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := get(t, hc, "GET", "/items?x=1", "")
		if err != nil || a.Auth != "Bearer secret-access-token" || a.DPoP != "" || a.URL != "/api/items?x=1" {
			t.Fatalf("%+v %v", a, err)
		}
	})
	t.Run("dpop proof", func(t *testing.T) {
		mode.Store("ok")
		c, ctx := dpopTestClient(t, true, "DPoP")
		hc, _ := c.Fetcher(ctx, FetcherOptions{BaseURL: srv.URL})
		a, err := get(t, hc, "POST", srv.URL+"/x?q=1#f", "payload")
		if err != nil || a.Auth != "DPoP secret-access-token" || a.Body != "payload" {
			t.Fatalf("%+v %v", a, err)
		}
		cl := verifyProof(t, a.DPoP)
		sum := sha256.Sum256([]byte("secret-access-token"))
		if cl.HTM != "POST" || cl.HTU != srv.URL+"/x" || cl.ATH != base64.RawURLEncoding.EncodeToString(sum[:]) ||
			cl.JTI == "" || time.Since(time.Unix(cl.IAT, 0)).Abs() > 5*time.Second {
			t.Fatalf("claims %+v", cl)
		}
	})
	t.Run("nonce retry resends the body", func(t *testing.T) {
		mode.Store("nonce-once")
		calls.Store(0)
		c, ctx := dpopTestClient(t, true, "DPoP")
		hc, _ := c.Fetcher(ctx, FetcherOptions{BaseURL: srv.URL})
		a, err := get(t, hc, "PUT", srv.URL+"/x", "again")
		if err != nil || calls.Load() != 2 || a.Body != "again" || verifyProof(t, a.DPoP).Nonce != "n1" {
			t.Fatalf("%+v %v calls %d", a, err, calls.Load())
		}
	})
	t.Run("nonce retry exhausted", func(t *testing.T) {
		mode.Store("nonce-always")
		calls.Store(0)
		c, ctx := dpopTestClient(t, true, "DPoP")
		hc, _ := c.Fetcher(ctx, FetcherOptions{BaseURL: srv.URL})
		_, err := get(t, hc, "GET", srv.URL+"/x", "")
		var de *DPoPError
		if !errors.As(err, &de) || de.Code != CodeDPoPNonceRetryExhausted || calls.Load() != 2 {
			t.Fatalf("err %v, calls %d", err, calls.Load())
		}
	})
	t.Run("refused proof", func(t *testing.T) {
		mode.Store("refused")
		c, ctx := dpopTestClient(t, true, "DPoP")
		hc, _ := c.Fetcher(ctx, FetcherOptions{BaseURL: srv.URL})
		_, err := get(t, hc, "GET", srv.URL+"/x", "")
		var de *DPoPError
		if !errors.As(err, &de) || de.Code != CodeDPoPProofRefused || strings.Contains(err.Error(), "secret-access-token") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("foreign origin", func(t *testing.T) {
		mode.Store("ok")
		calls.Store(0)
		c, ctx := dpopTestClient(t, false, "Bearer")
		hc, _ := c.Fetcher(ctx, FetcherOptions{BaseURL: "https://api.example.com"})
		for _, target := range []string{srv.URL + "/x", "http://api.example.com/x", "https://api.example.com.evil.test/x"} {
			_, err := get(t, hc, "GET", target, "")
			if !errors.Is(err, ErrForeignOrigin) || strings.Contains(err.Error(), "secret-access-token") {
				t.Fatalf("%s: err %v", target, err)
			}
		}
		if calls.Load() != 0 {
			t.Fatal("the server was called")
		}
	})
	t.Run("bound token never bearer", func(t *testing.T) {
		c, ctx := dpopTestClient(t, true, "dpop")
		hc, _ := c.Fetcher(ctx, FetcherOptions{BaseURL: srv.URL, DPoP: new(false)})
		_, err := get(t, hc, "GET", srv.URL+"/x", "")
		var de *DPoPError
		if !errors.As(err, &de) || de.Code != CodeDPoPBoundToken {
			t.Fatalf("err %v", err)
		}
		if _, err := c.TokenSource(ctx, AccessTokenOptions{}).Token(); !errors.As(err, &de) {
			t.Fatalf("TokenSource gave a DPoP-bound token: %v", err)
		}
	})
	t.Run("missing key", func(t *testing.T) {
		c, ctx := dpopTestClient(t, false, "Bearer")
		_, err := c.Fetcher(ctx, FetcherOptions{BaseURL: srv.URL, DPoP: new(true)})
		var de *DPoPError
		if !errors.As(err, &de) || de.Code != CodeDPoPConfiguration {
			t.Fatalf("err %v", err)
		}
		if _, err := c.Fetcher(ctx, FetcherOptions{BaseURL: "ftp://x"}); !errors.Is(err, ErrInvalidConfiguration) {
			t.Fatalf("bad base URL: %v", err)
		}
	})
	t.Run("token source", func(t *testing.T) {
		mode.Store("ok")
		c, ctx := dpopTestClient(t, false, "Bearer")
		hc := oauth2.NewClient(context.Background(), c.TokenSource(ctx, AccessTokenOptions{}))
		a, err := get(t, hc, "GET", srv.URL+"/x", "")
		if err != nil || a.Auth != "Bearer secret-access-token" {
			t.Fatalf("%+v %v", a, err)
		}
	})
}

func TestDPoPNonceCacheBounded(t *testing.T) {
	n := newNonceCache(3)
	for i := range 10 {
		n.put(string(rune('a'+i)), "x")
	}
	if len(n.m) != 3 {
		t.Fatalf("%d entries", len(n.m))
	}
}

func TestHTUAndOrigin(t *testing.T) {
	for in, want := range map[string][2]string{
		"https://API.example.com:443/a/b?x=1#f": {"https://API.example.com:443/a/b", "https://api.example.com"},
		"http://127.0.0.1:8080/":                {"http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
		"http://[::1]:80/p":                     {"http://[::1]:80/p", "http://[::1]"},
	} {
		u, _ := url.Parse(in)
		if got := [2]string{htu(u), origin(u)}; got != want {
			t.Errorf("%s: %v, want %v", in, got, want)
		}
	}
}

func BenchmarkDPoPProofES256(b *testing.B) {
	c, _ := dpopTestClient(b, true, "DPoP")
	u, _ := url.Parse("https://api.example.com/orders/42?x=1")
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.dpop.proof("GET", u, "secret-access-token", now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFetcherCachedToken and BenchmarkPlainHTTPClient call the same
// loopback server: the difference is the fetcher's overhead on a cached
// Bearer token (session read, origin check, header).
func BenchmarkFetcherCachedToken(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer srv.Close()
	c, ctx := dpopTestClient(b, false, "Bearer")
	hc, err := c.Fetcher(ctx, FetcherOptions{BaseURL: srv.URL, Transport: srv.Client().Transport})
	if err != nil {
		b.Fatal(err)
	}
	benchGet(b, hc, srv.URL+"/x")
}

func BenchmarkPlainHTTPClient(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer srv.Close()
	benchGet(b, srv.Client(), srv.URL+"/x")
}

func benchGet(b *testing.B, hc *http.Client, target string) {
	b.ReportAllocs()
	for b.Loop() {
		resp, err := hc.Get(target)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// FuzzDPoPChallenge: arbitrary provider and resource server answers never
// panic the nonce detection.
func FuzzDPoPChallenge(f *testing.F) {
	f.Add(`DPoP error="use_dpop_nonce"`, `{"error":"use_dpop_nonce"}`, "n")
	f.Add("dp", "", "")
	f.Fuzz(func(t *testing.T, www, body, nonce string) {
		h := http.Header{}
		h.Set("WWW-Authenticate", www)
		h.Set("DPoP-Nonce", nonce)
		_ = isNonceChallenge(401, h)
		_ = isTokenNonceError(400, h, []byte(body))
		d := &dpopState{nonces: newNonceCache(2)}
		d.learn(&url.URL{Scheme: "https", Host: "a"}, h)
	})
}
