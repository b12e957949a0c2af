package auth0kit

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
	"github.com/go-jose/go-jose/v4"
)

// testOP is a minimal provider on 127.0.0.1: discovery and a JWKS with an
// RSA key ("rsa") and an EC key ("ec"), counting JWKS fetches.
type testOP struct {
	srv   *httptest.Server
	rsa   *rsa.PrivateKey
	ec    *ecdsa.PrivateKey
	jwks  atomic.Int64
	disc  atomic.Int64
	extra []jose.JSONWebKey // served too, when set
	down  atomic.Bool       // the JWKS answers 503
}

func newTestOP(t *testing.T) *testOP {
	t.Helper()
	op := &testOP{}
	var err error
	if op.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if op.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		op.disc.Add(1)
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": op.srv.URL + "/", "authorization_endpoint": op.srv.URL + "/authorize",
			"token_endpoint": op.srv.URL + "/token", "jwks_uri": op.srv.URL + "/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256", "RS384", "ES256", "PS256"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		op.jwks.Add(1)
		if op.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		keys := []jose.JSONWebKey{{Key: op.rsa.Public(), KeyID: "rsa", Use: "sig"}, {Key: op.ec.Public(), KeyID: "ec", Use: "sig"}}
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: append(keys, op.extra...)})
	})
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	return op
}

func (op *testOP) issuer() string { return op.srv.URL + "/" }

// sign returns a compact JWS of claims with alg, kid and typ headers.
func (op *testOP) sign(t *testing.T, alg jose.SignatureAlgorithm, kid, typ string, claims map[string]any) string {
	t.Helper()
	var key crypto.Signer = op.rsa
	if strings.HasPrefix(string(alg), "ES") {
		key = op.ec
	}
	opts := (&jose.SignerOptions{}).WithHeader("kid", kid)
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func newOPClient(t *testing.T, op *testOP, now func() time.Time, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithDomain(op.issuer()), WithClientID("client-1"), WithClientSecret("s"),
		WithSecret(strings.Repeat("k", 32)), WithAppBaseURL("http://127.0.0.1:1"), WithTuning(Tuning{Clock: now}),
		WithSessionStore(sessionstore.NewMemory())}
	c, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestKeySetFetchLimiter: forged tokens with unknown kids or bad signatures
// refetch the JWKS at most once per cooldown; a bad signature under a known
// kid never refetches; after the cooldown an unknown kid refetches once.
func TestKeySetFetchLimiter(t *testing.T) {
	op := newTestOP(t)
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	c := newOPClient(t, op, clock)
	ctx := context.Background()
	p, err := c.discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{"iss": op.issuer(), "aud": "client-1", "sub": "u", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	good := op.sign(t, jose.RS256, "rsa", "JWT", claims)
	if _, err := c.verifyIDToken(ctx, p, good, idTokenChecks{}); err != nil {
		t.Fatalf("good token refused: %v", err)
	}
	if n := op.jwks.Load(); n != 1 {
		t.Fatalf("first verification: %d JWKS fetches, want 1", n)
	}
	badSig := good[:len(good)-4] + "AAAA"
	for i := range 200 {
		forged := op.sign(t, jose.RS256, "unknown-"+string(rune('a'+i%26)), "JWT", claims)
		for _, raw := range []string{forged, badSig} {
			if _, err := c.verifyIDToken(ctx, p, raw, idTokenChecks{}); !errors.Is(err, ErrIDTokenInvalid) {
				t.Fatalf("forged token: err = %v", err)
			}
		}
	}
	if n := op.jwks.Load(); n != 1 {
		t.Fatalf("400 forged tokens within the cooldown caused %d fetches, want 1 in total", n)
	}
	now = now.Add(keyFetchCooldown + time.Second)
	for range 50 {
		c.verifyIDToken(ctx, p, op.sign(t, jose.RS256, "rotated", "JWT", claims), idTokenChecks{})
		c.verifyIDToken(ctx, p, badSig, idTokenChecks{})
	}
	if n := op.jwks.Load(); n != 2 {
		t.Fatalf("after the cooldown: %d fetches, want 2", n)
	}
}

// TestVerifyIDTokenChecks covers nbf, typ, aud and the pinned alg.
func TestVerifyIDTokenChecks(t *testing.T) {
	op := newTestOP(t)
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	base := func() map[string]any {
		return map[string]any{"iss": op.issuer(), "aud": "client-1", "sub": "u", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	}
	with := func(k string, v any) map[string]any { m := base(); m[k] = v; return m }
	tests := []struct {
		name   string
		alg    jose.SignatureAlgorithm
		kid    string
		typ    string
		claims map[string]any
		opts   []Option
		ok     bool
	}{
		{"valid", jose.RS256, "rsa", "JWT", base(), nil, true},
		{"no typ", jose.RS256, "rsa", "", base(), nil, true},
		{"nbf now", jose.RS256, "rsa", "JWT", with("nbf", now.Unix()), nil, true},
		{"nbf within tolerance", jose.RS256, "rsa", "JWT", with("nbf", now.Add(20*time.Second).Unix()), nil, true},
		{"nbf in the future", jose.RS256, "rsa", "JWT", with("nbf", now.Add(time.Minute).Unix()), nil, false},
		{"typ at+jwt", jose.RS256, "rsa", "at+jwt", base(), nil, false},
		{"typ application/at+JWT", jose.RS256, "rsa", "application/at+JWT", base(), nil, false},
		{"aud list of client only", jose.RS256, "rsa", "JWT", with("aud", []string{"client-1"}), nil, true},
		{"aud with untrusted extra and azp", jose.RS256, "rsa", "JWT", func() map[string]any {
			m := with("aud", []string{"client-1", "https://api.example"})
			m["azp"] = "client-1"
			return m
		}(), nil, false},
		{"advertised RS384 not pinned", jose.RS384, "rsa", "JWT", base(), nil, false},
		{"advertised ES256 not pinned", jose.ES256, "ec", "JWT", base(), nil, false},
		{"ES256 when pinned", jose.ES256, "ec", "JWT", base(), []Option{WithTuning(Tuning{IDTokenSigningAlg: "ES256"})}, true},
		{"RS256 when ES256 pinned", jose.RS256, "rsa", "JWT", base(), []Option{WithTuning(Tuning{IDTokenSigningAlg: "ES256"})}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newOPClient(t, op, clock, tt.opts...)
			p, err := c.discover(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.verifyIDToken(context.Background(), p, op.sign(t, tt.alg, tt.kid, tt.typ, tt.claims), idTokenChecks{})
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrIDTokenInvalid) {
				t.Fatalf("err = %v, want ErrIDTokenInvalid", err)
			}
		})
	}
}

// TestIDTokenSigningAlgOption refuses symmetric and unknown algorithms.
func TestIDTokenSigningAlgOption(t *testing.T) {
	op := newTestOP(t)
	for alg, ok := range map[string]bool{"RS256": true, "PS256": true, "EdDSA": true, "HS256": false, "none": false, "rs256": false} {
		_, err := New(WithDomain(op.issuer()), WithClientID("c"), WithClientSecret("s"),
			WithSecret(strings.Repeat("k", 32)), WithAppBaseURL("http://127.0.0.1:1"), WithTuning(Tuning{IDTokenSigningAlg: alg}))
		if (err == nil) != ok {
			t.Errorf("alg %s: err = %v", alg, err)
		}
	}
}

// TestLogoutTokenPrechecks: logout tokens that could never be valid (wrong
// iss, aud, events, alg or typ) are refused before any discovery or JWKS
// request; a well-formed one signed with a non-pinned alg is refused after.
func TestLogoutTokenPrechecks(t *testing.T) {
	op := newTestOP(t)
	now := time.Now()
	claims := func(k string, v any) map[string]any {
		m := map[string]any{"iss": op.issuer(), "aud": "client-1", "sub": "u", "iat": now.Unix(),
			"exp": now.Add(time.Minute).Unix(), "jti": "j1",
			"events": map[string]any{backchannelEvent: map[string]any{}}}
		if k != "" {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name    string
		alg     jose.SignatureAlgorithm
		typ     string
		claims  map[string]any
		network bool // the token passes the prechecks
	}{
		{"wrong iss", jose.RS256, "logout+jwt", claims("iss", "https://evil.example/"), false},
		{"wrong aud", jose.RS256, "logout+jwt", claims("aud", "other"), false},
		{"aud list without client", jose.RS256, "logout+jwt", claims("aud", []string{"a", "b"}), false},
		{"no events", jose.RS256, "logout+jwt", claims("events", nil), false},
		{"event not an object", jose.RS256, "logout+jwt", claims("events", map[string]any{backchannelEvent: "x"}), false},
		{"alg RS384", jose.RS384, "logout+jwt", claims("", nil), false},
		{"alg ES256", jose.ES256, "logout+jwt", claims("", nil), false},
		{"typ at+jwt", jose.RS256, "at+jwt", claims("", nil), false},
		{"valid looking, unknown kid", jose.RS256, "logout+jwt", claims("", nil), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newOPClient(t, op, time.Now)
			d0, j0 := op.disc.Load(), op.jwks.Load()
			kid := "rsa"
			if tt.network {
				kid = "unknown"
			}
			if tt.alg == jose.ES256 {
				kid = "ec"
			}
			err := c.HandleBackchannelLogout(context.Background(), op.sign(t, tt.alg, kid, tt.typ, tt.claims))
			if !errors.Is(err, ErrBackchannelLogout) {
				t.Fatalf("err = %v, want ErrBackchannelLogout", err)
			}
			calls := op.disc.Load() - d0 + op.jwks.Load() - j0
			if !tt.network && calls != 0 {
				t.Fatalf("refused token made %d provider requests, want 0", calls)
			}
		})
	}
}

// TestReplayCacheSharedByInstances: two clients sharing a store (two
// instances of one app) refuse a logout token the other accepted.
func TestReplayCacheSharedByInstances(t *testing.T) {
	op := newTestOP(t)
	store := sessionstore.NewMemory()
	a := newOPClient(t, op, time.Now, WithSessionStore(store))
	b := newOPClient(t, op, time.Now, WithSessionStore(store))
	now := time.Now()
	tok := op.sign(t, jose.RS256, "rsa", "logout+jwt", map[string]any{"iss": op.issuer(), "aud": "client-1",
		"sub": "u", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "shared-jti",
		"events": map[string]any{backchannelEvent: map[string]any{}}})
	if err := a.HandleBackchannelLogout(context.Background(), tok); err != nil {
		t.Fatalf("first delivery: %v", err)
	}
	if err := b.HandleBackchannelLogout(context.Background(), tok); !errors.Is(err, ErrBackchannelLogout) {
		t.Fatalf("replay at the other instance: err = %v, want ErrBackchannelLogout", err)
	}
}

// TestKeySetRetriesFailedFirstFetch: while no fetch has succeeded, the
// JWKS is retried after a second, not after the whole cooldown.
func TestKeySetRetriesFailedFirstFetch(t *testing.T) {
	op := newTestOP(t)
	now := time.Unix(1_800_000_000, 0)
	c := newOPClient(t, op, func() time.Time { return now })
	ctx := context.Background()
	p, err := c.discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tok := op.sign(t, jose.RS256, "rsa", "JWT", map[string]any{"iss": op.issuer(), "aud": "client-1", "sub": "u",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	op.down.Store(true)
	for range 10 {
		if _, err := c.verifyIDToken(ctx, p, tok, idTokenChecks{}); err == nil {
			t.Fatal("verified without keys")
		}
	}
	if n := op.jwks.Load(); n != 1 {
		t.Fatalf("%d fetches during the outage, want 1", n)
	}
	op.down.Store(false)
	now = now.Add(failedFetchRetry)
	if _, err := c.verifyIDToken(ctx, p, tok, idTokenChecks{}); err != nil {
		t.Fatalf("after the provider recovered: %v", err)
	}
}
