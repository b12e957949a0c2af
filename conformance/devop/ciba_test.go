package devop_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

const cibaGrant = "urn:openid:params:grant-type:ciba"

// bcAuthorize posts a backchannel authentication request for sub with
// client_secret_post.
func (r *rp) bcAuthorize(sub string, extra url.Values) (int, map[string]any) {
	r.t.Helper()
	hint, _ := json.Marshal(map[string]string{"format": "iss_sub", "iss": r.p.Issuer(), "sub": sub})
	form := url.Values{
		"scope":           {"openid profile email offline_access"},
		"login_hint":      {string(hint)},
		"binding_message": {"Approve order #1234: 5 items, 10.50 EUR"},
		"client_id":       {r.client.ID},
		"client_secret":   {r.client.Secret},
	}
	for k, v := range extra {
		form[k] = v
	}
	for k, v := range form {
		if len(v) == 1 && v[0] == "" {
			delete(form, k)
		}
	}
	return r.post("bc-authorize", form, nil)
}

func (r *rp) pollCIBA(id string) (int, map[string]any) {
	r.t.Helper()
	return r.token(url.Values{"grant_type": {cibaGrant}, "auth_req_id": {id}})
}

// TestCIBAPolling walks CIBA requests through time with a fake clock:
// each step advances the clock, polls, and expects an answer.
func TestCIBAPolling(t *testing.T) {
	t.Parallel()
	type step struct {
		advance time.Duration
		want    string // error code, or "tokens"
	}
	tests := []struct {
		name        string
		provider    string // key in providers below; "" is the default one
		email       string
		extra       url.Values
		wantExpires float64
		wantInt     float64
		steps       []step
		check       func(t *testing.T, r *rp, tok map[string]any)
	}{
		{
			name: "defaults: approve after 1.5s, slow_down adds 5s", wantExpires: 120, wantInt: 1,
			extra: url.Values{"authorization_details": {`[{"type":"payment","amount":"10.50"}]`}},
			steps: []step{
				{0, "authorization_pending"},
				{500 * time.Millisecond, "slow_down"},  // interval is now 6s
				{5900 * time.Millisecond, "slow_down"}, // and now 11s
				{11 * time.Second, "tokens"},
				{6 * time.Second, "invalid_grant"},
			},
			check: func(t *testing.T, r *rp, tok map[string]any) {
				want := []any{map[string]any{"type": "payment", "amount": "10.50"}}
				if !reflect.DeepEqual(tok["authorization_details"], want) {
					t.Errorf("authorization_details %v", tok["authorization_details"])
				}
				if tok["refresh_token"] == nil || tok["scope"] != "openid profile email offline_access" {
					t.Errorf("response %v", tok)
				}
			},
		},
		{
			name: "pending until the approval delay", wantExpires: 120, wantInt: 1,
			provider: "late", // 100 ms interval, announced as 1s
			extra:    url.Values{"scope": {"openid"}, "audience": {"https://api.example.com/"}},
			steps:    []step{{time.Second, "authorization_pending"}, {1900 * time.Millisecond, "authorization_pending"}, {100 * time.Millisecond, "tokens"}},
			check: func(t *testing.T, r *rp, tok map[string]any) {
				at := claims(t, tok["access_token"].(string))
				if tok["refresh_token"] != nil || tok["authorization_details"] != nil || at["aud"] != "https://api.example.com/" {
					t.Errorf("response %v, access token %v", tok, at)
				}
			},
		},
		{
			name: "interval rounded up, immediate approval", wantExpires: 120, wantInt: 3,
			provider: "immediate",
			steps: []step{
				{0, "tokens"},
			},
		},
		{
			name: "slow_down with a small increment", wantExpires: 120, wantInt: 1,
			provider: "small increment",
			steps: []step{
				{0, "authorization_pending"},
				{900 * time.Millisecond, "slow_down"},  // interval 1.1s
				{1050 * time.Millisecond, "slow_down"}, // interval 1.2s
				{1200 * time.Millisecond, "tokens"},
			},
		},
		{
			name: "denied", email: "mallory@example.com", wantExpires: 120, wantInt: 1,
			steps: []step{{0, "authorization_pending"}, {2 * time.Second, "access_denied"}, {2 * time.Second, "invalid_grant"}},
		},
		{
			name: "expired", extra: url.Values{"requested_expiry": {"1"}}, wantExpires: 1, wantInt: 1,
			steps: []step{{999 * time.Millisecond, "authorization_pending"}, {time.Millisecond, "expired_token"}, {time.Minute, "expired_token"}},
		},
	}
	type provider struct {
		p     *devop.Provider
		clock *clock
	}
	start := func(opts devop.Options) provider {
		c := newClock()
		opts.Now = c.Now
		return provider{devop.Start(t, opts), c}
	}
	providers := map[string]provider{
		"late":            start(devop.Options{CIBAApprovalDelay: 3 * time.Second, CIBAInterval: 100 * time.Millisecond}),
		"immediate":       start(devop.Options{CIBAInterval: 2500 * time.Millisecond, CIBAApprovalDelay: -1}),
		"small increment": start(devop.Options{CIBASlowDownIncrement: 100 * time.Millisecond}),
	}
	// Subjects are the same in every provider.
	mallory, err := providers["late"].p.Subject("mallory@example.com")
	if err != nil {
		t.Fatal(err)
	}
	providers[""] = start(devop.Options{CIBADenySubs: []string{mallory}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, clock := providers[tt.provider].p, providers[tt.provider].clock
			r := newRP(t, p)
			email := testEmail
			if tt.email != "" {
				email = tt.email
			}
			sub, err := p.Subject(email)
			if err != nil {
				t.Fatal(err)
			}
			status, ar := r.bcAuthorize(sub, tt.extra)
			if status != http.StatusOK {
				t.Fatalf("bc-authorize: %d %v", status, ar)
			}
			id, _ := ar["auth_req_id"].(string)
			if id == "" || ar["expires_in"] != tt.wantExpires || ar["interval"] != tt.wantInt {
				t.Fatalf("bc-authorize answer %v", ar)
			}
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				status, body := r.pollCIBA(id)
				if s.want != "tokens" {
					if status != http.StatusBadRequest || body["error"] != s.want {
						t.Fatalf("step %d: %d %v, want %s", i, status, body, s.want)
					}
					continue
				}
				if status != http.StatusOK {
					t.Fatalf("step %d: %d %v, want tokens", i, status, body)
				}
				idt, _, err := r.verify(body["id_token"].(string))
				if err != nil {
					t.Fatal(err)
				}
				if idt["sub"] != sub || idt["aud"] != r.client.ID || idt["nonce"] != nil || idt["sid"] == nil {
					t.Errorf("ID token %v", idt)
				}
				if tt.check != nil {
					tt.check(t, r, body)
				}
			}
		})
	}
}

func TestCIBAErrors(t *testing.T) {
	t.Parallel()
	p := devop.Start(t, devop.Options{Clients: []devop.Client{
		{ID: "app", Secret: "app-secret"},
		{ID: "other", Secret: "other-secret"},
		{ID: "limited", Secret: "limited-secret", GrantTypes: []string{"authorization_code"}},
	}})
	r := newRP(t, p)
	r.client = devop.Client{ID: "app", Secret: "app-secret"}
	sub, _ := p.Subject(testEmail)
	hint := func(m map[string]string) string { b, _ := json.Marshal(m); return string(b) }
	tests := []struct {
		name       string
		client     string
		extra      url.Values
		sub        string
		wantStatus int
		wantErr    string
	}{
		{name: "ok", wantStatus: 200},
		{name: "bad client secret", extra: url.Values{"client_secret": {"wrong"}}, wantStatus: 401, wantErr: "invalid_client"},
		{name: "client not allowed CIBA", client: "limited", wantStatus: 400, wantErr: "unauthorized_client"},
		{name: "scope without openid", extra: url.Values{"scope": {"profile"}}, wantStatus: 400, wantErr: "invalid_scope"},
		{name: "no login_hint", extra: url.Values{"login_hint": {""}}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "two hints", extra: url.Values{"id_token_hint": {"x.y.z"}}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "login_hint_token only", extra: url.Values{"login_hint": {""}, "login_hint_token": {"x.y.z"}}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "login_hint is an e-mail", extra: url.Values{"login_hint": {testEmail}}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "login_hint of another issuer", extra: url.Values{"login_hint": {hint(map[string]string{"format": "iss_sub", "iss": "https://evil.example/", "sub": sub})}}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "login_hint format", extra: url.Values{"login_hint": {hint(map[string]string{"format": "email", "email": testEmail})}}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "unknown user", sub: "devop|000000000000000000000000", wantStatus: 400, wantErr: "unknown_user_id"},
		{name: "no binding_message", extra: url.Values{"binding_message": {""}}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "binding_message too long", extra: url.Values{"binding_message": {strings.Repeat("a", 65)}}, wantStatus: 400, wantErr: "invalid_binding_message"},
		{name: "binding_message of 64", extra: url.Values{"binding_message": {strings.Repeat("a", 64)}}, wantStatus: 200},
		{name: "binding_message charset", extra: url.Values{"binding_message": {"<b>hi</b>"}}, wantStatus: 400, wantErr: "invalid_binding_message"},
		{name: "binding_message non-ASCII", extra: url.Values{"binding_message": {"café"}}, wantStatus: 400, wantErr: "invalid_binding_message"},
		{name: "requested_expiry zero", extra: url.Values{"requested_expiry": {"0"}}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "requested_expiry not a number", extra: url.Values{"requested_expiry": {"soon"}}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "authorization_details object", extra: url.Values{"authorization_details": {`{"type":"x"}`}}, wantStatus: 400, wantErr: "invalid_authorization_details"},
		{name: "authorization_details without type", extra: url.Values{"authorization_details": {`[{"amount":1}]`}}, wantStatus: 400, wantErr: "invalid_authorization_details"},
		{name: "unknown audience", extra: url.Values{"audience": {"https://evil.example/"}}, wantStatus: 403, wantErr: "access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRP(t, p)
			r.client = devop.Client{ID: "app", Secret: "app-secret"}
			if tt.client != "" {
				r.client = devop.Client{ID: tt.client, Secret: tt.client + "-secret"}
			}
			s := sub
			if tt.sub != "" {
				s = tt.sub
			}
			status, body := r.bcAuthorize(s, tt.extra)
			if tt.wantErr != "" {
				wantOAuthError(t, status, body, tt.wantStatus, tt.wantErr)
				return
			}
			if status != tt.wantStatus {
				t.Fatalf("status %d: %v", status, body)
			}
		})
	}

	_, ar := r.bcAuthorize(sub, nil)
	id := ar["auth_req_id"].(string)
	other := newRP(t, p)
	other.client = devop.Client{ID: "other", Secret: "other-secret"}
	polls := []struct {
		name    string
		rp      *rp
		form    url.Values
		wantErr string
	}{
		{"missing auth_req_id", r, url.Values{"grant_type": {cibaGrant}}, "invalid_request"},
		{"unknown auth_req_id", r, url.Values{"grant_type": {cibaGrant}, "auth_req_id": {"nope"}}, "invalid_grant"},
		{"another client's auth_req_id", other, url.Values{"grant_type": {cibaGrant}, "auth_req_id": {id}}, "invalid_grant"},
		{"own auth_req_id", r, url.Values{"grant_type": {cibaGrant}, "auth_req_id": {id}}, "authorization_pending"},
	}
	for _, tt := range polls {
		t.Run("poll: "+tt.name, func(t *testing.T) {
			status, body := tt.rp.token(tt.form)
			wantOAuthError(t, status, body, 400, tt.wantErr)
		})
	}
}
