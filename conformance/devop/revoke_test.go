package devop_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func TestRevoke(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	revoke := func(token, hint string, mod func(*http.Request)) (int, map[string]any) {
		form := url.Values{"token": {token}}
		if hint != "" {
			form.Set("token_type_hint", hint)
		}
		if mod == nil {
			form.Set("client_id", r.client.ID)
			form.Set("client_secret", r.client.Secret)
		}
		return r.post("oauth/revoke", form, mod)
	}

	tokA, tokB := r.tokens(), r.tokens()
	tests := []struct {
		name       string
		token      string
		hint       string
		mod        func(*http.Request)
		wantStatus int
		after      func(t *testing.T)
	}{
		{"refresh token revokes grant", tokA["refresh_token"].(string), "refresh_token", nil, 200, func(t *testing.T) {
			if status, _ := r.refresh(tokA["refresh_token"].(string), nil); status != 400 {
				t.Errorf("refresh after revoke: %d", status)
			}
			if status, _, _ := r.userinfoResp(http.MethodGet, tokA["access_token"].(string)); status != 401 {
				t.Errorf("access token of revoked grant: %d", status)
			}
		}},
		{"access token with wrong hint", tokB["access_token"].(string), "refresh_token", nil, 200, func(t *testing.T) {
			if status, _, _ := r.userinfoResp(http.MethodGet, tokB["access_token"].(string)); status != 401 {
				t.Errorf("revoked access token: %d", status)
			}
			if status, _ := r.refresh(tokB["refresh_token"].(string), nil); status != 200 {
				t.Errorf("refresh token must survive access token revocation: %d", status)
			}
		}},
		{"unknown token", "whatever", "", nil, 200, nil},
		{"basic auth", "basic-token", "", func(req *http.Request) { req.SetBasicAuth(r.client.ID, r.client.Secret) }, 200, nil},
		{"bad client", "x", "", func(req *http.Request) { req.SetBasicAuth(r.client.ID, "wrong") }, 401, nil},
		{"missing token", "", "", nil, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := revoke(tt.token, tt.hint, tt.mod)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", status, tt.wantStatus, body)
			}
			if tt.after != nil {
				tt.after(t)
			}
		})
	}
	want := []string{tokA["refresh_token"].(string), tokB["access_token"].(string), "whatever", "basic-token"}
	if got := r.p.RevokedTokens(); !slices.Equal(got, want) {
		t.Errorf("RevokedTokens() = %q, want %q", got, want)
	}
}
