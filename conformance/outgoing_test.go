package conformance_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/adapter"
)

// These tests drive the outgoing-request layer (client authentication,
// PAR) through session-less APIs against the development provider.

// TestBackchannelPrivateKeyJWTDetails runs CIBA with a private_key_jwt
// client (bc-authorize and every poll carry a fresh assertion: devop
// refuses a replayed jti) and keeps the granted authorization_details in
// the session.
func TestBackchannelPrivateKeyJWTDetails(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op := devop.Start(t, devop.Options{CIBAApprovalDelay: 1200 * time.Millisecond, Clients: []devop.Client{
		{ID: "pk-client", TokenEndpointAuthMethod: "private_key_jwt", PublicKey: &key.PublicKey}}})
	c, err := auth0kit.New(auth0kit.WithDomain(op.Issuer()), auth0kit.WithClientID("pk-client"),
		auth0kit.WithClientAuth(auth0kit.ClientAuth{SigningKey: key}), auth0kit.WithSecret(apiSecret),
		auth0kit.WithAppBaseURL("http://127.0.0.1:3000"), auth0kit.WithTuning(auth0kit.Tuning{AuthorizationDetailsInSession: true}))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := op.Subject("jane.doe@example.com")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	ex := adapter.NewHTTPExchange(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/ciba", nil))
	s, err := c.LoginBackchannel(c.Adapter().Bind(context.Background(), ex), auth0kit.BackchannelOptions{
		BindingMessage: "Approve transfer", LoginHintSub: sub,
		AuthorizationDetails: []byte(`[{"type":"money_transfer","amount":"5.00"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(s.Extra["authorization_details"]), "money_transfer") {
		t.Fatalf("session authorization_details = %s", s.Extra["authorization_details"])
	}
	if op.TokenRequests("urn:openid:params:grant-type:ciba") < 2 {
		t.Error("expected at least one authorization_pending poll")
	}
}

// TestStartLoginPARNothingSecretInURL: with PAR the browser URL carries
// client_id and request_uri only, for every client authentication method.
func TestStartLoginPARNothingSecretInURL(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op := devop.Start(t, devop.Options{Clients: []devop.Client{
		{ID: "pk-client", TokenEndpointAuthMethod: "private_key_jwt", PublicKey: &key.PublicKey}}})
	c, err := auth0kit.New(auth0kit.WithDomain(op.Issuer()), auth0kit.WithClientID("pk-client"),
		auth0kit.WithClientAuth(auth0kit.ClientAuth{SigningKey: key, SigningAlg: "ES256"}), auth0kit.WithSecret(apiSecret),
		auth0kit.WithAppBaseURL("http://127.0.0.1:3000"), auth0kit.WithPushedAuthorizationRequests(true))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	ex := adapter.NewHTTPExchange(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/auth/login", nil))
	loc, err := c.StartLogin(c.Adapter().Bind(context.Background(), ex), auth0kit.LoginOptions{
		Organization: "org_acme", AuthorizationDetails: []byte(`[{"type":"account_information"}]`),
		RedirectURI: "/auth/callback"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(loc)
	if q := u.Query(); len(q) != 2 || q.Get("client_id") != "pk-client" || q.Get("request_uri") == "" {
		t.Fatalf("PAR redirect %s", loc)
	}
	// A per-call redirect_uri on another origin is refused, in either form.
	_, err = c.StartLogin(c.Adapter().Bind(context.Background(), ex), auth0kit.LoginOptions{RedirectURI: "https://evil.example/cb"})
	if auth0kit.HTTPStatus(err) != http.StatusBadRequest {
		t.Fatalf("foreign redirect_uri: %v", err)
	}
	_, err = c.StartLogin(c.Adapter().Bind(context.Background(), ex), auth0kit.LoginOptions{AuthorizationParams: map[string]string{"redirect_uri": "//evil.example/cb"}})
	if auth0kit.HTTPStatus(err) != http.StatusBadRequest {
		t.Fatalf("foreign authorizationParams.redirect_uri: %v", err)
	}
}

// TestPerCallRedirectURI: server-js's authorizationParams.redirect_uri is
// honoured (made absolute on the app's origin) and used for the exchange.
func TestPerCallRedirectURI(t *testing.T) {
	op := devop.Start(t, devop.Options{AutoLoginEmail: "jane.doe@example.com"})
	c := newAPIClient(t, op, nil)
	rec := httptest.NewRecorder()
	ex := adapter.NewHTTPExchange(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/login", nil))
	loc, err := c.StartLogin(c.Adapter().Bind(context.Background(), ex), auth0kit.LoginOptions{
		AuthorizationParams: map[string]string{"redirect_uri": "/auth/callback/other"}})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(loc)
	if got := u.Query().Get("redirect_uri"); got != "http://127.0.0.1:3000/auth/callback/other" {
		t.Fatalf("redirect_uri = %q", got)
	}
	// The provider redirects there; the callback exchanges the code with
	// the same redirect_uri (devop refuses a mismatch).
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || cb.Path != "/auth/callback/other" {
		t.Fatalf("provider redirect %q", resp.Header.Get("Location"))
	}
	req := httptest.NewRequest(http.MethodGet, cb.String(), nil)
	for _, ck := range rec.Result().Cookies() {
		req.AddCookie(ck)
	}
	s, _, err := c.CompleteLogin(c.Adapter().Bind(context.Background(), adapter.NewHTTPExchange(httptest.NewRecorder(), req)))
	if err != nil || s.User.Sub == "" {
		t.Fatalf("callback: %v", err)
	}
}

// BenchmarkStartLogin is the cost of /auth/login's work: without PAR (no
// network: discovery is cached) and with PAR (one authenticated loopback
// round trip to the development provider), for client_secret_post and
// private_key_jwt (ES256).
func BenchmarkStartLogin(b *testing.B) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op := devop.Start(b, devop.Options{Clients: []devop.Client{
		{ID: devop.DefaultClientID, Secret: devop.DefaultClientSecret},
		{ID: "pk-client", TokenEndpointAuthMethod: "private_key_jwt", PublicKey: &key.PublicKey}}})
	for _, bc := range []struct {
		name string
		opts []auth0kit.Option
	}{
		{"secret", []auth0kit.Option{auth0kit.WithClientID(devop.DefaultClientID), auth0kit.WithClientSecret(devop.DefaultClientSecret)}},
		{"secret-PAR", []auth0kit.Option{auth0kit.WithClientID(devop.DefaultClientID), auth0kit.WithClientSecret(devop.DefaultClientSecret),
			auth0kit.WithPushedAuthorizationRequests(true)}},
		{"private_key_jwt-PAR", []auth0kit.Option{auth0kit.WithClientID("pk-client"), auth0kit.WithClientAuth(auth0kit.ClientAuth{SigningKey: key, SigningAlg: "ES256"}),
			auth0kit.WithPushedAuthorizationRequests(true)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, err := auth0kit.New(append([]auth0kit.Option{auth0kit.WithDomain(op.Issuer()), auth0kit.WithSecret(apiSecret),
				auth0kit.WithAppBaseURL("http://127.0.0.1:3000")}, bc.opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/auth/login", nil)
			b.ReportAllocs()
			for b.Loop() {
				ex := adapter.NewHTTPExchange(httptest.NewRecorder(), req)
				if _, err := c.StartLogin(c.Adapter().Bind(context.Background(), ex), auth0kit.LoginOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestClientAuthFromEnvironmentOnly configures the client authentication
// only through environment variables (as the examples are) and makes an
// authenticated token request with each method.
func TestClientAuthFromEnvironmentOnly(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	op := devop.Start(t, devop.Options{Clients: []devop.Client{
		{ID: "secret-client", Secret: "s3cret-s3cret", TokenEndpointAuthMethod: "client_secret_basic"},
		{ID: "pk-client", TokenEndpointAuthMethod: "private_key_jwt", PublicKey: &rsaKey.PublicKey}}})
	cases := []struct {
		name string
		env  map[string]string
	}{
		{"client_secret_basic", map[string]string{"AUTH0_CLIENT_ID": "secret-client", "AUTH0_CLIENT_SECRET": "s3cret-s3cret",
			"AUTH0_TOKEN_ENDPOINT_AUTH_METHOD": "client_secret_basic"}},
		{"private_key_jwt PS256", map[string]string{"AUTH0_CLIENT_ID": "pk-client", "AUTH0_CLIENT_ASSERTION_SIGNING_KEY": keyPEM,
			"AUTH0_CLIENT_ASSERTION_SIGNING_ALG": "PS256", "AUTH0_PUSHED_AUTHORIZATION_REQUESTS": "true"}},
		{"private_key_jwt PEM on one line", map[string]string{"AUTH0_CLIENT_ID": "pk-client",
			"AUTH0_CLIENT_ASSERTION_SIGNING_KEY": strings.ReplaceAll(keyPEM, "\n", `\n`)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AUTH0_DOMAIN", op.Issuer())
			t.Setenv("AUTH0_SECRET", apiSecret)
			t.Setenv("APP_BASE_URL", "http://127.0.0.1:3000")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := auth0kit.New()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.CustomTokenExchange(context.Background(), auth0kit.CustomTokenExchangeOptions{
				SubjectToken: "legacy:jane.doe@example.com", SubjectTokenType: "urn:acme:legacy-token"}); err != nil {
				t.Fatal(err)
			}
			ex := adapter.NewHTTPExchange(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/auth/login", nil))
			loc, err := c.StartLogin(c.Adapter().Bind(context.Background(), ex), auth0kit.LoginOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if pushed := strings.Contains(loc, "request_uri="); pushed != (tc.env["AUTH0_PUSHED_AUTHORIZATION_REQUESTS"] == "true") {
				t.Fatalf("login URL %s", loc)
			}
		})
	}
}

// TestMFAPrivateKeyJWT runs MFA step-up (token exchange, challenge with
// the assertion in the JSON body, verify) with a private_key_jwt client.
func TestMFAPrivateKeyJWT(t *testing.T) {
	const api = "https://api2.example.com/"
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op := devop.Start(t, devop.Options{MFAAudiences: []string{api}, Clients: []devop.Client{
		{ID: "pk-client", TokenEndpointAuthMethod: "private_key_jwt", PublicKey: &key.PublicKey}}})
	c, err := auth0kit.New(auth0kit.WithDomain(op.Issuer()), auth0kit.WithClientID("pk-client"),
		auth0kit.WithClientAuth(auth0kit.ClientAuth{SigningKey: key}), auth0kit.WithSecret(apiSecret),
		auth0kit.WithAppBaseURL("http://127.0.0.1:3000"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mfa := mfaStepUp(t, c, api)
	if _, err := c.MFA().Enroll(ctx, auth0kit.EnrollOptions{MfaToken: mfa.MfaToken, FactorType: "otp"}); err != nil {
		t.Fatal(err)
	}
	auths, err := c.MFA().GetAuthenticators(ctx, mfa.MfaToken)
	if err != nil || len(auths) == 0 {
		t.Fatalf("authenticators: %v %v", auths, err)
	}
	if _, err := c.MFA().Challenge(ctx, auth0kit.ChallengeOptions{MfaToken: mfa.MfaToken, ChallengeType: "otp", AuthenticatorID: auths[0].ID}); err != nil {
		t.Fatalf("challenge: %v", err)
	}
	res, err := c.MFA().Verify(ctx, auth0kit.VerifyOptions{MfaToken: mfa.MfaToken, OTP: devop.DefaultMFACode})
	if err != nil || res.AccessToken.Audience != api {
		t.Fatalf("verify: %+v %v", res, err)
	}
}
