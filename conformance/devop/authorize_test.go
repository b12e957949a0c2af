package devop_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func TestAuthorizeErrors(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{
		AutoLoginEmail: testEmail,
		Clients: []devop.Client{
			{ID: "loopback", Secret: "s1"},
			{ID: "registered", Secret: "s2", RedirectURIs: []string{"https://app.example/cb"}},
		},
	})
	tests := []struct {
		name    string
		mutate  func(url.Values)
		page    bool   // expect a 400 HTML page, never a redirect
		wantErr string // expect a redirect with this error
	}{
		{name: "unknown client", mutate: func(p url.Values) { p.Set("client_id", "nope") }, page: true},
		{name: "missing client", mutate: func(p url.Values) { p.Del("client_id") }, page: true},
		{name: "missing redirect_uri", mutate: func(p url.Values) { p.Del("redirect_uri") }, page: true},
		{name: "non-loopback redirect_uri", mutate: func(p url.Values) { p.Set("redirect_uri", "http://evil.example/cb") }, page: true},
		{name: "https loopback is not the rule", mutate: func(p url.Values) { p.Set("redirect_uri", "https://127.0.0.1:9999/cb") }, page: true},
		{name: "redirect_uri mismatch", mutate: func(p url.Values) {
			p.Set("client_id", "registered")
			p.Set("redirect_uri", "https://app.example/cb/")
		}, page: true},
		{name: "registered redirect_uri", mutate: func(p url.Values) {
			p.Set("client_id", "registered")
			p.Set("redirect_uri", "https://app.example/cb")
		}},
		{name: "missing code_challenge", mutate: func(p url.Values) { p.Del("code_challenge") }, wantErr: "invalid_request"},
		{name: "missing code_challenge_method", mutate: func(p url.Values) { p.Del("code_challenge_method") }, wantErr: "invalid_request"},
		{name: "plain PKCE", mutate: func(p url.Values) { p.Set("code_challenge_method", "plain") }, wantErr: "invalid_request"},
		{name: "short code_challenge", mutate: func(p url.Values) { p.Set("code_challenge", "abc") }, wantErr: "invalid_request"},
		{name: "no openid scope", mutate: func(p url.Values) { p.Set("scope", "profile email") }, wantErr: "invalid_scope"},
		{name: "missing response_type", mutate: func(p url.Values) { p.Del("response_type") }, wantErr: "invalid_request"},
		{name: "implicit", mutate: func(p url.Values) { p.Set("response_type", "id_token token") }, wantErr: "unsupported_response_type"},
		{name: "form_post", mutate: func(p url.Values) { p.Set("response_mode", "form_post") }, wantErr: "invalid_request"},
		{name: "repeated parameter", mutate: func(p url.Values) { p.Add("scope", "openid") }, wantErr: "invalid_request"},
		{name: "request object", mutate: func(p url.Values) { p.Set("request", "eyJ.x.y") }, wantErr: "request_not_supported"},
		{name: "bad max_age", mutate: func(p url.Values) { p.Set("max_age", "-1") }, wantErr: "invalid_request"},
		{name: "prompt none+login", mutate: func(p url.Values) { p.Set("prompt", "none login") }, wantErr: "invalid_request"},
		{name: "extra parameters accepted", mutate: func(p url.Values) {
			p.Set("audience", "https://api.example")
			p.Set("connection", "x")
			p.Set("prompt", "consent")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, challenge := pkce()
			params := r.authParams(challenge)
			params.Set("client_id", "loopback")
			tt.mutate(params)
			resp := r.authorize(params)
			defer resp.Body.Close()
			if tt.page {
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" ||
					!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					t.Fatalf("got %d Location=%q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
				}
				return
			}
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want 302", resp.StatusCode)
			}
			loc, _ := url.Parse(resp.Header.Get("Location"))
			q := loc.Query()
			if q.Get("error") != tt.wantErr {
				t.Fatalf("error = %q, want %q (%s)", q.Get("error"), tt.wantErr, loc)
			}
			if q.Get("iss") != r.p.Issuer() || q.Get("state") != "st-123" {
				t.Errorf("redirect lacks iss or state: %s", loc)
			}
			if (tt.wantErr == "") == (q.Get("code") == "") {
				t.Errorf("code presence wrong: %s", loc)
			}
		})
	}
}

// TestRedirectKeepsQuery checks that parameters are added to a registered
// redirect URI's existing query and that state is omitted when not sent.
func TestRedirectKeepsQuery(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	_, challenge := pkce()
	params := r.authParams(challenge)
	params.Set("redirect_uri", "http://localhost:8080/cb?tenant=a")
	params.Del("state")
	resp := r.authorize(params)
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if q.Get("tenant") != "a" || q.Get("code") == "" || q.Has("state") {
		t.Errorf("Location %s", loc)
	}
}
