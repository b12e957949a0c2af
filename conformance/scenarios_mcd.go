package conformance

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// Multiple Custom Domains: one app serves two brands, "brand A" on
// http://127.0.0.1:port and "brand B" on http://localhost:port (the same
// listener). The app runs in resolver mode with the host-to-domain map of
// AUTH0_DOMAIN_MAP: brand A's host resolves to issuer A, brand B's to
// issuer B. On the development provider both issuers are served by one
// listener (devop.StartMulti, separate keys); on the certified provider
// they are two node oidc-provider instances with the same client
// registered at both.
func init() {
	register("mcd/two-brands-two-issuers", testMCDTwoBrands)
	register("mcd/refresh-and-logout-go-to-the-session-domain", testMCDRefreshLogout)
	register("mcd/backchannel-logout-per-issuer", testMCDBackchannel)
	register("mcd/legacy-domainless-cookie-is-no-session", testMCDLegacyCookie)
	register("mcd/empty-resolver-answer-500", testMCDEmptyResolver)
}

// mcdEnv is a two-brand world; e.appURL is switched with onA/onB.
type mcdEnv struct {
	*env
	urlA, urlB string
	issA, issB string
	opA, opB   *devop.Provider // nil on the certified provider
	store      *sessionstore.Memory
}

func (m *mcdEnv) onA() { m.appURL = m.urlA }
func (m *mcdEnv) onB() { m.appURL = m.urlB }

// mcdClientID is the app's client at both certified instances.
const mcdClientID, mcdClientSecret = "mcd-conformance-client", "mcd-conformance-secret-0123456789-0123456789"

// setupMCD starts the two issuers and the app in resolver mode. The app
// keeps stateless cookie sessions, with a revocation list for back-channel
// logout.
func setupMCD(t *testing.T, h Harness, opts ...auth0kit.Option) *mcdEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	m := &mcdEnv{env: &env{t: t, h: h, clock: &clock{}}, store: sessionstore.NewMemory()}
	m.urlA = "http://127.0.0.1:" + strconv.Itoa(port)
	m.urlB = "http://localhost:" + strconv.Itoa(port)
	if h.certified != nil {
		second := startCertified(t)
		m.issA, m.issB = h.certified.issuer, second.issuer
		reg := clientReg{id: mcdClientID + "-" + strconv.Itoa(port), secret: mcdClientSecret}
		m.clientID, m.clientSecret = h.certified.register(t, m.urlA, reg)
		if id, sec := second.register(t, m.urlB, reg); id != m.clientID || sec != m.clientSecret {
			t.Fatalf("the second instance registered %q, want %q", id, m.clientID)
		}
	} else {
		ops := devop.StartMulti(t, func(name string) devop.Options {
			app := m.urlA
			if name == "brand-b" {
				app = m.urlB
			}
			return devop.Options{AutoLoginEmail: loginEmail, Now: m.clock.Now, Connections: []string{"github", "google-oauth2"},
				Clients: []devop.Client{{ID: devop.DefaultClientID, Secret: devop.DefaultClientSecret,
					BackchannelLogoutURI: app + "/auth/backchannel-logout"}}}
		}, "brand-a", "brand-b")
		m.opA, m.opB = ops[0], ops[1]
		m.op = m.opA
		m.issA, m.issB = m.opA.Issuer(), m.opB.Issuer()
		m.clientID, m.clientSecret = devop.DefaultClientID, devop.DefaultClientSecret
	}
	m.issuer = m.issA
	hostA, hostB := strings.TrimPrefix(m.urlA, "http://"), strings.TrimPrefix(m.urlB, "http://")
	base := []auth0kit.Option{
		auth0kit.WithDomainResolver(auth0kit.DomainMap(map[string]string{hostA: m.issA, hostB: m.issB})),
		auth0kit.WithClientID(m.clientID),
		auth0kit.WithClientSecret(m.clientSecret),
		auth0kit.WithSecret(secret),
		auth0kit.WithTuning(auth0kit.Tuning{Clock: m.clock.Now}),
		auth0kit.WithRevocationList(m.store),
	}
	client, err := auth0kit.New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("auth0kit.New: %v", err)
	}
	m.client = client
	h.Serve(t, ln, client)
	m.browser = newBrowser(t)
	m.onA()
	return m
}

// shareSessionCookie copies brand A's session cookie to brand B's host in
// the jar, as a cookie on a shared parent domain would be sent.
func (m *mcdEnv) shareSessionCookie() {
	m.t.Helper()
	v := m.browser.cookie(m.urlA, "__session")
	if v == "" {
		m.t.Fatal("no session cookie on brand A")
	}
	m.browser.setCookie(m.urlB, "__session", v)
}

// testMCDTwoBrands: a login on brand A runs against issuer A and works;
// A's cookie is no session on brand B (profile, guards, access token), and
// a login on brand B runs against issuer B.
func testMCDTwoBrands(t *testing.T, h Harness) {
	m := setupMCD(t, h, auth0kit.WithRoutes(auth0kit.Routes{AccountLinking: true}))
	p := m.browser.hit(m.urlA + "/auth/login")
	if loc := p.Header.Get("Location"); !strings.HasPrefix(loc, strings.TrimSuffix(m.issA, "/")+"/") {
		t.Fatalf("brand A's login went to %q, want issuer A %q", loc, m.issA)
	}
	m.login("")
	if !m.loggedIn() {
		t.Fatal("not logged in on brand A")
	}
	subA := m.profileSub()
	m.expectStatus(m.browser.get(m.urlA+"/api/me"), http.StatusOK)

	m.shareSessionCookie()
	m.onB()
	if m.loggedIn() {
		t.Fatal("brand A's session is a session on brand B")
	}
	m.expectStatus(m.browser.get(m.urlB+"/api/me"), http.StatusUnauthorized)
	if p := m.browser.hit(m.urlB + "/private"); p.StatusCode != http.StatusFound && p.StatusCode != http.StatusTemporaryRedirect && p.StatusCode != http.StatusSeeOther {
		t.Fatalf("brand B's page guard answered %d for brand A's session", p.StatusCode)
	}
	tp, body := m.accessToken("")
	m.expectStatus(tp, http.StatusUnauthorized)
	if body.Error == nil || body.Error.Code != "missing_session" {
		t.Fatalf("access token on brand B with A's session: %q", tp.body)
	}
	// Link and unlink on B with A's session are refused.
	for _, path := range []string{"/auth/link?connection=github", "/auth/unlink?connection=github"} {
		if p := m.browser.hit(m.urlB + path); p.StatusCode != http.StatusUnauthorized || p.Header.Get("Location") != "" {
			t.Fatalf("%s on brand B with A's session: %d %q", path, p.StatusCode, p.Header.Get("Location"))
		}
	}
	// Logout on B with A's session is refused and ends nothing.
	m.expectStatus(m.browser.hit(m.urlB+"/auth/logout"), http.StatusUnauthorized)
	m.onA()
	if !m.loggedIn() {
		t.Fatal("brand A's session was lost")
	}

	m.onB()
	p = m.browser.hit(m.urlB + "/auth/login")
	if loc := p.Header.Get("Location"); !strings.HasPrefix(loc, strings.TrimSuffix(m.issB, "/")+"/") {
		t.Fatalf("brand B's login went to %q, want issuer B %q", loc, m.issB)
	}
	m.login("")
	if !m.loggedIn() {
		t.Fatal("not logged in on brand B")
	}
	if m.opA != nil && m.profileSub() != subA {
		t.Log("subjects differ per issuer, as they may")
	}
}

// testMCDRefreshLogout: refresh and logout of brand A's session go to
// issuer A only.
func testMCDRefreshLogout(t *testing.T, h Harness) {
	m := setupMCD(t, h)
	m.login("")
	if m.opA != nil {
		m.clock.Advance(2 * time.Hour) // the access token (1 h) has expired
		p, _ := m.accessToken("")
		m.expectStatus(p, http.StatusOK)
		if a, b := m.opA.TokenRequests("refresh_token"), m.opB.TokenRequests("refresh_token"); a != 1 || b != 0 {
			t.Fatalf("refresh requests: issuer A %d, issuer B %d; want 1, 0", a, b)
		}
	} else {
		p, _ := m.accessToken("")
		m.expectStatus(p, http.StatusOK)
	}
	p := m.browser.hit(m.urlA + "/auth/logout")
	loc := p.Header.Get("Location")
	if !strings.HasPrefix(loc, strings.TrimSuffix(m.issA, "/")+"/") {
		t.Fatalf("logout went to %q, want issuer A %q", loc, m.issA)
	}
	if m.opA != nil {
		if a, b := len(m.opA.RevokedTokens()), len(m.opB.RevokedTokens()); a != 1 || b != 0 {
			t.Fatalf("revocations: issuer A %d, issuer B %d; want 1, 0", a, b)
		}
	}
	if m.loggedIn() {
		t.Fatal("still logged in on brand A")
	}
}

// testMCDBackchannel: a logout token of issuer B is refused on brand A,
// and on brand B it ends B's sessions only, never A's (same user).
func testMCDBackchannel(t *testing.T, h Harness) {
	if h.certified != nil {
		t.Skip("needs the development provider: minting logout tokens")
	}
	m := setupMCD(t, h)
	m.login("")
	m.onB()
	m.login("")
	sub, err := m.opB.Subject(loginEmail)
	if err != nil {
		t.Fatal(err)
	}
	tokB, err := m.opB.MintLogoutToken(devop.LogoutToken{Claims: map[string]any{"sub": sub}})
	if err != nil {
		t.Fatal(err)
	}
	m.onA()
	p := m.postLogoutToken(tokB)
	m.expectStatus(p, http.StatusBadRequest)
	if !m.loggedIn() {
		t.Fatal("issuer B's logout token ended brand A's session")
	}
	m.onB()
	m.expectStatus(m.postLogoutToken(tokB), http.StatusOK)
	if m.loggedIn() {
		t.Fatal("issuer B's logout token did not end brand B's session")
	}
	m.onA()
	if !m.loggedIn() {
		t.Fatal("issuer B's logout token (same sub) ended brand A's session")
	}
	// Issuer A's provider-initiated logout ends A's session.
	if err := m.opA.LogoutUser(sub); err != nil {
		t.Fatalf("issuer A's back-channel logout: %v", err)
	}
	if m.loggedIn() {
		t.Fatal("issuer A's logout token did not end brand A's session")
	}
}

// testMCDLegacyCookie: a session cookie without internal.mcd (written
// before resolver mode) is no session; one in nextjs-auth0's mcd shape for
// the request's issuer is a session.
func testMCDLegacyCookie(t *testing.T, h Harness) {
	m := setupMCD(t, h)
	now := m.clock.Now().Unix()
	s := &auth0kit.Session{User: auth0kit.User{Sub: "legacy|1"},
		TokenSet: auth0kit.TokenSet{AccessToken: "at", ExpiresAt: now + 3600}}
	legacy, err := auth0kit.GenerateSessionCookie(s, secret)
	if err != nil {
		t.Fatal(err)
	}
	m.browser.setCookie(m.urlA, "__session", legacy)
	if m.loggedIn() {
		t.Fatal("a legacy domain-less cookie is a session in resolver mode")
	}
	m.expectStatus(m.browser.get(m.urlA+"/api/me"), http.StatusUnauthorized)

	u, _ := url.Parse(m.issA)
	s.Internal.MCDDomain, s.Internal.MCDIssuer = u.Host, m.issA
	withDomain, err := auth0kit.GenerateSessionCookie(s, secret)
	if err != nil {
		t.Fatal(err)
	}
	m.browser.setCookie(m.urlA, "__session", withDomain)
	if !m.loggedIn() {
		t.Fatal("a cookie with internal.mcd of issuer A is no session on brand A")
	}
	m.browser.setCookie(m.urlB, "__session", withDomain)
	m.onB()
	if m.loggedIn() {
		t.Fatal("a cookie with internal.mcd of issuer A is a session on brand B")
	}
}

// testMCDEmptyResolver: a resolver answering "" is a configuration error
// for that request (500), never another tenant's login.
func testMCDEmptyResolver(t *testing.T, h Harness) {
	if h.certified != nil {
		t.Skip("needs the development provider: one provider is enough")
	}
	m := setupMCD(t, h)
	c, err := auth0kit.New(
		auth0kit.WithDomainResolver(func(_ context.Context, r auth0kit.RequestInfo) (string, error) {
			if strings.HasPrefix(r.Host, "localhost:") {
				return "", nil
			}
			return m.issA, nil
		}),
		auth0kit.WithClientID(m.clientID), auth0kit.WithClientSecret(m.clientSecret), auth0kit.WithSecret(secret))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	h.Serve(t, ln, c)
	p := m.browser.hit("http://localhost:" + port + "/auth/login")
	m.expectStatus(p, http.StatusInternalServerError)
	if loc := p.Header.Get("Location"); loc != "" {
		t.Fatalf("redirected to %q", loc)
	}
	p = m.browser.hit("http://127.0.0.1:" + port + "/auth/login")
	if loc := p.Header.Get("Location"); !strings.HasPrefix(loc, strings.TrimSuffix(m.issA, "/")+"/") {
		t.Fatalf("status %d, Location %q", p.StatusCode, loc)
	}
}
