package conformance

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("tokens/cached-token-returned", testCachedToken)
	register("tokens/no-session-401", testTokenNoSession)
	register("tokens/refresh-when-expired-and-persisted", testRefreshWhenExpired)
	register("tokens/100-concurrent-requests-one-refresh", testRefreshCoalescing)
	register("tokens/forced-refresh-rotates-refresh-token", testForcedRefreshRotation)
}

// tokenBody is the /auth/access-token answer.
type tokenBody struct {
	Token     string `json:"token"`
	Scope     string `json:"scope"`
	ExpiresAt int64  `json:"expires_at"`
	ExpiresIn int64  `json:"expires_in"`
	TokenType string `json:"token_type"`
	Error     *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (e *env) accessToken(query string) (*page, tokenBody) {
	e.t.Helper()
	u := e.appURL + e.client.Routes().AccessToken
	if query != "" {
		u += "?" + query
	}
	p := e.browser.fetch(u)
	var body tokenBody
	if err := json.Unmarshal([]byte(p.body), &body); err != nil {
		e.t.Fatalf("access-token body %q: %v", p.body, err)
	}
	if cc := p.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		e.t.Errorf("access-token Cache-Control = %q, want no-store", cc)
	}
	return p, body
}

func testCachedToken(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.login("")
	p, body := e.accessToken("")
	e.expectStatus(p, http.StatusOK)
	if body.Token == "" || body.ExpiresIn <= 0 || body.ExpiresIn > 3600 || body.ExpiresAt == 0 || !strings.EqualFold(body.TokenType, "bearer") {
		t.Fatalf("token body %+v", body)
	}
	if !strings.Contains(body.Scope, "openid") {
		t.Errorf("scope %q", body.Scope)
	}
	if n := e.refreshes(); n > 0 {
		t.Errorf("%d refresh requests for a valid cached token", n)
	}
	if len(p.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("a cached token rewrote the session: %v", p.Header.Values("Set-Cookie"))
	}
	_, again := e.accessToken("")
	if again.Token != body.Token {
		t.Error("the cached token changed")
	}
}

func testTokenNoSession(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	p, body := e.accessToken("")
	e.expectStatus(p, http.StatusUnauthorized)
	if body.Error == nil || body.Error.Code != "missing_session" {
		t.Fatalf("body %q, want error code missing_session", p.body)
	}
}

func testRefreshWhenExpired(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.needDevop("a clock shared with the provider")
	e.login("")
	_, first := e.accessToken("")
	e.clock.Advance(2 * time.Hour) // the access token (1 h) has expired
	p, body := e.accessToken("")
	e.expectStatus(p, http.StatusOK)
	if body.Token == first.Token {
		t.Fatal("expired token returned")
	}
	if n := e.op.TokenRequests("refresh_token"); n != 1 {
		t.Fatalf("%d refresh requests, want 1", n)
	}
	if findCookie(p, "__session") == nil {
		t.Fatal("the refreshed tokens were not saved in the session")
	}
	_, again := e.accessToken("")
	if again.Token != body.Token || e.op.TokenRequests("refresh_token") != 1 {
		t.Error("the refreshed token was not reused from the session")
	}
}

func testRefreshCoalescing(t *testing.T, h Harness) {
	var opts []auth0kit.Option
	if h.certified != nil {
		// The provider's clock cannot be moved: make every token due for
		// refresh instead.
		opts = append(opts, auth0kit.WithTuning(auth0kit.Tuning{TokenRefreshLeeway: 2 * time.Hour}))
	}
	e := setup(t, h, devop.Options{}, opts...)
	e.login("")
	if !e.certified() {
		e.clock.Advance(2 * time.Hour)
	}
	cookies := e.browser.jar.Cookies(mustURL(e.appURL))
	var hdr []string
	for _, c := range cookies {
		hdr = append(hdr, c.Name+"="+c.Value)
	}
	cookieHeader := strings.Join(hdr, "; ")
	get := func() (int, string) {
		req, _ := http.NewRequest(http.MethodGet, e.appURL+e.client.Routes().AccessToken, nil)
		req.Header.Set("Cookie", cookieHeader)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		defer resp.Body.Close()
		var b tokenBody
		_ = json.NewDecoder(resp.Body).Decode(&b)
		return resp.StatusCode, b.Token
	}
	const n = 100
	var wg sync.WaitGroup
	tokens := make([]string, n)
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], tokens[i] = get()
		}()
	}
	wg.Wait()
	for i := range n {
		if statuses[i] != http.StatusOK || tokens[i] != tokens[0] {
			t.Fatalf("request %d: status %d token %.12q…, want 200 and one shared token", i, statuses[i], tokens[i])
		}
	}
	if got := e.refreshes(); got >= 0 && got != 1 {
		t.Fatalf("%d concurrent requests made %d refresh requests, want exactly 1", n, got)
	}
	// A straggler still carrying the pre-refresh cookie gets the new
	// tokens and does not replay the rotated refresh token.
	status, tok := get()
	if status != http.StatusOK || tok != tokens[0] {
		t.Fatalf("straggler: %d %q", status, tok)
	}
	if got := e.refreshes(); got >= 0 && got != 1 {
		t.Fatalf("the straggler made a refresh request (total %d)", got)
	}
}

func testForcedRefreshRotation(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.login("")
	var last string
	for i := range 3 {
		p, body := e.accessToken("refresh=true")
		e.expectStatus(p, http.StatusOK)
		if body.Token == last {
			t.Fatalf("refresh %d returned the previous token", i)
		}
		last = body.Token
	}
	if got := e.refreshes(); got >= 0 && got != 3 {
		t.Fatalf("%d refresh requests, want 3", got)
	}
	// Each refresh used the rotated token; a reused one would have made
	// the provider revoke the grant and this refresh fail.
	p, _ := e.accessToken("refresh=true")
	e.expectStatus(p, http.StatusOK)
}
