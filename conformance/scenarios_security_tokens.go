package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// Scenarios for the token and logout holes of the attack review (issue 8:
// Medium 3, Low 5, 6 and 9).
func init() {
	register("security/access-token-unconfigured-audience-scope-refused", testAccessTokenGrowthRefused)
	register("security/access-token-cache-capped", testAccessTokenCap)
	register("security/access-token-cross-site-refused", testAccessTokenCrossSite)
	register("security/logout-during-store-outage-clears-cookies", testLogoutDuringOutage)
	register("security/copied-cookie-refused-after-logout", testCopiedCookieAfterLogout)
	register("security/stale-cookie-gets-no-memo-after-logout", testStaleCookieMemoAfterLogout)
}

// sessionBytes is the total size of the jar's session cookies.
func (e *env) sessionBytes() (n, count int) {
	for _, c := range e.browser.jar.Cookies(mustURL(e.appURL)) {
		if strings.HasPrefix(c.Name, "__session") {
			n += len(c.Value)
			count++
		}
	}
	return n, count
}

// copyBrowser is a second browser holding a copy of the app's cookies, as
// an attacker who copied them (or a stale tab) would.
func (e *env) copyBrowser() *browser {
	b := newBrowser(e.t)
	for _, c := range e.browser.jar.Cookies(mustURL(e.appURL)) {
		b.setCookie(e.appURL, c.Name, c.Value)
	}
	return b
}

// testAccessTokenGrowthRefused replays the attack: 50 requests with new
// audience/scope pairs. Each is refused with 400 before any network call,
// and the session does not grow.
func testAccessTokenGrowthRefused(t *testing.T, h Harness) {
	const api = "https://api.example.com/"
	e := setup(t, h, devop.Options{}, auth0kit.WithAudienceScopes(map[string]string{api: "openid profile email offline_access read:data"}))
	e.login("")
	beforeBytes, beforeCount := e.sessionBytes()
	for i := range 50 {
		query := fmt.Sprintf("audience=%s&scope=s%d", url.QueryEscape(fmt.Sprintf("https://api%d.attacker.example/", i)), i)
		code := "audience_not_allowed"
		if i%2 == 1 { // a configured audience with a scope it does not have
			query, code = fmt.Sprintf("audience=%s&scope=read:data%%20s%d", url.QueryEscape(api), i), "scope_not_allowed"
		}
		p, body := e.accessToken(query)
		if p.StatusCode != http.StatusBadRequest || body.Error == nil || body.Error.Code != code {
			t.Fatalf("request %d (%s): %d %s, want 400 %s", i, query, p.StatusCode, p.body, code)
		}
		if strings.Contains(p.body, "attacker") {
			t.Fatalf("the error echoes the query: %s", p.body)
		}
		if len(p.Header.Values("Set-Cookie")) != 0 {
			t.Fatalf("a refused request rewrote the session: %v", p.Header.Values("Set-Cookie"))
		}
	}
	if n := e.refreshes(); n > 0 {
		t.Errorf("refused requests made %d refresh requests", n)
	}
	if b, n := e.sessionBytes(); b != beforeBytes || n != beforeCount {
		t.Errorf("the session grew from %d bytes (%d cookies) to %d (%d)", beforeBytes, beforeCount, b, n)
	}
	// The configured audience and scope still work.
	if e.certified() {
		return // the certified provider's registration has no API audience
	}
	p, body := e.accessToken("audience=" + url.QueryEscape(api) + "&scope=read:data")
	if p.StatusCode != http.StatusOK || body.Token == "" {
		t.Fatalf("configured audience: %d %s", p.StatusCode, p.body)
	}
}

// testAccessTokenCap stores more audiences than the cap allows: the least
// recently stored is evicted (and refreshed again when asked for), and
// connection tokens are capped the same way.
func testAccessTokenCap(t *testing.T, h Harness) {
	auds := map[string]string{}
	for i := range 5 {
		auds[fmt.Sprintf("https://api%d.example.com/", i)] = "openid profile email offline_access read:data"
	}
	apis := make([]string, 0, len(auds))
	for a := range auds {
		apis = append(apis, a)
	}
	e := setup(t, h, devop.Options{APIAudiences: apis}, auth0kit.WithAudienceScopes(auds), auth0kit.WithTuning(auth0kit.Tuning{MaxAccessTokens: 3}))
	e.needDevop("API audiences, Token Vault connections and a refresh counter")
	e.login("")
	get := func(i int) {
		t.Helper()
		p, body := e.accessToken("audience=" + url.QueryEscape(fmt.Sprintf("https://api%d.example.com/", i)))
		if p.StatusCode != http.StatusOK || body.Token == "" {
			t.Fatalf("audience %d: %d %s", i, p.StatusCode, p.body)
		}
	}
	for i := range 5 {
		get(i)
	}
	if n := e.refreshes(); n != 5 {
		t.Fatalf("%d refreshes for 5 audiences", n)
	}
	get(4) // cached
	get(2) // cached (the third most recent)
	if n := e.refreshes(); n != 5 {
		t.Fatalf("a cached audience was refreshed (%d refreshes)", n)
	}
	get(0) // evicted: refreshed again
	if n := e.refreshes(); n != 6 {
		t.Fatalf("%d refreshes, want the evicted audience refreshed once more", n)
	}

	// Connection tokens: a cap of 3 holds both connections; with the cap
	// at 1 the older one is evicted.
	e2 := setup(t, h, devop.Options{}, auth0kit.WithTuning(auth0kit.Tuning{MaxAccessTokens: 1}))
	e2.login("")
	const grant = "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token"
	for _, conn := range []string{"google-oauth2", "github", "github", "google-oauth2"} {
		p := e2.browser.hit(e2.appURL + "/api/connection-token?connection=" + conn)
		e2.expectStatus(p, http.StatusOK)
	}
	if n := e2.op.TokenRequests(grant); n != 3 {
		t.Errorf("%d exchanges, want 3 (github cached, google-oauth2 evicted by github)", n)
	}
}

// testAccessTokenCrossSite: a GET carries SameSite=Lax cookies on a
// cross-site top-level navigation, so the route needs a same-origin
// signal.
func testAccessTokenCrossSite(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.login("")
	u := e.appURL + e.client.Routes().AccessToken + "?refresh=true"
	for _, tc := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"cross-site navigation", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"same-site", []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"no signal", nil, http.StatusForbidden},
		{"same-origin fetch", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusOK},
		{"typed in the address bar", []string{"Sec-Fetch-Site", "none"}, http.StatusOK},
		{"custom header", []string{auth0kit.AccessTokenRequestHeader, "XMLHttpRequest"}, http.StatusOK},
	} {
		before := e.refreshes()
		p := e.browser.hit(u, tc.hdr...)
		if p.StatusCode != tc.want {
			t.Fatalf("%s: %d %s, want %d", tc.name, p.StatusCode, p.body, tc.want)
		}
		if tc.want != http.StatusForbidden {
			continue
		}
		var body tokenBody
		if err := json.Unmarshal([]byte(p.body), &body); err != nil || body.Error == nil || body.Error.Code != auth0kit.CodeCrossSiteRequest {
			t.Errorf("%s: body %s, want code %s", tc.name, p.body, auth0kit.CodeCrossSiteRequest)
		}
		if len(p.Header.Values("Set-Cookie")) != 0 || (before >= 0 && e.refreshes() != before) {
			t.Errorf("%s: a refused request refreshed or rewrote the session", tc.name)
		}
	}
}

// testLogoutDuringOutage: the user asked to leave, so logout clears the
// cookies even when the store is down, and sends the browser to the
// provider's logout (without the session's id_token_hint, which is in the
// unreachable store).
func testLogoutDuringOutage(t *testing.T, h Harness) {
	store := &flakyStore{Memory: sessionstore.NewMemory()}
	e := setup(t, h, devop.Options{}, auth0kit.WithSessionStore(store))
	e.login("")
	e.authorize("") // an abandoned login leaves a transaction cookie
	store.down.Store(true)
	p := e.browser.hit(e.appURL + e.client.Routes().Logout)
	if p.StatusCode != http.StatusTemporaryRedirect && p.StatusCode != http.StatusFound {
		t.Fatalf("logout during a store outage: %d %s, want a redirect", p.StatusCode, p.body)
	}
	loc := p.location(t)
	if end := e.metadata("end_session_endpoint"); !strings.HasPrefix(loc.String(), end) {
		t.Errorf("logout redirect %s, want the provider's end_session_endpoint %s", loc, end)
	}
	if loc.Query().Get("client_id") != e.clientID || loc.Query().Get("id_token_hint") != "" {
		t.Errorf("logout redirect query %v, want client_id and no id_token_hint", loc.Query())
	}
	var session, txn bool
	for _, c := range p.setCookies() {
		if c.MaxAge < 0 && c.Name == "__session" {
			session = true
		}
		if c.MaxAge < 0 && strings.HasPrefix(c.Name, "__txn_") {
			txn = true
		}
	}
	if !session || !txn {
		t.Errorf("logout during an outage did not delete the session (%v) and transaction (%v) cookies: %v",
			session, txn, p.Header.Values("Set-Cookie"))
	}
	store.down.Store(false)
	if e.loggedIn() {
		t.Fatal("still logged in after logout")
	}
}

// testCopiedCookieAfterLogout: with a revocation list, a copy of a
// stateless cookie taken before logout is refused after it; logging in
// again (the provider may hand out the same sid) works.
func testCopiedCookieAfterLogout(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithRevocationList(sessionstore.NewMemory()))
	e.login("")
	copied := e.copyBrowser()
	if p := copied.hit(e.appURL + "/api/me"); p.StatusCode != http.StatusOK {
		t.Fatalf("copied cookie before logout: %d", p.StatusCode)
	}
	e.browser.hit(e.appURL + e.client.Routes().Logout) // not following to the provider
	if p := copied.hit(e.appURL + "/api/me"); p.StatusCode != http.StatusUnauthorized {
		t.Fatalf("copied cookie after logout: %d %s, want 401", p.StatusCode, p.body)
	}
	// The logout entry names the sid and the session's creation second.
	e.clock.Advance(2 * time.Second)
	e.login("")
	if !e.loggedIn() {
		t.Fatal("a new login after logout is refused")
	}
}

// testStaleCookieMemoAfterLogout: a stale copy of the cookie (holding the
// refresh token from before a rotation) must not get the rotated tokens
// from the refresh memo once the session logged out.
func testStaleCookieMemoAfterLogout(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.login("")
	stale, straggler := e.copyBrowser(), e.copyBrowser()
	p, fresh := e.accessToken("refresh=true")
	e.expectStatus(p, http.StatusOK)
	// Before logout a straggler is served from the memo (no replay).
	if p := straggler.fetch(e.appURL + e.client.Routes().AccessToken + "?refresh=true"); p.StatusCode != http.StatusOK {
		t.Fatalf("straggler before logout: %d %s", p.StatusCode, p.body)
	}
	e.browser.hit(e.appURL + e.client.Routes().Logout)
	p = stale.fetch(e.appURL + e.client.Routes().AccessToken + "?refresh=true")
	if p.StatusCode == http.StatusOK {
		t.Fatalf("a stale cookie got tokens after logout: %.60s…", p.body)
	}
	if strings.Contains(p.body, fresh.Token) {
		t.Fatal("a stale cookie got the rotated access token after logout")
	}
}
