package auth0kit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func testRSAKeyPEM(t testing.TB) (*rsa.PrivateKey, string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return k, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestResolveClientAuth(t *testing.T) {
	rsaKey, rsaPEM := testRSAKeyPEM(t)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecJWK, _ := json.Marshal(jose.JSONWebKey{Key: ecKey})
	cases := []struct {
		name   string
		cfg    Config
		method ClientAuthMethod
		field  string // "" means valid
	}{
		{name: "secret means post", cfg: Config{ClientSecret: "s"}, method: ClientSecretPost},
		{name: "explicit basic", cfg: Config{ClientSecret: "s", TokenEndpointAuthMethod: ClientSecretBasic}, method: ClientSecretBasic},
		{name: "key means private_key_jwt", cfg: Config{ClientSecret: "s", ClientAssertionSigningKey: rsaPEM}, method: PrivateKeyJWT},
		{name: "PEM with escaped newlines", cfg: Config{ClientAssertionSigningKey: strings.ReplaceAll(rsaPEM, "\n", `\n`)}, method: PrivateKeyJWT},
		{name: "crypto.Signer PS256", cfg: Config{ClientAssertionSigningKey: rsaKey, ClientAssertionSigningAlg: "PS256"}, method: PrivateKeyJWT},
		{name: "EC JWK", cfg: Config{ClientAssertionSigningKey: string(ecJWK)}, method: PrivateKeyJWT},
		{name: "injected transport for mTLS", cfg: Config{TokenEndpointAuthMethod: TLSClientAuth, HTTPClient: &http.Client{}}, method: TLSClientAuth},
		{name: "nothing", cfg: Config{}, field: "client authentication"},
		{name: "basic without secret", cfg: Config{TokenEndpointAuthMethod: ClientSecretBasic}, field: "TokenEndpointAuthMethod"},
		{name: "private_key_jwt without key", cfg: Config{ClientSecret: "s", TokenEndpointAuthMethod: PrivateKeyJWT}, field: "TokenEndpointAuthMethod"},
		{name: "mTLS without certificate", cfg: Config{ClientSecret: "s", TokenEndpointAuthMethod: SelfSignedTLSClientAuth}, field: "TokenEndpointAuthMethod"},
		{name: "unknown method", cfg: Config{ClientSecret: "s", TokenEndpointAuthMethod: "none"}, field: "TokenEndpointAuthMethod"},
		{name: "garbage key", cfg: Config{ClientAssertionSigningKey: "not a key"}, field: "ClientAssertionSigningKey"},
		{name: "RSA key with ES256", cfg: Config{ClientAssertionSigningKey: rsaKey, ClientAssertionSigningAlg: "ES256"}, field: "ClientAssertionSigningKey"},
		{name: "EC key with RS256", cfg: Config{ClientAssertionSigningKey: ecKey, ClientAssertionSigningAlg: "RS256"}, field: "ClientAssertionSigningKey"},
		{name: "public key", cfg: Config{ClientAssertionSigningKey: &jose.JSONWebKey{Key: &ecKey.PublicKey}}, field: "ClientAssertionSigningKey"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.ClientID = "cid"
			a, err := tc.cfg.resolveClientAuth()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if a.method != tc.method {
					t.Fatalf("method = %s, want %s", a.method, tc.method)
				}
				return
			}
			var ice *InvalidConfigurationError
			if !errors.As(err, &ice) || !strings.Contains(ice.Field, tc.field) {
				t.Fatalf("err = %v, want a configuration error naming %s", err, tc.field)
			}
		})
	}
}

func TestClientAuthEnv(t *testing.T) {
	_, keyPEM := testRSAKeyPEM(t)
	env := map[string]string{
		"AUTH0_CLIENT_ASSERTION_SIGNING_KEY": keyPEM, "AUTH0_CLIENT_ASSERTION_SIGNING_ALG": "PS256",
		"AUTH0_PUSHED_AUTHORIZATION_REQUESTS": "true", "AUTH0_CLIENT_ID": "cid",
	}
	c := defaultConfig(func(k string) string { return env[k] })
	a, err := c.resolveClientAuth()
	if err != nil || a.method != PrivateKeyJWT || !c.PushedAuthorizationRequests {
		t.Fatalf("method %v, PAR %v, err %v", a, c.PushedAuthorizationRequests, err)
	}
	env = map[string]string{"AUTH0_CLIENT_CERTIFICATE": "junk", "AUTH0_CLIENT_CERTIFICATE_KEY": "junk"}
	c = defaultConfig(func(k string) string { return env[k] })
	if _, err := c.resolveClientAuth(); !errors.Is(err, ErrInvalidConfiguration) {
		t.Fatalf("a bad certificate was accepted: %v", err)
	}
}

// TestClientAssertion verifies the assertion with go-jose, as a provider
// would.
func TestClientAssertion(t *testing.T) {
	key, _ := testRSAKeyPEM(t)
	cfg := Config{ClientID: "cid", ClientAssertionSigningKey: key, ClientAssertionSigningAlg: "PS256"}
	a, err := cfg.resolveClientAuth()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	form, h := url.Values{}, http.Header{}
	if err := a.apply(h, form, "https://tenant.example.com/", now); err != nil {
		t.Fatal(err)
	}
	if form.Get("client_assertion_type") != clientAssertionType || form.Get("client_id") != "cid" || form.Has("client_secret") {
		t.Fatalf("form = %v", form)
	}
	tok, err := jwt.ParseSigned(form.Get("client_assertion"), []jose.SignatureAlgorithm{jose.PS256})
	if err != nil {
		t.Fatal(err)
	}
	var cl jwt.Claims
	if err := tok.Claims(&key.PublicKey, &cl); err != nil {
		t.Fatal(err)
	}
	if err := cl.ValidateWithLeeway(jwt.Expected{Issuer: "cid", Subject: "cid", AnyAudience: jwt.Audience{"https://tenant.example.com/"}, Time: now}, 0); err != nil {
		t.Fatal(err)
	}
	if cl.ID == "" || cl.Expiry.Time().Sub(now) > time.Minute+time.Second {
		t.Fatalf("jti %q exp %v", cl.ID, cl.Expiry.Time())
	}
	form2 := url.Values{}
	_ = a.apply(h, form2, "https://tenant.example.com/", now)
	if form2.Get("client_assertion") == form.Get("client_assertion") {
		t.Fatal("two assertions are identical (jti reused)")
	}
}

func TestClientSecretBasic(t *testing.T) {
	a := &clientAuth{method: ClientSecretBasic, clientID: "c id", secret: "s:e%cret"}
	form, h := url.Values{"client_secret": {"x"}}, http.Header{}
	_ = a.apply(h, form, "", time.Now())
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(h.Get("Authorization"), "Basic "))
	if string(raw) != "c+id:s%3Ae%25cret" || form.Has("client_secret") || form.Has("client_id") {
		t.Fatalf("basic = %q, form = %v", raw, form)
	}
}

func TestClientAuthMethodUnsupported(t *testing.T) {
	a := &clientAuth{method: PrivateKeyJWT}
	err := a.checkSupported([]string{"client_secret_post", "client_secret_basic"})
	if !errors.Is(err, ErrClientAuthMethodUnsupported) || !errors.Is(err, ErrInvalidConfiguration) ||
		!strings.Contains(err.Error(), "private_key_jwt") || !strings.Contains(err.Error(), "client_secret_basic") {
		t.Fatalf("err = %v", err)
	}
	if a.checkSupported(nil) != nil || a.checkSupported([]string{"private_key_jwt"}) != nil {
		t.Fatal("supported method refused")
	}
}

func BenchmarkClientAssertion(b *testing.B) {
	key, _ := testRSAKeyPEM(b)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, k := range []struct {
		name string
		key  any
		alg  string
	}{{"RS256", key, "RS256"}, {"PS256", key, "PS256"}, {"ES256", ec, "ES256"}} {
		b.Run(k.name, func(b *testing.B) {
			cfg := Config{ClientID: "cid", ClientAssertionSigningKey: k.key, ClientAssertionSigningAlg: k.alg}
			a, err := cfg.resolveClientAuth()
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.assertion("https://tenant.example.com/", now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type otherTransport struct{}

func (otherTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, errors.New("no") }

func TestWithClientCertificate(t *testing.T) {
	cert := &tls.Certificate{Certificate: [][]byte{{1, 2, 3}}}
	base := &http.Client{Timeout: time.Second}
	hc, err := withClientCertificate(base, cert)
	if err != nil {
		t.Fatal(err)
	}
	tr := hc.Transport.(*http.Transport)
	got, _ := tr.TLSClientConfig.GetClientCertificate(&tls.CertificateRequestInfo{AcceptableCAs: [][]byte{[]byte("some CA")}})
	if got == nil || string(got.Certificate[0]) != "\x01\x02\x03" || hc.Timeout != time.Second || base.Transport != nil {
		t.Fatalf("certificate %v, client %+v", got, hc)
	}
	if _, err := withClientCertificate(&http.Client{Transport: otherTransport{}}, cert); !errors.Is(err, ErrInvalidConfiguration) {
		t.Fatalf("a foreign transport was accepted: %v", err)
	}
}

func TestEndpointForMTLSAliases(t *testing.T) {
	p := &provider{meta: Metadata{TokenEndpoint: "https://t/oauth/token", RevocationEndpoint: "https://t/oauth/revoke",
		PAREndpoint: "https://t/oauth/par", BackchannelEndpoint: "https://t/bc-authorize",
		MTLSEndpointAliases: map[string]string{"token_endpoint": "https://mtls.t/oauth/token",
			"pushed_authorization_request_endpoint": "https://mtls.t/oauth/par"}}}
	cases := []struct {
		method         ClientAuthMethod
		endpoint, want string
	}{
		{TLSClientAuth, "https://t/oauth/token", "https://mtls.t/oauth/token"},
		{SelfSignedTLSClientAuth, "https://t/oauth/par", "https://mtls.t/oauth/par"},
		{TLSClientAuth, "https://t/oauth/revoke", "https://t/oauth/revoke"}, // no alias published
		{PrivateKeyJWT, "https://t/oauth/token", "https://t/oauth/token"},   // not mTLS
		{ClientSecretPost, "https://t/oauth/par", "https://t/oauth/par"},
	}
	for _, tc := range cases {
		c := &Client{auth: &clientAuth{method: tc.method}}
		if got := c.endpointFor(p, tc.endpoint); got != tc.want {
			t.Errorf("%s %s = %s, want %s", tc.method, tc.endpoint, got, tc.want)
		}
	}
}
