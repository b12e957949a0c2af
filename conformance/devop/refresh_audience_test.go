package devop_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

// TestRefreshPerAudience exchanges refresh tokens for access tokens of
// other audiences and scopes (Auth0's multi-resource refresh token).
func TestRefreshPerAudience(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	other := startRP(t, devop.Options{AutoLoginEmail: testEmail, APIAudiences: []string{"urn:my-api"}, APIScopes: []string{"read:x"}})
	userinfo := r.p.Issuer() + "userinfo"
	const granted = "openid profile email offline_access"
	tests := []struct {
		name       string
		rp         *rp
		extra      url.Values
		wantStatus int
		wantErr    string
		wantAud    string
		wantScope  string
		wantIDTok  bool
	}{
		{name: "API audience, grant scope", extra: url.Values{"audience": {"https://api.example.com/"}},
			wantStatus: 200, wantAud: "https://api.example.com/", wantScope: granted, wantIDTok: true},
		{name: "API audience with API scope", extra: url.Values{"audience": {"https://api.example.com/"}, "scope": {"openid read:data"}},
			wantStatus: 200, wantAud: "https://api.example.com/", wantScope: "openid read:data", wantIDTok: true},
		{name: "second API, API scopes only", extra: url.Values{"audience": {"https://api2.example.com/"}, "scope": {"read:data write:data"}},
			wantStatus: 200, wantAud: "https://api2.example.com/", wantScope: "read:data write:data"},
		{name: "userinfo audience explicitly", extra: url.Values{"audience": {userinfo}, "scope": {"openid email"}},
			wantStatus: 200, wantAud: userinfo, wantScope: "openid email", wantIDTok: true},
		{name: "API scope for userinfo", extra: url.Values{"audience": {userinfo}, "scope": {"openid read:data"}},
			wantStatus: 400, wantErr: "invalid_scope"},
		{name: "API scope without audience", extra: url.Values{"scope": {"read:data"}},
			wantStatus: 400, wantErr: "invalid_scope"},
		{name: "unknown API scope", extra: url.Values{"audience": {"https://api.example.com/"}, "scope": {"delete:data"}},
			wantStatus: 400, wantErr: "invalid_scope"},
		{name: "unknown audience", extra: url.Values{"audience": {"https://evil.example/"}},
			wantStatus: 403, wantErr: "access_denied"},
		{name: "configured audience and scope", rp: other, extra: url.Values{"audience": {"urn:my-api"}, "scope": {"read:x"}},
			wantStatus: 200, wantAud: "urn:my-api", wantScope: "read:x"},
		{name: "default audience not configured", rp: other, extra: url.Values{"audience": {"https://api.example.com/"}},
			wantStatus: 403, wantErr: "access_denied"},
		{name: "default API scope not configured", rp: other, extra: url.Values{"audience": {"urn:my-api"}, "scope": {"read:data"}},
			wantStatus: 400, wantErr: "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := r
			if tt.rp != nil {
				r = tt.rp
			}
			rt := r.tokens()["refresh_token"].(string)
			status, tok := r.refresh(rt, tt.extra)
			if tt.wantErr != "" {
				wantOAuthError(t, status, tok, tt.wantStatus, tt.wantErr)
				// A rejected request does not rotate the refresh token.
				if status, body := r.refresh(rt, nil); status != http.StatusOK {
					t.Errorf("refresh token unusable after a rejected request: %d %v", status, body)
				}
				return
			}
			if status != tt.wantStatus {
				t.Fatalf("status %d: %v", status, tok)
			}
			if tok["scope"] != tt.wantScope || (tok["id_token"] != nil) != tt.wantIDTok || tok["refresh_token"] == nil {
				t.Errorf("response %v", tok)
			}
			at, _, err := r.verify(tok["access_token"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if at["aud"] != tt.wantAud || at["scope"] != tt.wantScope {
				t.Errorf("access token aud %v scope %v", at["aud"], at["scope"])
			}
			// Rotation and reuse detection are unchanged.
			if status, body := r.refresh(rt, nil); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
				t.Errorf("reuse of the rotated token: %d %v", status, body)
			}
			if status, _ := r.refresh(tok["refresh_token"].(string), nil); status != http.StatusBadRequest {
				t.Errorf("the grant survived reuse detection: %d", status)
			}
		})
	}
}
