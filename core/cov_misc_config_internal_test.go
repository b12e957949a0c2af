package auth0kit

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/internal/testclock"
	"github.com/auth0kit/auth0kit/core/internal/wire"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// TestCovMiscEnvConfig: the environment variables defaultConfig reads,
// valid and malformed.
func TestCovMiscEnvConfig(t *testing.T) {
	env := map[string]string{
		"AUTH0_SCOPE": "openid email", "AUTH0_AUDIENCE": "https://api.example.com/",
		"AUTH0_COOKIE_TRANSIENT": "true", "AUTH0_COOKIE_SECURE": "false", "AUTH0_COOKIE_NAME": "appsession",
		"AUTH0_COOKIE_DOMAIN": "example.com", "AUTH0_COOKIE_PATH": "/p", "AUTH0_COOKIE_SAME_SITE": "Strict",
		"AUTH0_MFA_CONTEXT_TTL": "100", "AUTH0_MFA_TOKEN_TTL": "120", "AUTH0_MAX_ACCESS_TOKENS": "4",
		"AUTH0_LOGOUT_STRATEGY": "v2", "APP_BASE_URL": " http://a.example.com , ,http://b.example.com",
		"AUTH0_SECRET": "s1, s2", "AUTH0_LOGOUT_RETURN_TO_ORIGINS": "https://x.example.com",
		"AUTH0_ID_TOKEN_SIGNING_ALG": "ES256",
	}
	c := defaultConfig(func(k string) string { return env[k] })
	ck := c.Session.Cookie
	switch {
	case c.AuthorizationParams["scope"] != "openid email", c.AuthorizationParams["audience"] != "https://api.example.com/":
		t.Errorf("authorization params %v", c.AuthorizationParams)
	case !ck.Transient, ck.Secure == nil || *ck.Secure, ck.Name != "appsession", ck.Domain != "example.com", ck.Path != "/p",
		ck.SameSite != http.SameSiteStrictMode:
		t.Errorf("cookie options %+v", ck)
	case c.MFATokenTTL != 120*time.Second: // the later name wins
		t.Errorf("MFATokenTTL = %v", c.MFATokenTTL)
	case c.MaxAccessTokens != 4, c.LogoutStrategy != LogoutV2, c.IDTokenSigningAlg != "ES256":
		t.Errorf("config %+v", c)
	case len(c.AppBaseURLs) != 2 || c.AppBaseURLs[0] != "http://a.example.com", len(c.Secrets) != 2 || c.Secrets[1] != "s2",
		len(c.LogoutReturnToOrigins) != 1:
		t.Errorf("lists %v %v %v", c.AppBaseURLs, c.Secrets, c.LogoutReturnToOrigins)
	}
	for _, v := range []string{"lax", "none", "sideways"} {
		got := defaultConfig(func(k string) string {
			if k == "AUTH0_COOKIE_SAME_SITE" {
				return v
			}
			return ""
		}).Session.Cookie.SameSite
		want := map[string]http.SameSite{"lax": http.SameSiteLaxMode, "none": http.SameSiteNoneMode, "sideways": -1}[v]
		if got != want {
			t.Errorf("SameSite %q = %v", v, got)
		}
	}
	// Malformed numbers and a secure "true" are read as such.
	bad := map[string]string{"AUTH0_MFA_TOKEN_TTL": "soon", "AUTH0_MAX_ACCESS_TOKENS": "-3", "AUTH0_COOKIE_SECURE": "true",
		"AUTH0_COOKIE_TRANSIENT": "no"}
	c = defaultConfig(func(k string) string { return bad[k] })
	if c.MFATokenTTL != 0 || c.MaxAccessTokens != 0 || c.Session.Cookie.Secure == nil || !*c.Session.Cookie.Secure || c.Session.Cookie.Transient {
		t.Errorf("malformed env read as %+v", c)
	}
}

// miscResolve applies options over the defaults and resolves.
func miscResolve(opts ...Option) (*Config, *settings, error) {
	cfg := defaultConfig(func(string) string { return "" })
	base := []Option{WithDomain("tenant.example.com"), WithClientID("cid"), WithClientSecret("s"),
		WithSecret(strings.Repeat("k", 32)), WithAppBaseURL("http://127.0.0.1:1")}
	for _, o := range append(base, opts...) {
		o(&cfg)
	}
	s, err := cfg.resolve()
	return &cfg, s, err
}

// TestCovMiscResolveEdges: values clamped to their floor, and the errors
// the other tests do not reach.
func TestCovMiscResolveEdges(t *testing.T) {
	_, s, err := miscResolve(WithSession(SessionOptions{RollingThreshold: -time.Second}), WithTuning(Tuning{TokenRefreshLeeway: -time.Second}))
	if err != nil || s.rollThreshold != 0 || s.refreshLeeway != 0 {
		t.Fatalf("negative durations: %v, threshold %v, leeway %v", err, s.rollThreshold, s.refreshLeeway)
	}
	f := false
	for name, opts := range map[string][]Option{
		"AudienceScopes":    {WithAudienceScopes(map[string]string{"https://api/": "read:x"})},
		"TransactionCookie": {WithAppBaseURL(), WithTransactionCookie(TransactionCookieOptions{Secure: &f})},
	} {
		_, _, err := miscResolve(opts...)
		var ice *InvalidConfigurationError
		if !errors.As(err, &ice) || !strings.Contains(ice.Field, name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestCovMiscOptionsSettings: options whose effect is a resolved setting.
func TestCovMiscOptionsSettings(t *testing.T) {
	f := false
	dc := NewDiscoveryCache(time.Minute, 3)
	logger := slog.New(slog.DiscardHandler)
	hc := &http.Client{Timeout: 7 * time.Second}
	prefix := netip.MustParsePrefix("10.0.0.0/8")
	cfg, s, err := miscResolve(WithTuning(Tuning{TokenRefreshLeeway: 2 * time.Minute}), WithTuning(Tuning{MFATokenTTL: 90 * time.Second}),
		WithTuning(Tuning{TrustedProxies: []netip.Prefix{prefix}}), WithLogout(LogoutConfig{NoIDTokenHint: true}),
		WithIDTokenClaims("sub", "custom"), WithTuning(Tuning{ClockTolerance: 5 * time.Second}), WithTuning(Tuning{DiscoveryCache: dc}),
		WithLogger(logger), WithHTTPClient(hc), WithTuning(Tuning{AuthorizationDetailsInSession: true}), WithRoutes(Routes{AccountLinking: true}),
		WithRoutes(Routes{ConnectAccountEndpoint: true}), WithTransactionCookie(TransactionCookieOptions{Single: true, Prefix: "__t_", MaxAge: time.Minute,
			SameSite: http.SameSiteStrictMode, Path: "/cb", Domain: "example.com", Secure: &f}))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case s.refreshLeeway != 2*time.Minute, s.mfaTokenTTL != 90*time.Second, s.clockTolerance != 5*time.Second:
		t.Errorf("durations %v %v %v", s.refreshLeeway, s.mfaTokenTTL, s.clockTolerance)
	case len(cfg.TrustedProxies) != 1 || cfg.TrustedProxies[0] != prefix:
		t.Errorf("trusted proxies %v", cfg.TrustedProxies)
	case s.parallelTxn, s.idTokenHint, !s.claims["custom"] || s.claims["email"]:
		t.Errorf("parallel %v hint %v claims %v", s.parallelTxn, s.idTokenHint, s.claims)
	case cfg.Discovery != dc, s.logger != logger, s.httpClient != hc:
		t.Error("discovery cache, logger or HTTP client not kept")
	case !cfg.AuthorizationDetailsInSession, !cfg.Routes.AccountLinking, !s.connectRoute:
		t.Error("boolean options not applied")
	case s.txnCookie != cookieTemplate{name: "__t_", domain: "example.com", path: "/cb", secure: false, sameSite: http.SameSiteStrictMode},
		s.txnMaxAge != time.Minute:
		t.Errorf("transaction cookie %+v %v", s.txnCookie, s.txnMaxAge)
	}
	// The options slice is copied.
	claims := []string{"sub"}
	var c Config
	WithIDTokenClaims(claims...)(&c)
	claims[0] = "changed"
	if c.IDTokenClaims[0] != "sub" {
		t.Error("WithIDTokenClaims kept the caller's slice")
	}
}

// TestCovMiscOptionsBehaviour: options whose effect shows in a flow.
func TestCovMiscOptionsBehaviour(t *testing.T) {
	t.Run("transaction cookie and single transaction", func(t *testing.T) {
		op := newScriptOP(t)
		c := newScriptClient(t, op, WithTransactionCookie(TransactionCookieOptions{Single: true, Prefix: "__t_", MaxAge: 10 * time.Minute, Path: "/"}))
		res, _, ex := miscServe(c, "GET", "/auth/login", "", nil, nil)
		loc, _ := url.Parse(res.Location)
		op.mu.Lock()
		op.nonce = loc.Query().Get("nonce")
		op.mu.Unlock()
		if len(ex.set) != 1 || ex.set[0].Name != "__t_" || ex.set[0].MaxAge != 600 {
			t.Fatalf("transaction cookies %v", ex.set)
		}
		f := op.callback(c, nil, ex.set, "code=c&state="+miscStateOf(t, c, ex))
		if f.Session == nil {
			t.Fatalf("single-transaction login failed: %d %s", f.Response.Status, f.Response.Body)
		}
	})
	t.Run("id token claims and hint", func(t *testing.T) {
		op := newScriptOP(t)
		op.claims["custom"] = "yes"
		c := newScriptClient(t, op, WithIDTokenClaims("sub", "custom"), WithLogout(LogoutConfig{NoIDTokenHint: true}))
		f := op.login(c, "")
		var v string
		if err := f.Session.User.Claim("custom", &v); err != nil || v != "yes" || f.Session.User.Email != "" {
			t.Fatalf("user %+v", f.Session.User)
		}
		res, _, _ := miscServe(c, "GET", "/auth/logout", "", f.Cookies, nil)
		if loc, _ := url.Parse(res.Location); loc.Query().Has("id_token_hint") || loc.Query().Get("logout_hint") == "" {
			t.Fatalf("logout without id_token_hint: %s", res.Location)
		}
	})
	t.Run("refresh leeway", func(t *testing.T) {
		op := newScriptOP(t)
		for _, lw := range []time.Duration{0, 2 * time.Hour} {
			c := newScriptClient(t, op, WithTuning(Tuning{TokenRefreshLeeway: lw}))
			f := op.login(c, "")
			before := len(op.requestsTo("/oauth/token"))
			ctx, _ := boundRequest(c, "GET", "/", f.Cookies)
			if _, err := c.GetAccessToken(ctx, AccessTokenOptions{}); err != nil {
				t.Fatal(err)
			}
			refreshed := len(op.requestsTo("/oauth/token")) > before
			if refreshed != (lw > 0) {
				t.Fatalf("leeway %v: refreshed = %v", lw, refreshed)
			}
		}
	})
	t.Run("http client, discovery cache, logger", func(t *testing.T) {
		op := newScriptOP(t)
		var n atomic.Int64
		hc := &http.Client{Transport: miscCounting{&n, http.DefaultTransport}}
		dc := NewDiscoveryCache(time.Minute, 10)
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		a := newScriptClient(t, op, WithHTTPClient(hc), WithTuning(Tuning{DiscoveryCache: dc}), WithLogger(logger))
		b := newScriptClient(t, op, WithHTTPClient(hc), WithTuning(Tuning{DiscoveryCache: dc}))
		for _, c := range []*Client{a, b} {
			if _, err := c.discover(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if op.disc.Load() != 1 || n.Load() != 1 {
			t.Fatalf("discoveries %d, via the injected client %d; want 1 shared", op.disc.Load(), n.Load())
		}
		miscServe(a, "GET", "/auth/profile", "", []*http.Cookie{{Name: "__session", Value: "junk"}}, nil)
		if !strings.Contains(logs.String(), "ignoring session cookie") {
			t.Fatalf("logger got %q", logs.String())
		}
	})
	t.Run("clock tolerance", func(t *testing.T) {
		op := newScriptOP(t)
		future := op.logoutToken(map[string]any{"iat": time.Now().Add(time.Minute).Unix()})
		strict := newScriptClient(t, op, WithSessionStore(sessionstore.NewMemory()))
		var lte *LogoutTokenError
		if err := strict.HandleBackchannelLogout(context.Background(), future); !errors.As(err, &lte) || lte.Reason != "iat is in the future" {
			t.Fatalf("default tolerance: %v", err)
		}
		lenient := newScriptClient(t, op, WithSessionStore(sessionstore.NewMemory()), WithTuning(Tuning{ClockTolerance: 2 * time.Minute}))
		if err := lenient.HandleBackchannelLogout(context.Background(), future); err != nil {
			t.Fatalf("2 min tolerance: %v", err)
		}
	})
	t.Run("mfa token ttl", func(t *testing.T) {
		clk := testclock.New(time.Now())
		c := newTestClient(t, WithTuning(Tuning{MFATokenTTL: 90 * time.Second}), WithTuning(Tuning{Clock: clk.Now}))
		err := c.mfaRequired(&OAuthError{Code: "mfa_required", body: []byte(`{"mfa_token":"raw"}`)}, mfaBinding{Sub: "u"}, "", "")
		var mre *MfaRequiredError
		if !errors.As(err, &mre) || mre.MfaToken == "" {
			t.Fatalf("mfaRequired = %v", err)
		}
		if _, err := c.openMFAToken(mre.MfaToken, clk.Now().Add(80*time.Second).Unix()); err != nil {
			t.Fatalf("mfa_token expired early: %v", err)
		}
		if _, err := c.openMFAToken(mre.MfaToken, clk.Now().Add((91+wire.ClockTolerance)*time.Second).Unix()); err == nil {
			t.Fatal("mfa_token valid past its TTL")
		}
	})
	t.Run("authorization details in session", func(t *testing.T) {
		for _, keep := range []bool{false, true} {
			op := newScriptOP(t)
			op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"access_token": "at", "id_token": op.idToken("user-1", nil), "token_type": "Bearer",
					"expires_in": 3600, "authorization_details": []map[string]any{{"type": "payment", "amount": "5"}}})
			})
			c := newScriptClient(t, op, WithTuning(Tuning{AuthorizationDetailsInSession: keep}))
			f := op.login(c, "")
			got, ok := f.Session.Extra["authorization_details"]
			if ok != keep || keep && !strings.Contains(string(got), `"payment"`) {
				t.Fatalf("keep=%v: Extra = %v", keep, f.Session.Extra)
			}
		}
	})
	t.Run("client assertion", func(t *testing.T) {
		op := newScriptOP(t)
		key, _ := testRSAKeyPEM(t)
		c := newScriptClient(t, op, WithClientAuth(ClientAuth{SigningKey: key, SigningAlg: "PS256"}))
		if c.auth.method != PrivateKeyJWT {
			t.Fatalf("method %s", c.auth.method)
		}
		op.login(c, "")
		form := op.lastTo("/oauth/token").Form
		if form.Get("client_assertion_type") != clientAssertionType || form.Get("client_assertion") == "" || form.Has("client_secret") {
			t.Fatalf("token request form %v", form)
		}
	})
	t.Run("client certificate", func(t *testing.T) {
		op := newScriptOP(t)
		cert := miscSelfSigned(t)
		c := newScriptClient(t, op, WithClientSecret(""), WithClientAuth(ClientAuth{Certificate: &cert}))
		if c.auth.method != TLSClientAuth {
			t.Fatalf("method %s", c.auth.method)
		}
		tr, ok := c.hc.Transport.(*http.Transport)
		if !ok || tr.TLSClientConfig == nil || tr.TLSClientConfig.GetClientCertificate == nil {
			t.Fatalf("transport %T does not present a certificate", c.hc.Transport)
		}
		got, _ := tr.TLSClientConfig.GetClientCertificate(&tls.CertificateRequestInfo{})
		if !bytes.Equal(got.Certificate[0], cert.Certificate[0]) {
			t.Fatal("another certificate presented")
		}
		// An injected HTTP client with its own transport type cannot carry it.
		_, err := New(WithDomain(op.issuer()), WithClientID("c"), WithSecret(strings.Repeat("k", 32)),
			WithAppBaseURL("http://127.0.0.1:1"), WithClientAuth(ClientAuth{Certificate: &cert}), WithHTTPClient(&http.Client{Transport: otherTransport{}}))
		if !errors.Is(err, ErrInvalidConfiguration) {
			t.Fatalf("foreign transport with a certificate: %v", err)
		}
		// The token request carries client_id only.
		a := &clientAuth{method: TLSClientAuth, clientID: "cid"}
		form := url.Values{}
		if err := a.apply(http.Header{}, form, "", time.Now()); err != nil || form.Encode() != "client_id=cid" {
			t.Fatalf("mTLS form %v %v", form, err)
		}
	})
}

// miscStateOf returns the state of the login answered on ex.
func miscStateOf(t *testing.T, c *Client, ex *testExchange) string {
	t.Helper()
	for _, ck := range ex.set {
		if strings.HasPrefix(ck.Name, c.s.txnCookie.name) {
			_, payload, ok := strings.Cut(percentDecode(ck.Value), ":")
			if !ok {
				payload = percentDecode(ck.Value)
			}
			tx, err := c.openTransaction(payload, time.Now().Unix())
			if err != nil {
				t.Fatalf("transaction cookie: %v", err)
			}
			return tx.State
		}
	}
	t.Fatal("no transaction cookie")
	return ""
}

type miscCounting struct {
	n  *atomic.Int64
	rt http.RoundTripper
}

func (m miscCounting) RoundTrip(r *http.Request) (*http.Response, error) {
	m.n.Add(1)
	return m.rt.RoundTrip(r)
}

func miscSelfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "client-1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsExchange is a request received over TLS from remote.
type tlsExchange struct{ *testExchange }

func (tlsExchange) TLS() bool { return true }

// TestCovMiscBaseURL: the base URL inferred from the request, with and
// without a trusted proxy, and checked against an APP_BASE_URL list.
func TestCovMiscBaseURL(t *testing.T) {
	proxies := WithTuning(Tuning{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	inferred := newTestClient(t, WithAppBaseURL(), proxies)
	listed := newTestClient(t, WithAppBaseURL("https://a.example.com", "https://b.example.com"), proxies)
	static := newTestClient(t)
	tests := []struct {
		name   string
		c      *Client
		tls    bool
		host   string
		remote string
		fwd    map[string]string
		want   string // "" = error
	}{
		{"static", static, false, "evil.example", "1.2.3.4:5", nil, "https://app.example.com"},
		{"request origin", inferred, false, "App.Example.com:8080", "1.2.3.4:5", nil, "http://app.example.com:8080"},
		{"tls", inferred, true, "app.example.com", "1.2.3.4:5", nil, "https://app.example.com"},
		{"untrusted proxy headers ignored", inferred, false, "app.example.com", "1.2.3.4:5",
			map[string]string{"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}, "http://app.example.com"},
		{"trusted proxy", inferred, false, "internal:80", "10.1.2.3:5555",
			map[string]string{"X-Forwarded-Host": "pub.example.com, internal", "X-Forwarded-Proto": "HTTPS"}, "https://pub.example.com"},
		{"trusted proxy without port", inferred, false, "internal", "10.1.2.3",
			map[string]string{"X-Forwarded-Host": "pub.example.com"}, "http://pub.example.com"},
		{"trusted IPv6 proxy, bad proto ignored", inferred, true, "internal", "[::1]:443",
			map[string]string{"X-Forwarded-Host": "pub.example.com", "X-Forwarded-Proto": "gopher"}, "https://pub.example.com"},
		{"IPv4-mapped trusted proxy", inferred, false, "internal", "[::ffff:10.0.0.1]:1",
			map[string]string{"X-Forwarded-Host": "pub.example.com"}, "http://pub.example.com"},
		{"unparsable peer", inferred, false, "app.example.com", "not-an-ip",
			map[string]string{"X-Forwarded-Host": "evil.example"}, "http://app.example.com"},
		{"bad host", inferred, false, "a b", "1.2.3.4:5", nil, ""},
		{"empty host", inferred, false, "", "1.2.3.4:5", nil, ""},
		{"listed origin", listed, true, "B.example.com", "1.2.3.4:5", nil, "https://b.example.com"},
		{"origin not listed", listed, true, "c.example.com", "1.2.3.4:5", nil, ""},
		{"listed host, wrong scheme", listed, false, "a.example.com", "1.2.3.4:5", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := &testExchange{method: "GET", path: "/", host: tt.host, remote: tt.remote, header: http.Header{}}
			for k, v := range tt.fwd {
				te.header.Set(k, v)
			}
			var ctx context.Context
			if tt.tls {
				ctx = tt.c.Adapter().Bind(context.Background(), tlsExchange{te})
			} else {
				ctx = tt.c.Adapter().Bind(context.Background(), te)
			}
			u, err := tt.c.BaseURL(ctx)
			if tt.want == "" {
				var e *Error
				if !errors.As(err, &e) || e.Code != CodeUntrustedOrigin || HTTPStatus(err) != 400 {
					t.Fatalf("BaseURL = %v, %v; want an untrusted_origin error", u, err)
				}
				if strings.Contains(e.Message, tt.host) && tt.host != "" {
					t.Fatalf("the request's host is echoed in the message: %q", e.Message)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Fatalf("BaseURL = %v, %v; want %s", u, err, tt.want)
			}
		})
	}
	if _, err := static.BaseURL(context.Background()); !errors.Is(err, ErrNotBound) {
		t.Fatalf("unbound BaseURL: %v", err)
	}
	if firstValue(" a , b") != "a" || firstValue("x") != "x" {
		t.Error("firstValue")
	}
}
