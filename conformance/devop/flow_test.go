package devop_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

// TestCodeFlowWithLoginForm drives the whole authorization code + PKCE
// flow by hand through the login form and checks every token.
func TestCodeFlowWithLoginForm(t *testing.T) {
	t.Parallel()
	now := time.Now().Truncate(time.Second)
	r := startRP(t, devop.Options{Now: func() time.Time { return now }})
	iss := r.p.Issuer()

	verifier, challenge := pkce()
	params := r.authParams(challenge)
	params.Set("login_hint", testEmail)
	params.Set("audience", "")     // empty: default audience
	params.Set("ui_locales", "fr") // unknown parameters are accepted
	reqID := loginForm(t, r.authorize(params))

	// An invalid e-mail re-renders the form.
	status, _ := r.postLogin(reqID, "not-an-email")
	if status != http.StatusBadRequest {
		t.Fatalf("invalid email: status %d, want 400", status)
	}
	resp := r.postLoginResp(reqID, "Jane.Doe@Example.com")
	q := r.callback(resp)
	if q.Get("state") != "st-123" || q.Get("iss") != iss || q.Get("code") == "" {
		t.Fatalf("callback query %v", q)
	}
	if !strings.Contains(resp.Header.Get("Set-Cookie"), "devop_session=") {
		t.Errorf("no OP session cookie set: %q", resp.Header.Get("Set-Cookie"))
	}
	// The pending request is single-use.
	if status, _ := r.postLogin(reqID, testEmail); status != http.StatusBadRequest {
		t.Errorf("reused req_id: status %d, want 400", status)
	}

	status, tok := r.exchange(q.Get("code"), verifier)
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, tok)
	}
	if tok["token_type"] != "Bearer" || tok["expires_in"] != float64(3600) ||
		tok["scope"] != "openid profile email offline_access" || tok["refresh_token"] == nil {
		t.Errorf("token response %v", tok)
	}
	claims, _, err := r.verify(tok["id_token"].(string))
	if err != nil {
		t.Fatalf("ID token does not verify: %v", err)
	}
	sub, _ := claims["sub"].(string)
	want := map[string]any{
		"iss": iss, "aud": r.client.ID, "azp": r.client.ID, "nonce": "n-456",
		"iat": float64(now.Unix()), "exp": float64(now.Add(time.Hour).Unix()), "auth_time": float64(now.Unix()),
		"email": testEmail, "email_verified": true, "name": "jane.doe", "nickname": "jane.doe",
		"given_name": "Jane", "family_name": "Doe", "picture": "https://example.invalid/avatar.png",
		"updated_at": float64(now.Unix()),
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("ID token %s = %#v, want %#v", k, claims[k], v)
		}
	}
	if !strings.HasPrefix(sub, "devop|") || len(sub) != len("devop|")+24 {
		t.Errorf("sub = %q", sub)
	}
	if sid, _ := claims["sid"].(string); sid == "" {
		t.Error("no sid")
	}
	h, _, _ := decodeJWT(t, tok["id_token"].(string))
	if h["typ"] != "JWT" || h["alg"] != "RS256" {
		t.Errorf("ID token header %v", h)
	}

	// The access token is an RS256 JWT too.
	at, _, err := r.verify(tok["access_token"].(string))
	if err != nil {
		t.Fatalf("access token does not verify: %v", err)
	}
	if at["aud"] != iss+"userinfo" || at["sub"] != sub || at["azp"] != r.client.ID ||
		at["scope"] != "openid profile email offline_access" || at["jti"] == nil || at["iss"] != iss {
		t.Errorf("access token claims %v", at)
	}

	// UserInfo returns the same subject.
	ui := r.userinfo(tok["access_token"].(string))
	if ui["sub"] != sub || ui["email"] != testEmail || ui["name"] != "jane.doe" {
		t.Errorf("userinfo %v", ui)
	}

	// The OP session logs the browser in silently next time, with the same
	// sid; prompt=login shows the form again.
	code, v2 := r.code(func(p url.Values) { p.Del("nonce"); p.Set("scope", "openid") })
	status, tok2 := r.exchange(code, v2)
	if status != http.StatusOK {
		t.Fatalf("second exchange: %d %v", status, tok2)
	}
	c2, _, err := r.verify(tok2["id_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if c2["sid"] != claims["sid"] || c2["sub"] != sub || c2["nonce"] != nil || c2["email"] != nil || tok2["refresh_token"] != nil {
		t.Errorf("silent login claims %v, response %v", c2, tok2)
	}
	_, challenge = pkce()
	params = r.authParams(challenge)
	params.Set("prompt", "login")
	loginForm(t, r.authorize(params))
}

func (r *rp) postLoginResp(reqID, email string) *http.Response {
	r.t.Helper()
	resp, err := r.hc.PostForm(r.p.Issuer()+"authorize/login", url.Values{"req_id": {reqID}, "email": {email}})
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

func (r *rp) postLogin(reqID, email string) (int, string) {
	r.t.Helper()
	resp := r.postLoginResp(reqID, email)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func TestAuthorizeSessionRules(t *testing.T) {
	t.Parallel()
	clock := newClock()
	manual := devop.Start(t, devop.Options{Now: clock.Now})
	auto := devop.Start(t, devop.Options{Now: clock.Now, AutoLoginEmail: testEmail})
	tests := []struct {
		name     string
		auto     bool
		login    bool // log in once first
		advance  time.Duration
		params   url.Values
		wantForm bool
		wantErr  string
	}{
		{name: "session reused", auto: false, login: true, wantForm: false},
		{name: "no session shows form", wantForm: true},
		{name: "prompt=none without session", params: url.Values{"prompt": {"none"}}, wantErr: "login_required"},
		{name: "prompt=none without session, auto-login", auto: true, params: url.Values{"prompt": {"none"}}, wantErr: "login_required"},
		{name: "prompt=none with session", login: true, params: url.Values{"prompt": {"none"}}},
		{name: "prompt=login with session", login: true, params: url.Values{"prompt": {"login"}}, wantForm: true},
		{name: "max_age exceeded", login: true, advance: time.Minute, params: url.Values{"max_age": {"30"}}, wantForm: true},
		{name: "max_age exceeded with prompt=none", login: true, advance: time.Minute, params: url.Values{"max_age": {"30"}, "prompt": {"none"}}, wantErr: "login_required"},
		{name: "max_age satisfied", login: true, advance: time.Minute, params: url.Values{"max_age": {"3600"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh browser (cookie jar) per case; providers are shared.
			r := newRP(t, manual)
			if tt.auto {
				r = newRP(t, auto)
			}
			if tt.login {
				_, challenge := pkce()
				id := loginForm(t, r.authorize(r.authParams(challenge)))
				r.callback(r.postLoginResp(id, testEmail))
			}
			_, challenge := pkce()
			params := r.authParams(challenge)
			for k, v := range tt.params {
				params[k] = v
			}
			clock.Advance(tt.advance)
			resp := r.authorize(params)
			if tt.wantForm {
				loginForm(t, resp)
				return
			}
			q := r.callback(resp)
			if q.Get("error") != tt.wantErr {
				t.Fatalf("error = %q, want %q (%v)", q.Get("error"), tt.wantErr, q)
			}
			if tt.wantErr != "" && (q.Get("state") != "st-123" || q.Get("iss") != r.p.Issuer() || q.Get("error_description") == "") {
				t.Errorf("error redirect lacks state, iss or description: %v", q)
			}
			if tt.wantErr == "" && q.Get("code") == "" {
				t.Errorf("no code: %v", q)
			}
		})
	}
}

func TestAutoLogin(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: "bob@example.org"})
	claims, _, err := r.verify(r.tokens()["id_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if claims["email"] != "bob@example.org" || claims["given_name"] != "Bob" || claims["family_name"] != nil {
		t.Errorf("claims %v", claims)
	}
}

// TestIssuerWithPath serves the provider below a path prefix.
func TestIssuerWithPath(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(nil)
	p, err := devop.New(devop.Options{
		Issuer:         "http://" + srv.Listener.Addr().String() + "/tenant", // "/" gets added
		AutoLoginEmail: testEmail,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	if !strings.HasSuffix(p.Issuer(), "/tenant/") {
		t.Fatalf("issuer %q", p.Issuer())
	}
	r := newRP(t, p)
	claims, _, err := r.verify(r.tokens()["id_token"].(string))
	if err != nil || claims["iss"] != p.Issuer() {
		t.Fatalf("claims %v, err %v", claims, err)
	}
}
