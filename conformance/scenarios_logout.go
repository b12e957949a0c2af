package conformance

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("logout/strategies", testLogoutStrategies)
	register("logout/revokes-refresh-token", testLogoutRevokes)
	register("logout/clears-transaction-cookies", testLogoutClearsTransactions)
	register("redirect/open-redirects-refused-on-login", testOpenRedirectLogin)
	register("redirect/open-redirects-refused-on-logout", testOpenRedirectLogout)
}

func testLogoutStrategies(t *testing.T, h Harness) {
	cases := []struct {
		name      string
		opts      []auth0kit.Option
		query     string
		wantPath  string
		wantQuery map[string]string // "" value: present and empty; "*": present
		absent    []string
	}{
		{name: "auto uses OIDC", wantPath: "/oidc/logout",
			wantQuery: map[string]string{"client_id": "*", "post_logout_redirect_uri": "APP", "id_token_hint": "*", "logout_hint": "*"}},
		{name: "oidc without id_token_hint", opts: []auth0kit.Option{auth0kit.WithLogout(auth0kit.LogoutConfig{Strategy: auth0kit.LogoutOIDC}), auth0kit.WithLogout(auth0kit.LogoutConfig{NoIDTokenHint: true})},
			wantPath: "/oidc/logout", wantQuery: map[string]string{"client_id": "*", "logout_hint": "*"}, absent: []string{"id_token_hint"}},
		{name: "oidc federated with state", opts: []auth0kit.Option{auth0kit.WithLogout(auth0kit.LogoutConfig{Strategy: auth0kit.LogoutOIDC})}, query: "federated&state=abc",
			wantPath: "/oidc/logout", wantQuery: map[string]string{"federated": "", "state": "abc"}},
		{name: "v2", opts: []auth0kit.Option{auth0kit.WithLogout(auth0kit.LogoutConfig{Strategy: auth0kit.LogoutV2})},
			wantPath: "/v2/logout", wantQuery: map[string]string{"client_id": "*", "returnTo": "APP"}, absent: []string{"id_token_hint", "federated"}},
		{name: "v2 federated", opts: []auth0kit.Option{auth0kit.WithLogout(auth0kit.LogoutConfig{Strategy: auth0kit.LogoutV2})}, query: "federated",
			wantPath: "/v2/logout", wantQuery: map[string]string{"federated": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t, h, devop.Options{}, tc.opts...)
			if tc.wantPath == "/v2/logout" {
				e.needDevop("Auth0's /v2/logout")
			}
			e.login("")
			u := e.appURL + "/auth/logout"
			if tc.query != "" {
				u += "?" + tc.query
			}
			p := e.browser.hit(u)
			e.expectStatus(p, http.StatusTemporaryRedirect)
			loc := p.location(t)
			endpoint := strings.TrimSuffix(e.issuer, "/") + tc.wantPath
			if tc.wantPath == "/oidc/logout" {
				endpoint = e.metadata("end_session_endpoint")
			}
			if !strings.HasPrefix(loc.String(), endpoint+"?") {
				t.Fatalf("logout redirect %s, want %s", loc, tc.wantPath)
			}
			q := loc.Query()
			for k, v := range tc.wantQuery {
				vals, ok := q[k]
				switch {
				case !ok:
					t.Errorf("%s missing from %s", k, loc.RawQuery)
				case v == "APP" && vals[0] != e.appURL:
					t.Errorf("%s = %q, want %q", k, vals[0], e.appURL)
				case v != "*" && v != "APP" && vals[0] != v:
					t.Errorf("%s = %q, want %q", k, vals[0], v)
				}
			}
			for _, k := range tc.absent {
				if q.Has(k) {
					t.Errorf("%s present in %s", k, loc.RawQuery)
				}
			}
			if ck := findCookie(p, "__session"); ck == nil || ck.MaxAge >= 0 {
				t.Errorf("session cookie not deleted: %v", p.Header.Values("Set-Cookie"))
			}
			if cc := p.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("logout Cache-Control %q", cc)
			}
			// The provider accepts what we sent and sends the user back.
			back := e.browser.get(loc.String())
			e.expectStatus(back, http.StatusOK)
			if e.loggedIn() {
				t.Fatal("still logged in")
			}
		})
	}
}

func testLogoutRevokes(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.needDevop("a record of revoked tokens")
	e.login("")
	e.browser.get(e.appURL + "/auth/logout")
	if n := len(e.op.RevokedTokens()); n != 1 {
		t.Fatalf("%d tokens revoked at logout, want the refresh token", n)
	}
}

func testLogoutClearsTransactions(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.login("")
	e.authorize("") // an abandoned second login leaves a transaction cookie
	p := e.browser.hit(e.appURL + "/auth/logout")
	var deleted int
	for _, c := range p.setCookies() {
		if strings.HasPrefix(c.Name, "__txn_") && c.MaxAge < 0 {
			deleted++
		}
	}
	if deleted != 1 {
		t.Errorf("logout deleted %d transaction cookies, want 1: %v", deleted, p.Header.Values("Set-Cookie"))
	}
}

// openRedirects are returnTo values that must never send the user away.
var openRedirects = []string{
	"//evil.com", "//evil.com/path", "https://evil.com", "http://evil.com/x", "/\\evil.com", "\\\\evil.com",
	"/\\/evil.com", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,hi", "https:evil.com",
	"///evil.com", "http://127.0.0.1.evil.com/", "https://user@evil.com", "/%09/evil.com", "\t//evil.com",
	"//evil.com%2F..", "http:\\\\evil.com", "evil.com", "%2F%2Fevil.com",
}

func testOpenRedirectLogin(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	for _, target := range openRedirects {
		t.Run(target, func(t *testing.T) {
			e.t = t
			p := e.login("returnTo=" + url.QueryEscape(target))
			final := p.Request.URL
			if final.Host != strings.TrimPrefix(e.appURL, "http://") {
				t.Fatalf("returnTo %q sent the user to %s", target, final)
			}
			if target != "evil.com" && final.Path != "/" {
				t.Errorf("returnTo %q landed on %s, want /", target, final)
			}
		})
	}
}

func testOpenRedirectLogout(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	for _, target := range openRedirects {
		t.Run(target, func(t *testing.T) {
			e.t = t
			e.login("")
			p := e.browser.hit(e.appURL + "/auth/logout?returnTo=" + url.QueryEscape(target))
			loc := p.location(t)
			got := loc.Query().Get("post_logout_redirect_uri")
			if !strings.HasPrefix(got, e.appURL) {
				t.Fatalf("logout returnTo %q became %q", target, got)
			}
		})
	}
}
