package conformance

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func init() {
	register("login/app-under-a-base-path", testBasePath)
}

// testBasePath: with APP_BASE_URL http://host/app the SDK's routes answer
// under /app/auth/*, the transaction and session cookies have Path=/app,
// redirect_uri is /app/auth/callback, guards redirect to /app/auth/login,
// a returnTo outside /app lands under it, and /auth/* at the root is the
// application's, not the SDK's.
func testBasePath(t *testing.T, h Harness) {
	e := setupClient(t, h, clientReg{basePath: "/app"}, devop.Options{})
	origin := strings.TrimSuffix(e.appURL, "/app")

	// A guard sends the anonymous visitor to /app/auth/login.
	g := e.browser.hit(e.appURL + "/private")
	if g.StatusCode != http.StatusFound || g.Header.Get("Location") != "/app/auth/login?returnTo="+url.QueryEscape("/app/private") {
		t.Fatalf("guard: %d %q", g.StatusCode, g.Header.Get("Location"))
	}
	// The root's /auth/login is not the SDK's.
	if p := e.browser.hit(origin + "/auth/login"); p.StatusCode/100 == 3 {
		t.Fatalf("/auth/login outside the base path answered %d %q", p.StatusCode, p.Header.Get("Location"))
	}

	start := e.browser.hit(e.appURL + "/auth/login?returnTo=/private")
	if start.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("login: %d %s", start.StatusCode, start.body)
	}
	if ru := start.location(t).Query().Get("redirect_uri"); ru != e.appURL+"/auth/callback" {
		t.Fatalf("redirect_uri %q, want %q", ru, e.appURL+"/auth/callback")
	}
	txn := 0
	for _, c := range start.setCookies() {
		if strings.HasPrefix(c.Name, "__txn_") {
			txn++
			if c.Path != "/app" {
				t.Fatalf("transaction cookie Path=%q, want /app", c.Path)
			}
		}
	}
	if txn == 0 {
		t.Fatal("no transaction cookie")
	}
	e.browser = newBrowser(t)
	cb := e.authorize("returnTo=/private") // outside /app: lands under it
	if cb.Path != "/app/auth/callback" {
		t.Fatalf("callback path %q", cb.Path)
	}
	done := e.browser.hit(cb.String())
	if done.StatusCode != http.StatusTemporaryRedirect || done.Header.Get("Location") != e.appURL+"/private" {
		t.Fatalf("callback: %d %q %s", done.StatusCode, done.Header.Get("Location"), done.body)
	}
	sc := findCookie(done, "__session")
	if sc == nil || sc.Path != "/app" {
		t.Fatalf("session cookie %v, want Path=/app", sc)
	}
	if p := e.browser.get(e.appURL + "/private"); !strings.HasPrefix(p.body, "private ") {
		t.Fatalf("/app/private after login: %d %q", p.StatusCode, p.body)
	}
	if p := e.browser.get(e.appURL + "/auth/profile"); p.StatusCode != http.StatusOK {
		t.Fatalf("/app/auth/profile: %d", p.StatusCode)
	}
	// Logout clears the cookie on the same path.
	out := e.browser.hit(e.appURL + "/auth/logout")
	if c := findCookie(out, "__session"); out.StatusCode/100 != 3 || c == nil || c.Path != "/app" || c.MaxAge >= 0 {
		t.Fatalf("logout: %d cookie %v", out.StatusCode, c)
	}
	if p := e.browser.hit(e.appURL + "/auth/profile"); p.StatusCode != http.StatusUnauthorized {
		t.Fatalf("profile after logout: %d", p.StatusCode)
	}
}
