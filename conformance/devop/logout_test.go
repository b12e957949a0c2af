package devop_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func TestLogout(t *testing.T) {
	t.Parallel()
	const app = "https://app.example/bye"
	clients := []devop.Client{
		{ID: "loopback", Secret: "s1"},
		{ID: "registered", Secret: "s2", PostLogoutRedirectURIs: []string{app}},
	}
	p := devop.Start(t, devop.Options{Clients: clients})
	tests := []struct {
		name     string
		path     string
		params   func(idToken string) url.Values
		wantCode int
		wantLoc  string // expected Location for 302
		loggedIn bool   // OP session survives
	}{
		{"oidc: hint + redirect + state", "oidc/logout", func(idt string) url.Values {
			return url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {"http://localhost:3000/"}, "state": {"xyz"}}
		}, 302, "http://localhost:3000/?state=xyz", false},
		{"oidc: client_id + redirect", "oidc/logout", func(string) url.Values {
			return url.Values{"client_id": {"registered"}, "post_logout_redirect_uri": {app}}
		}, 302, app, false},
		{"oidc: no redirect shows page", "oidc/logout", func(string) url.Values { return url.Values{} }, 200, "", false},
		{"oidc: logout_hint accepted", "oidc/logout", func(string) url.Values {
			return url.Values{"logout_hint": {testEmail}, "client_id": {"loopback"}}
		}, 200, "", false},
		{"oidc: unregistered redirect", "oidc/logout", func(string) url.Values {
			return url.Values{"client_id": {"registered"}, "post_logout_redirect_uri": {"https://evil.example/"}}
		}, 400, "", true},
		{"oidc: redirect without client", "oidc/logout", func(string) url.Values {
			return url.Values{"post_logout_redirect_uri": {"http://localhost:3000/"}}
		}, 400, "", true},
		{"oidc: hint for another client", "oidc/logout", func(idt string) url.Values {
			return url.Values{"id_token_hint": {idt}, "client_id": {"registered"}}
		}, 400, "", true},
		{"oidc: forged hint", "oidc/logout", func(idt string) url.Values {
			return url.Values{"id_token_hint": {idt[:len(idt)-4] + "AAAA"}}
		}, 400, "", true},
		{"v2: returnTo", "v2/logout", func(string) url.Values {
			return url.Values{"client_id": {"registered"}, "returnTo": {app}, "federated": {""}}
		}, 302, app, false},
		{"v2: returnTo without client_id", "v2/logout", func(string) url.Values {
			return url.Values{"returnTo": {"http://127.0.0.1:3000/done"}}
		}, 302, "http://127.0.0.1:3000/done", false},
		{"v2: bad returnTo", "v2/logout", func(string) url.Values {
			return url.Values{"client_id": {"registered"}, "returnTo": {"https://evil.example/"}}
		}, 400, "", true},
		{"v2: no returnTo", "v2/logout", func(string) url.Values { return url.Values{"client_id": {"loopback"}} }, 200, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRP(t, p) // a fresh browser per case
			// Log in through the form so that the OP session exists.
			verifier, challenge := pkce()
			id := loginForm(t, r.authorize(r.authParams(challenge)))
			q := r.callback(r.postLoginResp(id, testEmail))
			status, tok := r.exchange(q.Get("code"), verifier)
			if status != http.StatusOK {
				t.Fatalf("exchange: %d %v", status, tok)
			}

			resp := r.get(r.p.Issuer() + tt.path + "?" + tt.params(tok["id_token"].(string)).Encode())
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantCode, body)
			}
			if loc := resp.Header.Get("Location"); loc != tt.wantLoc {
				t.Errorf("Location %q, want %q", loc, tt.wantLoc)
			}
			if tt.wantCode == 200 && !strings.Contains(string(body), "You are logged out") {
				t.Errorf("page: %s", body)
			}

			// prompt=none tells whether the OP session survived.
			_, challenge = pkce()
			params := r.authParams(challenge)
			params.Set("prompt", "none")
			q = r.callback(r.authorize(params))
			if got := q.Get("error") == ""; got != tt.loggedIn {
				t.Errorf("OP session alive = %v, want %v (%v)", got, tt.loggedIn, q)
			}
		})
	}
}
