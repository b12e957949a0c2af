package devop_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	clock := newClock()
	r := startRP(t, devop.Options{
		AutoLoginEmail: testEmail,
		Now:            clock.Now,
		Clients: []devop.Client{
			{ID: "one", Secret: "secret-one"},
			{ID: "two", Secret: "secret-two"},
		},
	})
	tests := []struct {
		name       string
		form       func(code, verifier string) url.Values
		mod        func(*http.Request)
		advance    time.Duration
		wantStatus int
		wantErr    string
	}{
		{name: "ok post", wantStatus: 200},
		{name: "ok basic", form: func(c, v string) url.Values {
			f := codeForm(c, v)
			f.Del("client_id")
			f.Del("client_secret")
			return f
		}, mod: func(r *http.Request) { r.SetBasicAuth("one", "secret-one") }, wantStatus: 200},
		{name: "PKCE mismatch", form: func(c, _ string) url.Values {
			v, _ := pkce()
			return codeForm(c, v)
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "missing verifier", form: func(c, v string) url.Values {
			f := codeForm(c, v)
			f.Del("code_verifier")
			return f
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "redirect_uri mismatch", form: func(c, v string) url.Values {
			f := codeForm(c, v)
			f.Set("redirect_uri", "http://127.0.0.1:9999/other")
			return f
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "bad client secret", form: func(c, v string) url.Values {
			f := codeForm(c, v)
			f.Set("client_secret", "wrong")
			return f
		}, wantStatus: 401, wantErr: "invalid_client"},
		{name: "bad basic secret", form: func(c, v string) url.Values {
			f := codeForm(c, v)
			f.Del("client_secret")
			f.Del("client_id")
			return f
		}, mod: func(r *http.Request) { r.SetBasicAuth("one", "wrong") }, wantStatus: 401, wantErr: "invalid_client"},
		{name: "missing client auth", form: func(c, v string) url.Values {
			f := codeForm(c, v)
			f.Del("client_secret")
			return f
		}, wantStatus: 401, wantErr: "invalid_client"},
		{name: "two auth methods", form: codeForm, mod: func(r *http.Request) { r.SetBasicAuth("one", "secret-one") }, wantStatus: 400, wantErr: "invalid_request"},
		{name: "code of another client", form: func(c, v string) url.Values {
			f := codeForm(c, v)
			f.Set("client_id", "two")
			f.Set("client_secret", "secret-two")
			return f
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "expired code", advance: 61 * time.Second, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "unknown code", form: func(_, v string) url.Values { return codeForm("nope", v) }, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "unsupported grant", form: func(c, v string) url.Values {
			f := codeForm(c, v)
			f.Set("grant_type", "password")
			return f
		}, wantStatus: 400, wantErr: "unsupported_grant_type"},
		{name: "JSON body", mod: func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }, wantStatus: 400, wantErr: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, verifier := r.code(func(p url.Values) { p.Set("client_id", "one") })
			clock.Advance(tt.advance)
			form := codeForm(code, verifier)
			if tt.form != nil {
				form = tt.form(code, verifier)
			}
			status, body := r.post("oauth/token", form, tt.mod)
			if status != tt.wantStatus || (tt.wantErr != "" && body["error"] != tt.wantErr) {
				t.Fatalf("got %d %v, want %d %s", status, body, tt.wantStatus, tt.wantErr)
			}
			if tt.wantErr != "" && body["error_description"] == nil {
				t.Errorf("no error_description: %v", body)
			}
		})
	}
}

func codeForm(code, verifier string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {testRedirect},
		"code_verifier": {verifier},
		"client_id":     {"one"},
		"client_secret": {"secret-one"},
	}
}

func TestCodeReplayRevokesGrant(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	code, verifier := r.code(nil)
	status, tok := r.exchange(code, verifier)
	if status != http.StatusOK {
		t.Fatalf("first exchange: %d %v", status, tok)
	}
	status, body := r.exchange(code, verifier)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("replay: %d %v", status, body)
	}
	if status, body := r.refresh(tok["refresh_token"].(string), nil); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("refresh token from replayed code still works: %d %v", status, body)
	}
	if status, _, _ := r.userinfoResp(http.MethodGet, tok["access_token"].(string)); status != http.StatusUnauthorized {
		t.Errorf("access token from replayed code still works: %d", status)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	tok := r.tokens()
	rt1 := tok["refresh_token"].(string)
	c1, _, _ := r.verify(tok["id_token"].(string))

	status, tok2 := r.refresh(rt1, nil)
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, tok2)
	}
	rt2, _ := tok2["refresh_token"].(string)
	if rt2 == "" || rt2 == rt1 || tok2["access_token"] == tok["access_token"] {
		t.Fatalf("refresh did not rotate: %v", tok2)
	}
	c2, _, err := r.verify(tok2["id_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if c2["nonce"] != nil || c2["sub"] != c1["sub"] || c2["sid"] != c1["sid"] || c2["auth_time"] != c1["auth_time"] || c2["aud"] != r.client.ID {
		t.Errorf("refreshed ID token claims %v (original %v)", c2, c1)
	}

	// rt2 → rt3 works; then reusing rt1 revokes the whole grant.
	status, tok3 := r.refresh(rt2, nil)
	if status != http.StatusOK {
		t.Fatalf("second refresh: %d %v", status, tok3)
	}
	if status, body := r.refresh(rt1, nil); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v", status, body)
	}
	if status, body := r.refresh(tok3["refresh_token"].(string), nil); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("latest refresh token survived reuse detection: %d %v", status, body)
	}
	// Other grants are unaffected.
	if status, body := r.refresh(r.tokens()["refresh_token"].(string), nil); status != http.StatusOK {
		t.Errorf("unrelated grant: %d %v", status, body)
	}
	if got := r.p.TokenRequests("refresh_token"); got != 5 {
		t.Errorf("TokenRequests(refresh_token) = %d, want 5", got)
	}
	if got := r.p.TokenRequests("authorization_code"); got != 2 {
		t.Errorf("TokenRequests(authorization_code) = %d, want 2", got)
	}
}

func TestRefreshScopeAndAudience(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	tests := []struct {
		name       string
		extra      url.Values
		wantStatus int
		wantScope  string
		wantIDTok  bool
		wantAud    string
	}{
		{"same scope", nil, 200, "openid profile email offline_access", true, ""},
		{"narrower", url.Values{"scope": {"openid email offline_access"}}, 200, "openid email offline_access", true, ""},
		{"without openid", url.Values{"scope": {"offline_access"}}, 200, "offline_access", false, ""},
		{"wider", url.Values{"scope": {"openid admin"}}, 400, "", false, ""},
		{"audience", url.Values{"audience": {"https://api.example.com/"}}, 200, "openid profile email offline_access", true, "https://api.example.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, tok := r.refresh(r.tokens()["refresh_token"].(string), tt.extra)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", status, tt.wantStatus, tok)
			}
			if status != 200 {
				if tok["error"] != "invalid_scope" {
					t.Errorf("error %v", tok["error"])
				}
				return
			}
			if tok["scope"] != tt.wantScope || (tok["id_token"] != nil) != tt.wantIDTok || tok["refresh_token"] == nil {
				t.Errorf("response %v", tok)
			}
			at, _, err := r.verify(tok["access_token"].(string))
			if err != nil {
				t.Fatal(err)
			}
			wantAud := tt.wantAud
			if wantAud == "" {
				wantAud = r.p.Issuer() + "userinfo"
			}
			if at["aud"] != wantAud || at["scope"] != tt.wantScope {
				t.Errorf("access token %v", at)
			}
		})
	}
}
