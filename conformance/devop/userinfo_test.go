package devop_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

// userinfoResp calls /userinfo with a Bearer header (when token != "").
func (r *rp) userinfoResp(method, token string) (int, string, map[string]any) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.p.Issuer()+"userinfo", nil)
	if err != nil {
		r.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), m
}

func (r *rp) userinfo(token string) map[string]any {
	r.t.Helper()
	status, _, m := r.userinfoResp(http.MethodGet, token)
	if status != http.StatusOK {
		r.t.Fatalf("userinfo: %d %v", status, m)
	}
	return m
}

func TestUserinfo(t *testing.T) {
	t.Parallel()
	clock := newClock()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail, Now: clock.Now, AccessTokenTTL: time.Minute})
	tok := r.tokens()
	at := tok["access_token"].(string)
	idt := tok["id_token"].(string)

	code, verifier := r.code(func(p url.Values) { p.Set("scope", "openid email") })
	_, narrow := r.exchange(code, verifier)

	tests := []struct {
		name       string
		method     string
		token      string
		wantStatus int
		wantErr    string
		check      func(map[string]any) bool
	}{
		{"GET", http.MethodGet, at, 200, "", func(m map[string]any) bool { return m["email"] == testEmail && m["picture"] != nil }},
		{"POST", http.MethodPost, at, 200, "", func(m map[string]any) bool { return m["sub"] != nil }},
		{"scope limits claims", http.MethodGet, narrow["access_token"].(string), 200, "", func(m map[string]any) bool {
			return m["email"] == testEmail && m["name"] == nil
		}},
		{"no token", http.MethodGet, "", 401, "", nil},
		{"garbage", http.MethodGet, "abc.def.ghi", 401, "invalid_token", nil},
		{"ID token is not an access token", http.MethodGet, idt, 401, "invalid_token", nil},
		{"tampered", http.MethodGet, at[:len(at)-4] + "AAAA", 401, "invalid_token", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, www, m := r.userinfoResp(tt.method, tt.token)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%v)", status, tt.wantStatus, m)
			}
			if status == 401 && !strings.Contains(www, "Bearer") {
				t.Errorf("WWW-Authenticate = %q", www)
			}
			if tt.wantErr != "" && m["error"] != tt.wantErr {
				t.Errorf("error = %v, want %s", m["error"], tt.wantErr)
			}
			if tt.check != nil && !tt.check(m) {
				t.Errorf("unexpected claims %v", m)
			}
		})
	}

	clock.Advance(2 * time.Minute)
	if status, _, m := r.userinfoResp(http.MethodGet, at); status != 401 || m["error"] != "invalid_token" {
		t.Errorf("expired token: %d %v", status, m)
	}
}
