package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

func init() {
	register("security-http/error-answers-nosniff-no-echo", testNoEchoNosniff)
	register("security-http/bad-origin-is-4xx", testBadOrigin4xx)
	register("security-http/expired-provider-session-is-4xx", testExpiredProviderSession)
	register("security-http/logout-junk-cookies-bounded", testLogoutJunkCookies)
}

// marker is the attacker's input; no SDK answer may contain it.
const marker = "<script>x</script>"

// expectSDKAnswer checks an SDK answer: nosniff, the marker not echoed in
// the body, and not a 5xx.
func (e *env) expectSDKAnswer(what string, p *page) {
	e.t.Helper()
	if got := p.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		e.t.Errorf("%s: status %d without X-Content-Type-Options: nosniff (%q)", what, p.StatusCode, got)
	}
	if strings.Contains(p.body, "<script") || strings.Contains(p.body, "script>") {
		e.t.Errorf("%s: body echoes the input: %q", what, p.body)
	}
	if p.StatusCode >= 500 {
		e.t.Errorf("%s: status %d for bad input; body %q", what, p.StatusCode, p.body)
	}
}

func testNoEchoNosniff(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithSessionStore(sessionstore.NewMemory()))
	m := url.QueryEscape(marker)
	cases := []struct {
		name, path string
		status     int // 0: any non-5xx
	}{
		{"login bad max_age", "/auth/login?max_age=" + m, http.StatusBadRequest},
		{"login malformed query", "/auth/login?returnTo=%zz" + m, http.StatusBadRequest},
		{"login bad returnTo", "/auth/login?returnTo=" + m, http.StatusTemporaryRedirect},
		{"callback bad state", "/auth/callback?state=" + m + "&code=" + m, http.StatusBadRequest},
		{"callback repeated state", "/auth/callback?state=" + m + "&state=" + m, http.StatusBadRequest},
		{"callback provider error", "/auth/callback?error=" + m + "&error_description=" + m + "&state=" + m, http.StatusBadRequest},
		{"callback without state", "/auth/callback?code=" + m, http.StatusBadRequest},
		{"logout bad returnTo and state", "/auth/logout?returnTo=" + m + "&state=" + m, http.StatusTemporaryRedirect},
		{"profile without session", "/auth/profile?x=" + m, http.StatusUnauthorized},
		{"access token for an unconfigured audience", "/auth/access-token?audience=" + m + "&scope=" + m, http.StatusBadRequest},
		{"access token without session", "/auth/access-token", http.StatusUnauthorized},
		{"page guard", "/private?returnTo=" + m, http.StatusFound},
		{"API guard", "/api/me?x=" + m, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		p := e.browser.fetch(e.appURL + tc.path)
		if p.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d; body %q", tc.name, p.StatusCode, tc.status, p.body)
		}
		e.expectSDKAnswer(tc.name, p)
	}
	// A back-channel logout token whose header carries the marker is
	// refused before any network call, without repeating it.
	hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"` + marker + `"}`))
	p := e.postLogoutToken(hdr + ".e30.c2ln")
	if p.StatusCode != http.StatusBadRequest {
		t.Errorf("logout token with a bad typ: status %d, want 400; body %q", p.StatusCode, p.body)
	}
	e.expectSDKAnswer("back-channel logout", p)
	// Logged in, the guards let the request through and the routes still
	// mark their answers.
	e.login("")
	for _, path := range []string{"/auth/profile", "/auth/logout"} {
		e.expectSDKAnswer(path, e.browser.hit(e.appURL+path))
	}
}

func testBadOrigin4xx(t *testing.T, h Harness) {
	// addBase adds a second APP_BASE_URL to the harness's own.
	addBase := auth0kit.Option(func(c *auth0kit.Config) {
		c.AppBaseURLs = append(c.AppBaseURLs, "https://other.example")
	})
	cases := []struct {
		name string
		opts []auth0kit.Option
		host string
	}{
		{"untrusted origin with several base URLs", []auth0kit.Option{addBase}, "evil-origin.example"},
		{"300-byte Host without APP_BASE_URL", []auth0kit.Option{auth0kit.WithAppBaseURL()}, strings.Repeat("a", 300) + ".example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t, h, devop.Options{}, tc.opts...)
			for _, route := range []string{"/auth/login", "/auth/callback?state=abc&code=def", "/auth/logout"} {
				p := e.browser.hit(e.appURL+route, "Host", tc.host)
				if p.StatusCode < 400 || p.StatusCode >= 500 {
					t.Errorf("%s: status %d, want 4xx; body %q", route, p.StatusCode, p.body)
				}
				e.expectSDKAnswer(route, p)
				if strings.Contains(p.body, tc.host[:12]) {
					t.Errorf("%s: body echoes the Host header: %q", route, p.body)
				}
			}
		})
	}
}

func testExpiredProviderSession(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.needDevop("ID token tampering")
	cb := e.authorize("").String()
	e.op.TamperNextIDToken(func(tk *devop.IDToken) {
		tk.Claims["session_expiry"] = time.Now().Add(-time.Hour).Unix()
	})
	p := e.browser.hit(cb)
	if p.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback with a passed session_expiry: status %d, want 400; body %q", p.StatusCode, p.body)
	}
	e.expectSDKAnswer("callback", p)
	if e.loggedIn() {
		t.Fatal("logged in with a passed session_expiry")
	}
}

// logoutCookieBound is the most Set-Cookie headers a logout may send,
// whatever the request carries: the base session cookie, chunks 0..100,
// 16 transaction cookies, and some slack.
const logoutCookieBound = 1 + 101 + 16 + 8

func testLogoutJunkCookies(t *testing.T, h Harness) {
	big := strings.Repeat("x", 6000)
	e := setup(t, h, devop.Options{}, auth0kit.WithHooks(auth0kit.Hooks{
		BeforeSessionSaved: func(_ context.Context, s *auth0kit.Session, _ string) (*auth0kit.Session, error) {
			s.User.Extra = map[string]json.RawMessage{"blob": json.RawMessage(`"` + big + `"`)}
			return s, nil
		},
	}))
	e.login("")
	e.authorize("") // an abandoned login leaves a transaction cookie
	pu := mustURL(e.appURL)
	var legit []string
	var header strings.Builder
	for _, c := range e.browser.jar.Cookies(pu) {
		if strings.HasPrefix(c.Name, "__session") || strings.HasPrefix(c.Name, "__txn_") {
			legit = append(legit, c.Name) // not the provider's cookies (same host)
		}
		fmt.Fprintf(&header, "%s=%s; ", c.Name, c.Value)
	}
	var chunks, txns int
	for _, n := range legit {
		switch {
		case strings.HasPrefix(n, "__session__"):
			chunks++
		case strings.HasPrefix(n, "__txn_"):
			txns++
		}
	}
	if chunks < 2 || txns != 1 {
		t.Fatalf("cookies %v: want a chunked session and one transaction", legit)
	}
	// As many junk cookies as the server accepts (net/http: 1 MB of
	// header; fasthttp: its read buffer), up to 20 000: chunk indexes
	// past the real ones and transaction cookies.
	for n := 20000; ; n /= 2 {
		if n < 200 {
			t.Fatal("the server refuses even a few hundred junk cookies")
		}
		var junk strings.Builder
		junk.WriteString(header.String())
		for i := range n {
			if i%2 == 0 {
				fmt.Fprintf(&junk, "__session__%d=j; ", chunks+i/2)
			} else {
				fmt.Fprintf(&junk, "__txn_j%d=j; ", i)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, e.appURL+"/auth/logout", nil)
		req.Header.Set("Cookie", strings.TrimSuffix(junk.String(), "; "))
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := hc.Do(req)
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusRequestHeaderFieldsTooLarge || resp.StatusCode == http.StatusBadRequest {
			continue
		}
		if resp.StatusCode != http.StatusTemporaryRedirect {
			t.Fatalf("logout with %d junk cookies: status %d %q", n, resp.StatusCode, body)
		}
		// Counted raw: resp.Cookies() gives up on thousands of cookies.
		sent := resp.Header.Values("Set-Cookie")
		if len(sent) > logoutCookieBound {
			t.Fatalf("logout with %d junk cookies sent %d Set-Cookie headers, want at most %d", n, len(sent), logoutCookieBound)
		}
		deleted := map[string]bool{}
		for _, line := range sent {
			if c, err := http.ParseSetCookie(line); err == nil && c.MaxAge < 0 {
				deleted[c.Name] = true
			}
		}
		for _, name := range legit {
			if !deleted[name] {
				t.Errorf("logout with %d junk cookies did not delete %s", n, name)
			}
		}
		t.Logf("%d junk cookies: %d Set-Cookie headers", n, len(sent))
		return
	}
}
