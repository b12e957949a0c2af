package conformance

import (
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
	return e.browser.get(u)
}

// authorize starts a login and lets the provider answer, but stops before
// the callback: it returns the callback URL the provider redirected to.
func (e *env) authorize(query string) *url.URL {
	e.t.Helper()
	u := e.appURL + e.client.Routes().Login
	if query != "" {
		u += "?" + query
	}
	first := e.browser.hit(u)
	if first.StatusCode/100 != 3 {
		e.t.Fatalf("login: status %d, want a redirect: %s", first.StatusCode, first.body)
	}
	op := e.browser.hit(first.location(e.t).String())
	if op.StatusCode/100 != 3 {
		e.t.Fatalf("provider /authorize: status %d: %s", op.StatusCode, op.body)
	}
	cb := op.location(e.t)
	if !strings.HasPrefix(cb.String(), e.appURL) {
		e.t.Fatalf("provider redirected to %s, not to the app", cb)
	}
	return cb
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
