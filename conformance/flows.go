package conformance

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// login runs a full login from the app's login route, following every
// redirect, and returns the final page.
func (e *env) login(query string) *page {
	e.t.Helper()
	u := e.appURL + e.client.Routes().Login
	if query != "" {
		u += "?" + query
	}
	return e.browse(u)
}

// authorize starts a login and lets the provider answer, but stops before
// the callback: it returns the callback URL the provider redirected to.
func (e *env) authorize(query string) *url.URL {
	e.t.Helper()
	u := e.appURL + e.client.Routes().Login
	if query != "" {
		u += "?" + query
	}
	p := e.browser.hit(u)
	for range 10 {
		switch {
		case p.StatusCode/100 == 3:
			next := p.location(e.t)
			if !next.IsAbs() {
				next = p.Request.URL.ResolveReference(next)
			}
			if strings.HasPrefix(next.String(), e.appURL) && next.Path != e.client.Routes().Login {
				return next
			}
			p = e.browser.hit(next.String())
		case p.StatusCode == http.StatusOK && e.onProvider(p):
			action, values, ok := providerForm(p)
			if !ok {
				e.t.Fatalf("provider page without a form: %s", p.body)
			}
			p = e.browser.post(action, values, false)
		default:
			e.t.Fatalf("authorize: status %d at %s: %s", p.StatusCode, p.Request.URL, p.body)
		}
	}
	e.t.Fatal("authorize: too many steps")
	return nil
}

// withParam returns u with one query parameter replaced.
func withParam(u *url.URL, key, value string) string {
	cp := *u
	q := cp.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	cp.RawQuery = q.Encode()
	return cp.String()
}

// loggedIn reports whether /auth/profile answers 200.
func (e *env) loggedIn() bool {
	e.t.Helper()
	p := e.browser.hit(e.appURL + e.client.Routes().Profile)
	switch p.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	}
	e.t.Fatalf("profile: unexpected status %d: %s", p.StatusCode, p.body)
	return false
}

// expectStatus fails unless p has the status.
func (e *env) expectStatus(p *page, status int) {
	e.t.Helper()
	if p.StatusCode != status {
		e.t.Fatalf("GET %s: status %d, want %d; body %q", p.Request.URL, p.StatusCode, status, p.body)
	}
}

// findCookie returns the Set-Cookie named name in p, or nil.
func findCookie(p *page, name string) *http.Cookie {
	for _, c := range p.setCookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// metadata returns a member of the provider's discovery document.
func (e *env) metadata(name string) string {
	e.t.Helper()
	resp, err := http.Get(strings.TrimSuffix(e.issuer, "/") + "/.well-known/openid-configuration")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		e.t.Fatal(err)
	}
	v, _ := m[name].(string)
	return v
}

// refreshes counts refresh-token grants at the development provider; -1
// on a provider that does not say.
func (e *env) refreshes() int {
	if e.op == nil {
		return -1
	}
	return e.op.TokenRequests("refresh_token")
}

// profileSub returns the logged-in user's sub from /auth/profile.
func (e *env) profileSub() string {
	e.t.Helper()
	p := e.browser.hit(e.appURL + e.client.Routes().Profile)
	var u struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal([]byte(p.body), &u); err != nil || u.Sub == "" {
		e.t.Fatalf("profile %d %q", p.StatusCode, p.body)
	}
	return u.Sub
}
