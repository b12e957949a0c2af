package devop_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

const (
	secureAPI     = "https://secure.example.com/"
	grantMFAOTP   = "http://auth0.com/oauth/grant-type/mfa-otp"
	grantMFAOOB   = "http://auth0.com/oauth/grant-type/mfa-oob"
	grantMFARecov = "http://auth0.com/oauth/grant-type/mfa-recovery-code"
)

func startMFA(t *testing.T, opts devop.Options) (*rp, *clock) {
	t.Helper()
	clock := newClock()
	opts.Now = clock.Now
	switch opts.AutoLoginEmail {
	case "":
		opts.AutoLoginEmail = testEmail
	case "-": // the login form
		opts.AutoLoginEmail = ""
	}
	opts.MFAAudiences = []string{secureAPI}
	if opts.Clients == nil {
		opts.Clients = []devop.Client{{ID: "app", Secret: "app-secret"}, {ID: "other", Secret: "other-secret"}}
	}
	r := startRP(t, opts)
	r.client = devop.Client{ID: "app", Secret: "app-secret"}
	return r, clock
}

// wantMFARequired checks a 403 mfa_required answer and returns its token.
func wantMFARequired(t *testing.T, status int, body map[string]any) string {
	t.Helper()
	if status != http.StatusForbidden || body["error"] != "mfa_required" || body["error_description"] != "Multifactor authentication required" {
		t.Fatalf("got %d %v, want 403 mfa_required", status, body)
	}
	want := map[string]any{"challenge": []any{map[string]any{"type": "otp"}, map[string]any{"type": "oob"}}}
	if !reflect.DeepEqual(body["mfa_requirements"], want) {
		t.Errorf("mfa_requirements %v", body["mfa_requirements"])
	}
	tok, _ := body["mfa_token"].(string)
	if tok == "" {
		t.Fatalf("no mfa_token: %v", body)
	}
	return tok
}

// mfaOrigin starts a grant that needs MFA; it returns the mfa_token and a
// check of the tokens finally issued.
type mfaOrigin func(t *testing.T, r *rp, email string) (string, func(t *testing.T, tok map[string]any))

var mfaOrigins = map[string]mfaOrigin{
	"code": func(t *testing.T, r *rp, email string) (string, func(*testing.T, map[string]any)) {
		code, verifier := r.code(func(p url.Values) { p.Set("client_id", "app"); p.Set("audience", secureAPI) })
		status, body := r.exchange(code, verifier)
		return wantMFARequired(t, status, body), func(t *testing.T, tok map[string]any) {
			if claims(t, tok["id_token"].(string))["nonce"] != "n-456" || tok["refresh_token"] == nil {
				t.Errorf("code grant response %v", tok)
			}
		}
	},
	"refresh": func(t *testing.T, r *rp, email string) (string, func(*testing.T, map[string]any)) {
		rt := r.tokensWith(url.Values{"client_id": {"app"}})["refresh_token"].(string)
		status, body := r.refresh(rt, url.Values{"audience": {secureAPI}, "scope": {"openid read:data"}})
		return wantMFARequired(t, status, body), func(t *testing.T, tok map[string]any) {
			if tok["scope"] != "openid read:data" {
				t.Errorf("scope %v", tok["scope"])
			}
			// The original refresh token was not rotated, and its grant
			// is now MFA-verified.
			status, again := r.refresh(rt, url.Values{"audience": {secureAPI}})
			if status != http.StatusOK || !reflect.DeepEqual(claims(t, again["id_token"].(string))["amr"], []any{"mfa"}) {
				t.Errorf("original refresh token: %d %v", status, again)
			}
		}
	},
	"custom token exchange": func(t *testing.T, r *rp, email string) (string, func(*testing.T, map[string]any)) {
		status, body := r.token(url.Values{"grant_type": {cteGrant}, "subject_token": {"legacy:" + email},
			"subject_token_type": {legacyType}, "audience": {secureAPI}, "scope": {"openid offline_access"}})
		return wantMFARequired(t, status, body), func(t *testing.T, tok map[string]any) {
			if tok["issued_token_type"] != atType {
				t.Errorf("response %v", tok)
			}
		}
	},
}

// mfaMethod answers the MFA challenge and returns the token request form.
type mfaMethod func(t *testing.T, r *rp, mfaToken string) url.Values

var mfaMethods = map[string]mfaMethod{
	"otp": func(t *testing.T, r *rp, mfaToken string) url.Values {
		status, ch := r.jsonReq("POST", "mfa/challenge", "", map[string]any{"client_id": "app", "client_secret": "app-secret", "mfa_token": mfaToken, "challenge_type": "otp"})
		if status != 200 || !reflect.DeepEqual(ch, map[string]any{"challenge_type": "otp"}) {
			t.Fatalf("challenge: %d %v", status, ch)
		}
		return url.Values{"grant_type": {grantMFAOTP}, "mfa_token": {mfaToken}, "otp": {"123456"}}
	},
	"oob challenge": func(t *testing.T, r *rp, mfaToken string) url.Values {
		status, v := r.jsonReq("POST", "mfa/challenge", "", map[string]any{"client_id": "app", "mfa_token": mfaToken, "challenge_type": "oob"})
		ch, _ := v.(map[string]any)
		if status != 200 || ch["challenge_type"] != "oob" || ch["binding_method"] != "prompt" || ch["oob_code"] == nil {
			t.Fatalf("challenge: %d %v", status, v)
		}
		return url.Values{"grant_type": {grantMFAOOB}, "mfa_token": {mfaToken}, "oob_code": {ch["oob_code"].(string)}, "binding_code": {"123456"}}
	},
	"oob associate": func(t *testing.T, r *rp, mfaToken string) url.Values {
		status, v := r.jsonReq("POST", "mfa/associate", mfaToken, map[string]any{"authenticator_types": []string{"oob"}, "oob_channels": []string{"sms"}, "phone_number": "+15551234567"})
		a, _ := v.(map[string]any)
		if status != 200 || a["authenticator_type"] != "oob" || a["oob_channel"] != "sms" || a["binding_method"] != "prompt" || a["oob_code"] == nil {
			t.Fatalf("associate: %d %v", status, v)
		}
		return url.Values{"grant_type": {grantMFAOOB}, "mfa_token": {mfaToken}, "oob_code": {a["oob_code"].(string)}, "binding_code": {"123456"}}
	},
	"recovery code": func(t *testing.T, r *rp, mfaToken string) url.Values {
		status, v := r.jsonReq("POST", "mfa/associate", mfaToken, map[string]any{"authenticator_types": []string{"otp"}})
		a, _ := v.(map[string]any)
		codes, _ := a["recovery_codes"].([]any)
		if status != 200 || a["authenticator_type"] != "otp" || a["secret"] == nil || len(codes) != 1 ||
			!strings.HasPrefix(a["barcode_uri"].(string), "otpauth://totp/") {
			t.Fatalf("associate: %d %v", status, v)
		}
		return url.Values{"grant_type": {grantMFARecov}, "mfa_token": {mfaToken}, "recovery_code": {codes[0].(string)}}
	},
}

// TestMFAStepUp completes every grant that can require MFA with every
// kind of second factor, each as a different user of one provider.
func TestMFAStepUp(t *testing.T) {
	t.Parallel()
	shared, _ := startMFA(t, devop.Options{AutoLoginEmail: "-"})
	n := 0
	for origin, start := range mfaOrigins {
		for method, answer := range mfaMethods {
			n++
			email := fmt.Sprintf("user%d@example.com", n)
			t.Run(origin+"/"+method, func(t *testing.T) {
				t.Parallel()
				r := newRP(t, shared.p)
				r.client = shared.client
				// Log in through the form once; later logins reuse the
				// OP session.
				verifier, challenge := pkce()
				params := r.authParams(challenge)
				params.Set("client_id", "app")
				id := loginForm(t, r.authorize(params))
				q := r.callback(r.postLoginResp(id, email))
				if status, body := r.exchange(q.Get("code"), verifier); status != http.StatusOK {
					t.Fatalf("login: %d %v", status, body)
				}
				mfaToken, check := start(t, r, email)
				status, list := r.jsonReq("GET", "mfa/authenticators", mfaToken, nil)
				if l, _ := list.([]any); status != 200 || len(l) < 2 {
					t.Fatalf("authenticators: %d %v", status, list)
				}
				form := answer(t, r, mfaToken)
				status, tok := r.token(form)
				if status != http.StatusOK {
					t.Fatalf("MFA grant: %d %v", status, tok)
				}
				at, _, err := r.verify(tok["access_token"].(string))
				if err != nil || at["aud"] != secureAPI {
					t.Fatalf("access token %v (%v)", at, err)
				}
				idc, _, err := r.verify(tok["id_token"].(string))
				if err != nil || !reflect.DeepEqual(idc["amr"], []any{"mfa"}) {
					t.Fatalf("ID token %v (%v)", idc, err)
				}
				if rc, _ := tok["recovery_code"].(string); (rc != "") != (form.Get("grant_type") == grantMFARecov) || (rc != "" && rc == form.Get("recovery_code")) {
					t.Errorf("recovery_code %q", rc)
				}
				check(t, tok)
				// The mfa_token is spent.
				status, body := r.token(form)
				wantOAuthError(t, status, body, http.StatusForbidden, "expired_token")
				// The grant is MFA-verified for later refreshes.
				if rt, ok := tok["refresh_token"].(string); ok {
					status, ref := r.refresh(rt, url.Values{"audience": {secureAPI}})
					if status != http.StatusOK || !reflect.DeepEqual(claims(t, ref["id_token"].(string))["amr"], []any{"mfa"}) {
						t.Errorf("refresh of the MFA grant: %d %v", status, ref)
					}
				}
			})
		}
	}
}

func TestMFANotRequired(t *testing.T) {
	t.Parallel()
	r, _ := startMFA(t, devop.Options{MFACode: "000000"})
	tests := []struct {
		name  string
		extra url.Values
	}{
		{"default audience", nil},
		{"other API audience", url.Values{"audience": {"https://api.example.com/"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := r.tokensWith(url.Values{"client_id": {"app"}})["refresh_token"].(string)
			if status, body := r.refresh(rt, tt.extra); status != http.StatusOK {
				t.Fatalf("%d %v", status, body)
			}
		})
	}
	t.Run("MFACode option", func(t *testing.T) {
		rt := r.tokensWith(url.Values{"client_id": {"app"}})["refresh_token"].(string)
		status, body := r.refresh(rt, url.Values{"audience": {secureAPI}})
		mt := wantMFARequired(t, status, body)
		status, body = r.token(url.Values{"grant_type": {grantMFAOTP}, "mfa_token": {mt}, "otp": {"123456"}})
		wantOAuthError(t, status, body, 400, "invalid_grant")
		if status, body := r.token(url.Values{"grant_type": {grantMFAOTP}, "mfa_token": {mt}, "otp": {"000000"}}); status != 200 {
			t.Fatalf("%d %v", status, body)
		}
	})
}

func TestMFAGrantErrors(t *testing.T) {
	t.Parallel()
	r, clock := startMFA(t, devop.Options{})
	other := newRP(t, r.p)
	other.client = devop.Client{ID: "other", Secret: "other-secret"}
	newToken := func(t *testing.T) string {
		rt := r.tokensWith(url.Values{"client_id": {"app"}})["refresh_token"].(string)
		status, body := r.refresh(rt, url.Values{"audience": {secureAPI}})
		return wantMFARequired(t, status, body)
	}
	tests := []struct {
		name       string
		rp         *rp
		form       func(t *testing.T, mt string) url.Values
		wantStatus int
		wantErr    string
		wantDesc   string
	}{
		{name: "wrong otp", form: func(_ *testing.T, mt string) url.Values {
			return url.Values{"grant_type": {grantMFAOTP}, "mfa_token": {mt}, "otp": {"654321"}}
		}, wantStatus: 400, wantErr: "invalid_grant", wantDesc: "Invalid otp_code."},
		{name: "missing otp", form: func(_ *testing.T, mt string) url.Values {
			return url.Values{"grant_type": {grantMFAOTP}, "mfa_token": {mt}}
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "missing mfa_token", form: func(_ *testing.T, mt string) url.Values {
			return url.Values{"grant_type": {grantMFAOTP}, "otp": {"123456"}}
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "unknown mfa_token", form: func(_ *testing.T, mt string) url.Values {
			return url.Values{"grant_type": {grantMFAOTP}, "mfa_token": {"garbage"}, "otp": {"123456"}}
		}, wantStatus: 400, wantErr: "invalid_request", wantDesc: "Malformed mfa_token"},
		{name: "mfa_token of another client", rp: other, form: func(_ *testing.T, mt string) url.Values {
			return url.Values{"grant_type": {grantMFAOTP}, "mfa_token": {mt}, "otp": {"123456"}}
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "expired mfa_token", form: func(_ *testing.T, mt string) url.Values {
			clock.Advance(10 * time.Minute)
			return url.Values{"grant_type": {grantMFAOTP}, "mfa_token": {mt}, "otp": {"123456"}}
		}, wantStatus: 403, wantErr: "expired_token", wantDesc: "mfa_token is expired"},
		{name: "unknown oob_code", form: func(_ *testing.T, mt string) url.Values {
			return url.Values{"grant_type": {grantMFAOOB}, "mfa_token": {mt}, "oob_code": {"x"}, "binding_code": {"123456"}}
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "wrong binding_code", form: func(t *testing.T, mt string) url.Values {
			f := mfaMethods["oob challenge"](t, r, mt)
			f.Set("binding_code", "999999")
			return f
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "missing binding_code", form: func(t *testing.T, mt string) url.Values {
			f := mfaMethods["oob challenge"](t, r, mt)
			f.Del("binding_code")
			return f
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "oob_code of another mfa_token", form: func(t *testing.T, mt string) url.Values {
			f := mfaMethods["oob challenge"](t, r, newToken(t))
			f.Set("mfa_token", mt)
			return f
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "wrong recovery_code", form: func(_ *testing.T, mt string) url.Values {
			return url.Values{"grant_type": {grantMFARecov}, "mfa_token": {mt}, "recovery_code": {"ABCDEFGHIJKLMNOPQRSTUVWX"}}
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "used recovery_code", form: func(t *testing.T, mt string) url.Values {
			first := newToken(t)
			f := mfaMethods["recovery code"](t, r, first)
			if status, body := r.token(f); status != 200 {
				t.Fatalf("first use: %d %v", status, body)
			}
			f.Set("mfa_token", mt)
			return f
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "otp authenticator deleted", form: func(t *testing.T, mt string) url.Values {
			_, v := r.jsonReq("GET", "mfa/authenticators", mt, nil)
			for _, a := range v.([]any) {
				a := a.(map[string]any)
				if a["authenticator_type"] == "otp" {
					if status, _ := r.jsonReq("DELETE", "mfa/authenticators/"+url.PathEscape(a["id"].(string)), mt, nil); status != http.StatusNoContent {
						t.Fatalf("delete: %d", status)
					}
				}
			}
			return url.Values{"grant_type": {grantMFAOTP}, "mfa_token": {mt}, "otp": {"123456"}}
		}, wantStatus: 400, wantErr: "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt := newToken(t)
			c := r
			if tt.rp != nil {
				c = tt.rp
			}
			status, body := c.token(tt.form(t, mt))
			wantOAuthError(t, status, body, tt.wantStatus, tt.wantErr)
			if tt.wantDesc != "" && body["error_description"] != tt.wantDesc {
				t.Errorf("error_description %q, want %q", body["error_description"], tt.wantDesc)
			}
		})
	}
}

func TestMFAAPI(t *testing.T) {
	t.Parallel()
	r, clock := startMFA(t, devop.Options{})
	newToken := func(t *testing.T) string {
		rt := r.tokensWith(url.Values{"client_id": {"app"}})["refresh_token"].(string)
		status, body := r.refresh(rt, url.Values{"audience": {secureAPI}})
		return wantMFARequired(t, status, body)
	}
	mt := newToken(t)
	_, v := r.jsonReq("GET", "mfa/authenticators", mt, nil)
	list := v.([]any)
	var otpID, smsID string
	for _, a := range list {
		a := a.(map[string]any)
		if a["active"] != true || a["id"] == "" {
			t.Errorf("authenticator %v", a)
		}
		switch a["authenticator_type"] {
		case "otp":
			otpID = a["id"].(string)
		case "oob":
			if a["oob_channel"] == "sms" {
				smsID = a["id"].(string)
			}
		}
	}
	if len(list) != 2 || otpID == "" || smsID == "" {
		t.Fatalf("initial authenticators %v", list)
	}
	type req struct {
		method, path string
		bearer       string
		body         any
	}
	challenge := func(m map[string]any) req {
		b := map[string]any{"client_id": "app", "client_secret": "app-secret", "mfa_token": mt}
		for k, v := range m {
			b[k] = v
		}
		return req{"POST", "mfa/challenge", "", b}
	}
	associate := func(b map[string]any) req { return req{"POST", "mfa/associate", mt, b} }
	tests := []struct {
		name       string
		req        func() req
		wantStatus int
		wantErr    string
		check      func(t *testing.T, v any)
	}{
		{name: "list without token", req: func() req { return req{"GET", "mfa/authenticators", "", nil} }, wantStatus: 401, wantErr: "invalid_token"},
		{name: "list with garbage token", req: func() req { return req{"GET", "mfa/authenticators", "garbage", nil} }, wantStatus: 401, wantErr: "invalid_token"},
		{name: "associate email", req: func() req {
			return associate(map[string]any{"authenticator_types": []string{"oob"}, "oob_channels": []string{"email"}, "email": "jane@example.org"})
		}, wantStatus: 200, check: func(t *testing.T, v any) {
			a := v.(map[string]any)
			if a["oob_channel"] != "email" || a["oob_code"] == nil || a["recovery_codes"] == nil {
				t.Errorf("first association %v", a)
			}
		}},
		{name: "associate otp: no second recovery code", req: func() req {
			return associate(map[string]any{"authenticator_types": []string{"otp"}})
		}, wantStatus: 200, check: func(t *testing.T, v any) {
			if a := v.(map[string]any); a["recovery_codes"] != nil || a["secret"] == nil {
				t.Errorf("second association %v", a)
			}
		}},
		{name: "associate push", req: func() req {
			return associate(map[string]any{"authenticator_types": []string{"oob"}, "oob_channels": []string{"auth0"}})
		}, wantStatus: 200},
		{name: "list after associations", req: func() req { return req{"GET", "mfa/authenticators", mt, nil} }, wantStatus: 200, check: func(t *testing.T, v any) {
			types := map[string]int{}
			for _, a := range v.([]any) {
				a := a.(map[string]any)
				types[a["authenticator_type"].(string)+"/"+fmtAny(a["oob_channel"])]++
			}
			want := map[string]int{"otp/": 2, "oob/sms": 1, "oob/email": 1, "oob/auth0": 1, "recovery-code/": 1}
			if !reflect.DeepEqual(types, want) {
				t.Errorf("authenticators %v, want %v", types, want)
			}
		}},
		{name: "associate unknown type", req: func() req { return associate(map[string]any{"authenticator_types": []string{"webauthn"}}) }, wantStatus: 400, wantErr: "invalid_request"},
		{name: "associate sms without phone", req: func() req {
			return associate(map[string]any{"authenticator_types": []string{"oob"}, "oob_channels": []string{"sms"}})
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "associate sms with bad phone", req: func() req {
			return associate(map[string]any{"authenticator_types": []string{"oob"}, "oob_channels": []string{"voice"}, "phone_number": "555-1234"})
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "associate unknown channel", req: func() req {
			return associate(map[string]any{"authenticator_types": []string{"oob"}, "oob_channels": []string{"fax"}})
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "associate unknown member", req: func() req {
			return associate(map[string]any{"authenticator_types": []string{"otp"}, "extra": true})
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "associate without token", req: func() req {
			return req{"POST", "mfa/associate", "", map[string]any{"authenticator_types": []string{"otp"}}}
		}, wantStatus: 401, wantErr: "invalid_token"},
		{name: "challenge a given authenticator", req: func() req {
			return challenge(map[string]any{"challenge_type": "oob", "authenticator_id": smsID})
		}, wantStatus: 200, check: func(t *testing.T, v any) {
			if v.(map[string]any)["oob_code"] == nil {
				t.Errorf("challenge %v", v)
			}
		}},
		{name: "challenge otp or oob", req: func() req { return challenge(map[string]any{"challenge_type": "otp oob"}) }, wantStatus: 200,
			check: func(t *testing.T, v any) {
				if v.(map[string]any)["challenge_type"] != "otp" {
					t.Errorf("challenge %v", v)
				}
			}},
		{name: "challenge type mismatch", req: func() req {
			return challenge(map[string]any{"challenge_type": "otp", "authenticator_id": smsID})
		}, wantStatus: 400, wantErr: "unsupported_challenge_type"},
		{name: "challenge unknown type", req: func() req { return challenge(map[string]any{"challenge_type": "sms"}) }, wantStatus: 400, wantErr: "unsupported_challenge_type"},
		{name: "challenge unknown authenticator", req: func() req {
			return challenge(map[string]any{"challenge_type": "otp", "authenticator_id": "totp|nope"})
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "challenge wrong secret", req: func() req {
			return challenge(map[string]any{"challenge_type": "otp", "client_secret": "wrong"})
		}, wantStatus: 401, wantErr: "invalid_client"},
		{name: "challenge by another client", req: func() req {
			return challenge(map[string]any{"challenge_type": "otp", "client_id": "other", "client_secret": "other-secret"})
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "challenge without mfa_token", req: func() req {
			return challenge(map[string]any{"challenge_type": "otp", "mfa_token": ""})
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "delete", req: func() req { return req{"DELETE", "mfa/authenticators/" + url.PathEscape(smsID), mt, nil} }, wantStatus: 204,
			check: func(t *testing.T, _ any) {
				_, v := r.jsonReq("GET", "mfa/authenticators", mt, nil)
				for _, a := range v.([]any) {
					if a.(map[string]any)["id"] == smsID {
						t.Error("deleted authenticator still listed")
					}
				}
			}},
		{name: "delete unknown", req: func() req { return req{"DELETE", "mfa/authenticators/" + url.PathEscape(smsID), mt, nil} }, wantStatus: 404, wantErr: "not_found"},
		{name: "delete without token", req: func() req { return req{"DELETE", "mfa/authenticators/" + url.PathEscape(otpID), "", nil} }, wantStatus: 401, wantErr: "invalid_token"},
		{name: "list with expired token", req: func() req {
			clock.Advance(11 * time.Minute)
			return req{"GET", "mfa/authenticators", mt, nil}
		}, wantStatus: 401, wantErr: "expired_token"},
		{name: "challenge with expired token", req: func() req { return challenge(map[string]any{"challenge_type": "otp"}) }, wantStatus: 403, wantErr: "expired_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.req()
			status, v := r.jsonReq(q.method, q.path, q.bearer, q.body)
			if tt.wantErr != "" {
				body, _ := v.(map[string]any)
				wantOAuthError(t, status, body, tt.wantStatus, tt.wantErr)
				return
			}
			if status != tt.wantStatus {
				t.Fatalf("status %d: %v", status, v)
			}
			if tt.check != nil {
				tt.check(t, v)
			}
		})
	}
}

func fmtAny(v any) string {
	s, _ := v.(string)
	return s
}
