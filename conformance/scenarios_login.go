package conformance

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("login/redirect-parameters", testLoginRedirect)
	register("login/full-flow", testFullFlow)
	register("login/authorization-params-per-call-win", testAuthorizationParams)
	register("login/bad-max-age-400", testBadMaxAge)
	register("login/custom-routes", testCustomRoutes)
	register("login/transaction-cookies-parallel", testParallelTransactions)
	register("login/transaction-cookie-single", testSingleTransaction)
	register("login/inferred-base-url-behind-proxy", testInferredBaseURL)
	register("login/untrusted-forwarded-host-ignored", testUntrustedProxy)
}

func testLoginRedirect(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	p := e.browser.hit(e.appURL + "/auth/login?returnTo=/private&ui_locales=fr&state=evil&redirect_uri=https://evil.example")
	if p.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("status %d, want 307", p.StatusCode)
	}
	loc := p.location(t)
	if !strings.HasPrefix(loc.String(), e.metadata("authorization_endpoint")+"?") {
		t.Fatalf("redirect to %s, want the provider's /authorize", loc)
	}
	q := loc.Query()
	want := map[string]string{
		"client_id":             e.clientID,
		"redirect_uri":          e.appURL + "/auth/callback",
		"response_type":         "code",
		"code_challenge_method": "S256",
		"scope":                 "openid profile email offline_access",
		"ui_locales":            "fr",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) != 43 {
			t.Errorf("%s = %q, want 43 base64url characters", k, q.Get(k))
		}
	}
	if q.Get("state") == "evil" {
		t.Error("caller-supplied state was forwarded")
	}
	txn := findCookie(p, "__txn_"+q.Get("state"))
	if txn == nil {
		t.Fatalf("no __txn_<state> cookie in %v", p.Header.Values("Set-Cookie"))
	}
	if !txn.HttpOnly || txn.MaxAge != 3600 || txn.SameSite != http.SameSiteLaxMode || txn.Path != "/" {
		t.Errorf("transaction cookie attributes: %s", txn.String())
	}
	if !strings.Contains(txn.Value, "%3A") && !strings.Contains(txn.Value, ":") {
		t.Errorf("transaction cookie value %q lacks the <ts>:<jwe> form", txn.Value)
	}
}

func testFullFlow(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	if e.loggedIn() {
		t.Fatal("logged in before login")
	}
	p := e.login("returnTo=" + url.QueryEscape("/private?tab=1"))
	e.expectStatus(p, http.StatusOK)
	if !strings.HasPrefix(p.body, "private ") || len(p.body) <= len("private ") {
		t.Fatalf("after login: %q, want the protected page", p.body)
	}
	if got := p.Request.URL.RequestURI(); got != "/private?tab=1" {
		t.Errorf("landed on %s, want /private?tab=1", got)
	}
	for _, n := range e.browser.cookieNames(e.appURL) {
		if strings.HasPrefix(n, "__txn_") {
			t.Errorf("transaction cookie %s left after the callback", n)
		}
	}
	prof := e.browser.get(e.appURL + "/auth/profile")
	e.expectStatus(prof, http.StatusOK)
	if !strings.Contains(prof.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("profile Cache-Control = %q, want no-store", prof.Header.Get("Cache-Control"))
	}
	if !strings.Contains(prof.body, `"email":"jane.doe@example.com"`) || !strings.Contains(prof.body, `"sub":"`) {
		t.Errorf("profile body %s", prof.body)
	}
	for _, hidden := range []string{`"iss"`, `"aud"`, `"nonce"`, `"exp"`} {
		if strings.Contains(prof.body, hidden) {
			t.Errorf("profile exposes %s: %s", hidden, prof.body)
		}
	}
	api := e.browser.get(e.appURL + "/api/me")
	e.expectStatus(api, http.StatusOK)
	if !strings.Contains(api.body, `"sub":"`) {
		t.Errorf("api body %s", api.body)
	}
	home := e.browser.get(e.appURL + "/")
	if !strings.HasPrefix(home.body, "hello ") || strings.HasPrefix(home.body, "hello anonymous") {
		t.Errorf("home %q", home.body)
	}
	if cc := home.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("authenticated page Cache-Control = %q, want no-store", cc)
	}
	out := e.browse(e.appURL + "/auth/logout")
	e.expectStatus(out, http.StatusOK)
	if got := out.Request.URL.String(); got != e.appURL && got != e.appURL+"/" {
		t.Errorf("after logout landed on %s", got)
	}
	if !strings.HasPrefix(out.body, "hello anonymous") {
		t.Errorf("after logout home says %q", out.body)
	}
	if e.loggedIn() {
		t.Fatal("still logged in after logout")
	}
}

func testAuthorizationParams(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithAuthorizationParams(map[string]string{
		"audience": "https://api.example.com/", "ui_locales": "en", "scope": "openid profile",
	}))
	p := e.browser.hit(e.appURL + "/auth/login?ui_locales=fr&custom_param=x&scope=openid+email")
	q := p.location(t).Query()
	for k, v := range map[string]string{"audience": "https://api.example.com/", "ui_locales": "fr", "custom_param": "x", "scope": "openid email"} {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
}

func testBadMaxAge(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	p := e.browser.hit(e.appURL + "/auth/login?max_age=abc")
	e.expectStatus(p, http.StatusBadRequest)
}

func testCustomRoutes(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithRoutes(auth0kit.Routes{
		Login: "/signin", Callback: "/oauth/cb", Logout: "/signout", Profile: "/me",
	}))
	if p := e.browser.hit(e.appURL + "/auth/login"); p.StatusCode == http.StatusTemporaryRedirect {
		t.Error("default login route still mounted")
	}
	p := e.login("returnTo=/private")
	if !strings.HasPrefix(p.body, "private ") {
		t.Fatalf("custom routes login ended at %s: %q", p.Request.URL, p.body)
	}
	if me := e.browser.get(e.appURL + "/me"); me.StatusCode != http.StatusOK {
		t.Errorf("custom profile route: %d", me.StatusCode)
	}
	guard := e.browser.hit(e.appURL + "/private")
	if guard.StatusCode != http.StatusOK {
		t.Errorf("protected page after login: %d", guard.StatusCode)
	}
	e.browser.get(e.appURL + "/signout")
	guard = e.browser.hit(e.appURL + "/private")
	if guard.StatusCode != http.StatusFound || !strings.HasPrefix(guard.Header.Get("Location"), "/signin?returnTo=") {
		t.Errorf("guard after custom logout: %d %q", guard.StatusCode, guard.Header.Get("Location"))
	}
}

func testParallelTransactions(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	cb1 := e.authorize("returnTo=/first")
	cb2 := e.authorize("returnTo=/private")
	var txns int
	for _, n := range e.browser.cookieNames(e.appURL) {
		if strings.HasPrefix(n, "__txn_") && len(n) > len("__txn_") {
			txns++
		}
	}
	if txns != 2 {
		t.Fatalf("%d transaction cookies, want 2 (one per login)", txns)
	}
	// Completing the older login still works, and cleans up only its own
	// transaction.
	p := e.browser.get(cb2.String())
	if !strings.HasPrefix(p.body, "private ") {
		t.Fatalf("second login: %q", p.body)
	}
	p = e.browser.hit(cb1.String())
	if p.StatusCode != http.StatusTemporaryRedirect || !strings.HasSuffix(p.Header.Get("Location"), "/first") {
		t.Fatalf("first login: %d %q %s", p.StatusCode, p.Header.Get("Location"), p.body)
	}
	for _, n := range e.browser.cookieNames(e.appURL) {
		if strings.HasPrefix(n, "__txn_") {
			t.Errorf("transaction cookie %s left", n)
		}
	}
}

func testSingleTransaction(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithTransactionCookie(auth0kit.TransactionCookieOptions{Single: true}))
	p := e.browser.hit(e.appURL + "/auth/login")
	if findCookie(p, "__txn_") == nil {
		t.Fatalf("single mode wrote %v, want __txn_", p.Header.Values("Set-Cookie"))
	}
	cb := e.authorize("")
	if got := e.browser.get(cb.String()); got.StatusCode != http.StatusOK {
		t.Fatalf("single-mode callback: %d %s", got.StatusCode, got.body)
	}
	if !e.loggedIn() {
		t.Fatal("not logged in")
	}
}

func testInferredBaseURL(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithAppBaseURL(),
		auth0kit.WithTuning(auth0kit.Tuning{TrustedProxies: []netip.Prefix{mustPrefix("127.0.0.0/8")}}))
	p := e.browser.hit(e.appURL+"/auth/login", "X-Forwarded-Host", "app.example.com", "X-Forwarded-Proto", "https")
	q := p.location(t).Query()
	if got := q.Get("redirect_uri"); got != "https://app.example.com/auth/callback" {
		t.Errorf("redirect_uri = %q, want the forwarded origin", got)
	}
	txn := findCookie(p, "__txn_"+q.Get("state"))
	if txn == nil || !txn.Secure {
		t.Errorf("inferred base URL: transaction cookie must be Secure: %v", txn)
	}
}

func testUntrustedProxy(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithAppBaseURL())
	p := e.browser.hit(e.appURL+"/auth/login", "X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https")
	q := p.location(t).Query()
	if got := q.Get("redirect_uri"); got != e.appURL+"/auth/callback" {
		t.Errorf("redirect_uri = %q: forwarded headers from an untrusted peer were used", got)
	}
}
