package auth0kit

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/sessionstore"
	jose "github.com/go-jose/go-jose/v4"
)

// TestCovMiscBodyParams: the JSON-body credentials of each method.
func TestCovMiscBodyParams(t *testing.T) {
	key, _ := testRSAKeyPEM(t)
	jwtAuth, err := (&Config{ClientID: "cid", ClientAssertionSigningKey: key}).resolveClientAuth()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		a    *clientAuth
		want []string // keys
	}{
		{&clientAuth{method: ClientSecretPost, clientID: "cid", secret: "s"}, []string{"client_id", "client_secret"}},
		{&clientAuth{method: ClientSecretBasic, clientID: "cid", secret: "s"}, []string{"client_id", "client_secret"}},
		{&clientAuth{method: TLSClientAuth, clientID: "cid"}, []string{"client_id"}},
		{jwtAuth, []string{"client_assertion", "client_assertion_type", "client_id"}},
	}
	for _, tt := range tests {
		got, err := tt.a.bodyParams("https://tenant.example.com/", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tt.want) || got["client_id"] != "cid" {
			t.Errorf("%s: %v", tt.a.method, got)
		}
		for _, k := range tt.want {
			if got[k] == "" {
				t.Errorf("%s: %s missing", tt.a.method, k)
			}
		}
	}
}

// TestCovMiscSigningKeys: the key forms parseSigningKey accepts and
// refuses.
func TestCovMiscSigningKeys(t *testing.T) {
	rsaKey, _ := testRSAKeyPEM(t)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	pemOf := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	tests := []struct {
		name string
		key  any
		alg  jose.SignatureAlgorithm // "" = refused
		err  string
	}{
		{"JWK value", jose.JSONWebKey{Key: ecKey}, jose.ES256, ""},
		{"JWK with alg", &jose.JSONWebKey{Key: rsaKey, Algorithm: "PS256"}, jose.PS256, ""},
		{"PKCS#1 PEM", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), jose.RS256, ""},
		{"SEC 1 PEM bytes", []byte(pemOf("EC PRIVATE KEY", ecDER)), jose.ES256, ""},
		{"bad JWK", `{"kty":`, "", "not a JWK"},
		{"bad PEM block", pemOf("PRIVATE KEY", []byte("junk")), "", "not a PKCS#8"},
		{"unsupported type", 42, "", "unsupported key type"},
		{"small RSA", small, "", "2048 bits"},
		{"P-384", p384, "", "P-256"},
		{"Ed25519", edKey, "", "RSA or P-256"},
	}
	for _, tt := range tests {
		jwk, alg, err := parseSigningKey(tt.key, "")
		if tt.alg == "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || alg != tt.alg || jwk == nil {
			t.Errorf("%s: %v %s %v", tt.name, jwk, alg, err)
		}
	}
	// Through the configuration, a refused key names its field.
	_, err := (&Config{ClientID: "c", ClientAssertionSigningKey: small}).resolveClientAuth()
	var ice *InvalidConfigurationError
	if !errors.As(err, &ice) || !strings.HasPrefix(ice.Field, "ClientAssertionSigningKey") {
		t.Fatalf("small key: %v", err)
	}
}

// TestCovMiscClientCertificateParsing: PEM texts from the environment (with
// escaped newlines) and a transport without TLS settings.
func TestCovMiscClientCertificateParsing(t *testing.T) {
	cert := miscSelfSigned(t)
	der, _ := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}))
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	got, err := parseClientCertificate(strings.ReplaceAll(certPEM, "\n", `\n`), keyPEM)
	if err != nil || string(got.Certificate[0]) != string(cert.Certificate[0]) {
		t.Fatalf("parseClientCertificate: %v", err)
	}
	env := map[string]string{"AUTH0_CLIENT_CERTIFICATE": certPEM, "AUTH0_CLIENT_CERTIFICATE_KEY": keyPEM, "AUTH0_CLIENT_ID": "c"}
	c := defaultConfig(func(k string) string { return env[k] })
	if a, err := c.resolveClientAuth(); err != nil || a.method != TLSClientAuth || a.cert == nil {
		t.Fatalf("env certificate: %v %v", a, err)
	}
	// A transport with HTTP/2 off has no TLS settings, even once cloned.
	h1 := &http.Transport{TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}
	hc, err := withClientCertificate(&http.Client{Transport: h1}, got)
	if err != nil {
		t.Fatal(err)
	}
	tr := hc.Transport.(*http.Transport)
	if tr.TLSClientConfig == nil || tr.TLSClientConfig.MinVersion != tls.VersionTLS12 || tr.TLSClientConfig.GetClientCertificate == nil {
		t.Fatalf("TLS config %+v", tr.TLSClientConfig)
	}
}

// TestCovMiscErrorDescriptions: the code, title and hints of each error
// kind, in the JSON and HTML answers.
func TestCovMiscErrorDescriptions(t *testing.T) {
	tests := []struct {
		err    error
		code   string
		status int
		hints  bool
	}{
		{invalid("X", "bad"), "invalid_configuration", 500, true},
		{&Error{Code: CodeIDTokenInvalid, Message: "the ID token is invalid"}, CodeIDTokenInvalid, 400, true},
		{&Error{Code: CodeDiscoveryError, Message: "discovery failed"}, CodeDiscoveryError, 502, true},
		{&Error{Code: CodeAuthorizationCodeGrantError, Message: "grant refused"}, CodeAuthorizationCodeGrantError, 400, true},
		{&Error{Code: CodeAuthorizationCodeGrantRequestError, Message: "token endpoint down"}, CodeAuthorizationCodeGrantRequestError, 502, true},
		{&Error{Code: CodeUntrustedOrigin, Message: "the request origin is not in APP_BASE_URL"}, CodeUntrustedOrigin, 400, true},
		{&Error{Code: CodeSessionExpired, Message: "expired"}, CodeSessionExpired, 400, false},
		{errors.New("plain"), "server_error", 500, false},
	}
	c := newTestClient(t)
	for _, tt := range tests {
		ex := &testExchange{header: http.Header{"Accept": {"application/json"}}}
		res := c.errorAnswer(ex, tt.err)
		var body struct {
			Error, ErrorDescription string
			Hints                   []string
		}
		if err := json.Unmarshal(res.Body, &body); err != nil || body.Error != tt.code || res.Status != tt.status ||
			(len(body.Hints) > 0) != tt.hints {
			t.Errorf("%v: %d %s", tt.err, res.Status, res.Body)
		}
		ex = &testExchange{header: http.Header{"Accept": {"text/html"}}}
		res = c.errorAnswer(ex, tt.err)
		if res.ContentType != "text/html; charset=utf-8" || !strings.Contains(string(res.Body), "Sign in again") ||
			!strings.Contains(ex.header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%v: html answer %s", tt.err, res.Body)
		}
	}
	if res := c.errorAnswer(nil, errors.New("x")); res.ContentType != "text/plain; charset=utf-8" || res.Status != 500 {
		t.Fatalf("answer without exchange %+v", res)
	}
	if sentence("") != "" || sentence("done.") != "Done." || sentence("Ok") != "Ok." {
		t.Error("sentence")
	}
}

// TestCovMiscErrorsMatch: Error.Error with a cause, the sentinels each
// code matches and the statuses of the remaining codes.
func TestCovMiscErrorsMatch(t *testing.T) {
	cause := errors.New("cause")
	if got := (&Error{Message: "m", Err: cause}).Error(); got != "auth0kit: m: cause" {
		t.Errorf("Error() = %q", got)
	}
	for code, target := range map[string]error{CodeIDTokenInvalid: ErrIDTokenInvalid, CodeBackchannelError: ErrBackchannel,
		CodeBackchannelNotSupported: ErrBackchannel, CodeFailedToRefreshToken: ErrRefreshFailed} {
		e := &Error{Code: code}
		if !errors.Is(e, target) || errors.Is(e, ErrSessionStore) {
			t.Errorf("%s does not match %v alone", code, target)
		}
	}
	for code, status := range map[string]int{CodeFailedToExchangeRefreshToken: 401, CodeExchangeFailed: 400, CodeMissingSubjectToken: 400,
		CodeFailedToRefreshToken: 401, "something_else": 500} {
		if got := HTTPStatus(&Error{Code: code}); got != status {
			t.Errorf("HTTPStatus(%s) = %d, want %d", code, got, status)
		}
	}
}

// TestCovMiscGuards: with a session the guards let the request through;
// without, a page guard redirects to the login route (with returnTo when
// there is a request URI) and GetUser is nil.
func TestCovMiscGuards(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	f := op.login(c, "")
	ctx, _ := boundRequest(c, "GET", "/page", f.Cookies)
	if adapter.RequirePage(ctx, "/page") != nil || adapter.RequireAPI(ctx) != nil {
		t.Fatal("guards refused a logged-in request")
	}
	if u, err := c.GetUser(ctx); err != nil || u == nil || u.Sub != "user-1" {
		t.Fatalf("GetUser = %v, %v", u, err)
	}
	ctx, ex := boundRequest(c, "GET", "/", nil)
	if res := adapter.RequirePage(ctx, ""); res == nil || res.Status != 302 || res.Location != "/auth/login" {
		t.Fatalf("RequirePage without URI = %+v", res)
	}
	if res := adapter.RequirePage(ctx, "/a?b=c"); res.Location != "/auth/login?returnTo=%2Fa%3Fb%3Dc" {
		t.Fatalf("RequirePage = %+v", res)
	}
	if res := adapter.RequireAPI(ctx); res.Status != 401 || ex.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("RequireAPI = %+v", res)
	}
	if u, err := c.GetUser(ctx); u != nil || err != nil {
		t.Fatalf("GetUser logged out = %v, %v", u, err)
	}
}

// TestCovMiscSmallHelpers covers the remaining one-line branches.
func TestCovMiscSmallHelpers(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tpl := cookieTemplate{name: "n", path: "/"}
	if ck := tpl.cookie("n", "v", 300*time.Millisecond, now); ck.MaxAge != 1 || !ck.Expires.Equal(now.Add(time.Second).UTC()) {
		t.Errorf("sub-second cookie %+v", ck)
	}
	if percentDecode("a%zzb") != "a%zzb" || percentDecode("a%3Ab+c") != "a:b+c" {
		t.Error("percentDecode")
	}
	if _, err := GenerateSessionCookie(&Session{}, ""); err == nil {
		t.Error("GenerateSessionCookie without a secret")
	}
	if _, err := newPurposeKeys(nil); err == nil {
		t.Error("newPurposeKeys without secrets")
	}
	for idt, ok := range map[string]bool{"nodots": false, "a.nodot": false, "a.!!!.c": false, "a.e30.c": false,
		"a.eyJhdWQiOm51bGx9.c": false, "a.eyJhdWQiOiJ4In0.c": true} {
		if _, got := idTokenAudience(idt); got != ok {
			t.Errorf("idTokenAudience(%q) ok = %v", idt, got)
		}
	}
	base, _ := url.Parse("https://app.example.com")
	if p, ok := SafeReturnTo("?tab=2", base); !ok || p != "/?tab=2" {
		t.Errorf("SafeReturnTo(?tab=2) = %q %v", p, ok)
	}
	rc := newRollCache()
	for i := range rollCacheSize {
		rc.rememberKey(uint64(i), rollInfo{})
	}
	rc.rememberKey(1<<40, rollInfo{exp: 5})
	if len(rc.m) != 1 || !rc.known(1<<40) {
		t.Errorf("full roll cache kept %d entries", len(rc.m))
	}
	c := newTestClient(t)
	if c.routeName("GET", "/auth/login") != RouteLogin || c.routeName("GET", "/x") != RouteName("/x") {
		t.Error("routeName")
	}
	var cs chunkSet
	cs.fill(5)
	n := 0
	for range cs.all() {
		n++
		break
	}
	if n != 1 {
		t.Error("chunkSet.all did not stop")
	}
	if got := strqa(strings.Repeat("x", 50)); got != `"`+strings.Repeat("x", 40)+`"` {
		t.Errorf("strqa = %s", got)
	}
	_, err := New(WithDomain("https://tenant.example.com"), WithClientID("cid"), WithClientSecret("s"), WithSecret(strings.Repeat("s", 32)),
		WithAppBaseURL("https://app.example.com"), WithSessionMigration(strings.Repeat("f", 100)))
	if !errors.Is(err, ErrInvalidConfiguration) || strings.Contains(err.Error(), strings.Repeat("f", 41)) {
		t.Errorf("long unknown format: %v", err)
	}
}

// TestCovMiscMigrationEdges: legacy sessions of another client or past the
// cap are ignored; a failing revocation list during the migration is a
// 503 from Serve.
func TestCovMiscMigrationEdges(t *testing.T) {
	v := loadLegacyVectors(t)
	tc := v.Cases[0]
	for name, opts := range map[string][]Option{
		"other client": {WithClientID("someone-else")},
		"past the cap": {WithSession(SessionOptions{AbsoluteDuration: time.Second})},
	} {
		c := legacyClient(t, v, append([]Option{WithSessionMigration(tc.Format)}, opts...)...)
		if s, _ := serveWith(t, c, tc.Cookies); s != nil {
			t.Errorf("%s: legacy session read", name)
		}
	}
	rl := &miscRevocations{RevocationList: sessionstore.NewMemory(), failRevoked: errors.New("down")}
	c := legacyClient(t, v, WithSessionMigration(tc.Format), WithRevocationList(rl))
	ex := &testExchange{method: "GET", path: "/page", host: "app.example.com", header: http.Header{}}
	for n, val := range tc.Cookies {
		ex.cookies = append(ex.cookies, &http.Cookie{Name: n, Value: val})
	}
	if _, res := c.Adapter().Serve(context.Background(), ex); res == nil || res.Status != 503 || ex.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("migration with the revocation list down = %+v", res)
	}
}
