package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/internal/testclock"
	"github.com/auth0kit/auth0kit/core/internal/wire"
)

const (
	covTokAPI        = "https://api.example.com/"
	grantMfaOTP      = "http://auth0.com/oauth/grant-type/mfa-otp"
	grantMfaOOB      = "http://auth0.com/oauth/grant-type/mfa-oob"
	grantMfaRecovery = "http://auth0.com/oauth/grant-type/mfa-recovery-code"
)

// TestCovTokMFAStepUp: a refresh for another audience answered with
// mfa_required yields a sealed, session-bound mfa_token; verifying an OTP
// with it sends the provider's raw token with the audience and scope,
// stores the step-up token (and the rotated refresh token) in the session,
// and GetAccessToken answers from that cache afterwards.
func TestCovTokMFAStepUp(t *testing.T) {
	op := newScriptOP(t)
	op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		switch r.Form.Get("grant_type") {
		case "refresh_token":
			if r.Form.Get("audience") == covTokAPI {
				writeJSON(w, http.StatusForbidden, map[string]any{"error": "mfa_required", "error_description": "Multifactor authentication required",
					"mfa_token": "raw-mfa-1", "mfa_requirements": map[string]any{"challenge": []map[string]string{{"type": "otp"}}}})
				return
			}
		case grantMfaOTP:
			writeJSON(w, http.StatusOK, map[string]any{"access_token": "at-api", "id_token": op.idToken("user-1", nil),
				"token_type": "Bearer", "expires_in": 600, "scope": "openid read:data", "refresh_token": "rt-rotated"})
			return
		}
		op.defaultToken(w, r)
	})
	c := newScriptClient(t, op)
	f := op.login(c, "")

	ctx, _ := boundRequest(c, "GET", "/api", f.Cookies)
	_, err := c.GetAccessToken(ctx, AccessTokenOptions{Audience: covTokAPI, Scope: "read:data"})
	var mre *MfaRequiredError
	if !errors.As(err, &mre) || mre.MfaToken == "" || mre.MfaToken == "raw-mfa-1" || HTTPStatus(err) != http.StatusForbidden {
		t.Fatalf("GetAccessToken err = %v (status %d), want a sealed mfa_required", err, HTTPStatus(err))
	}
	if !strings.Contains(string(mre.Requirements), `"otp"`) {
		t.Errorf("requirements = %s", mre.Requirements)
	}

	ctx, ex := boundRequest(c, "POST", "/api/mfa/verify", f.Cookies)
	res, err := c.MFA().Verify(ctx, VerifyOptions{MfaToken: mre.MfaToken, OTP: "123456"})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.AccessToken.Token != "at-api" || res.AccessToken.Audience != covTokAPI || res.RecoveryCode != "" {
		t.Fatalf("Verify = %+v / %+v", res, res.AccessToken)
	}
	if d := time.Until(res.AccessToken.ExpiresAt); d < 500*time.Second || d > 700*time.Second {
		t.Errorf("ExpiresAt in %v, want ~600s", d)
	}
	sent := op.lastTo("/oauth/token").Form
	if sent.Get("grant_type") != grantMfaOTP || sent.Get("mfa_token") != "raw-mfa-1" || sent.Get("otp") != "123456" ||
		sent.Get("audience") != covTokAPI || !hasScope(sent.Get("scope"), "read:data") {
		t.Fatalf("verify form = %v", sent)
	}
	if len(ex.set) == 0 {
		t.Fatal("Verify wrote no session cookie")
	}
	cookies := covTokMerge(f.Cookies, ex.set)
	if s := op.sessionOf(c, cookies); s.TokenSet.RefreshToken != "rt-rotated" {
		t.Errorf("refresh token after step-up = %q, want the rotated one", s.TokenSet.RefreshToken)
	}
	before := len(op.requestsTo("/oauth/token"))
	ctx, _ = boundRequest(c, "GET", "/api", cookies)
	at, err := c.GetAccessToken(ctx, AccessTokenOptions{Audience: covTokAPI, Scope: "read:data"})
	if err != nil || at.Token != "at-api" {
		t.Fatalf("GetAccessToken after step-up = %+v, %v", at, err)
	}
	if n := len(op.requestsTo("/oauth/token")); n != before {
		t.Errorf("the cached step-up token was not used (%d token requests, want %d)", n, before)
	}
}

// TestCovTokMFAVerifyCredentials: each credential picks its grant; a
// missing or incomplete credential is invalid_request without a request;
// a token issued outside a session is never stored in one.
func TestCovTokMFAVerifyCredentials(t *testing.T) {
	op := newScriptOP(t)
	op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		out := map[string]any{"access_token": "at-" + r.Form.Get("grant_type")[len("http://auth0.com/oauth/grant-type/"):], "token_type": "Bearer"}
		if r.Form.Get("grant_type") == grantMfaRecovery {
			out["recovery_code"] = "rc-new"
		}
		writeJSON(w, http.StatusOK, out)
	})
	c := newScriptClient(t, op)
	tok := covTokMfaToken(t, c, mfaBinding{}, "raw-mfa", "", "", "")
	cases := []struct {
		name     string
		opts     VerifyOptions
		grant    string
		form     map[string]string
		recovery string
	}{
		{"otp", VerifyOptions{OTP: "111111"}, grantMfaOTP, map[string]string{"otp": "111111"}, ""},
		{"oob", VerifyOptions{OOBCode: "oob-1", BindingCode: "42"}, grantMfaOOB, map[string]string{"oob_code": "oob-1", "binding_code": "42"}, ""},
		{"recovery code", VerifyOptions{RecoveryCode: "RC1"}, grantMfaRecovery, map[string]string{"recovery_code": "RC1"}, "rc-new"},
		{"oob without binding code", VerifyOptions{OOBCode: "oob-1"}, "", nil, ""},
		{"no credential", VerifyOptions{}, "", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(op.requestsTo("/oauth/token"))
			tc.opts.MfaToken = tok
			ctx, ex := boundRequest(c, "POST", "/verify", nil)
			res, err := c.MFA().Verify(ctx, tc.opts)
			if tc.grant == "" {
				var me *MfaError
				if !errors.As(err, &me) || me.Code != CodeInvalidRequest || me.Op != "verify" || HTTPStatus(err) != http.StatusBadRequest {
					t.Fatalf("err = %v, want invalid_request 400", err)
				}
				if n := len(op.requestsTo("/oauth/token")); n != before {
					t.Fatal("an invalid verification reached the provider")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sent := op.lastTo("/oauth/token").Form
			if sent.Get("grant_type") != tc.grant || sent.Get("mfa_token") != "raw-mfa" || sent.Has("audience") || sent.Has("scope") {
				t.Fatalf("form = %v", sent)
			}
			for k, v := range tc.form {
				if sent.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, sent.Get(k), v)
				}
			}
			if !strings.HasPrefix(res.AccessToken.Token, "at-") || res.RecoveryCode != tc.recovery || !res.AccessToken.ExpiresAt.IsZero() {
				t.Errorf("result = %+v / %+v", res, res.AccessToken)
			}
			if len(ex.set) != 0 {
				t.Errorf("a token issued outside a session wrote cookies: %v", ex.set)
			}
		})
	}
}

// TestCovTokMFAVerifyProviderErrors maps the token endpoint's answers to
// a verification.
func TestCovTokMFAVerifyProviderErrors(t *testing.T) {
	cases := []struct {
		name    string
		handler func(op *scriptOP) http.HandlerFunc
		code    string
		status  int
		check   func(t *testing.T, c *Client, err error)
	}{
		{"refused", func(*scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 403, map[string]any{"error": "invalid_grant", "error_description": "Invalid otp_code."})
			}
		}, "invalid_grant", 400, func(t *testing.T, _ *Client, err error) {
			var oe *OAuthError
			if !errors.As(err, &oe) || oe.StatusCode != 403 || oe.Description != "Invalid otp_code." {
				t.Errorf("wrapped = %#v", oe)
			}
		}},
		{"provider failure", func(*scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 500, map[string]any{"error": "server_error"})
			}
		}, "server_error", 502, nil},
		{"another factor", func(*scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 403, map[string]any{"error": "mfa_required", "mfa_token": "raw-mfa-2"})
			}
		}, "", 403, func(t *testing.T, c *Client, err error) {
			var mre *MfaRequiredError
			if !errors.As(err, &mre) {
				t.Fatalf("err = %v, want a new MfaRequiredError", err)
			}
			mc, oerr := c.openMFAToken(mre.MfaToken, time.Now().Unix())
			if oerr != nil || mc.MfaToken != "raw-mfa-2" || mc.Audience != covTokAPI || mc.Scope != "openid read:data" {
				t.Fatalf("new mfa token = %+v, %v", mc, oerr)
			}
		}},
		{"not JSON", func(*scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) }
		}, "unexpected_error", 502, nil},
		{"no access token", func(*scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"token_type": "Bearer"})
			}
		}, "unexpected_error", 502, nil},
		{"unreachable", func(*scriptOP) http.HandlerFunc { return covTokAbort }, "unexpected_error", 502, func(t *testing.T, _ *Client, err error) {
			if !strings.Contains(err.Error(), "could not be reached") {
				t.Errorf("err = %v", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := newScriptOP(t)
			op.handle("/oauth/token", tc.handler(op))
			c := newScriptClient(t, op)
			tok := covTokMfaToken(t, c, mfaBinding{}, "raw-mfa", covTokAPI, "openid read:data", "")
			_, err := c.MFA().Verify(context.Background(), VerifyOptions{MfaToken: tok, OTP: "000000"})
			if HTTPStatus(err) != tc.status {
				t.Fatalf("err = %v: status %d, want %d", err, HTTPStatus(err), tc.status)
			}
			if tc.code != "" {
				var me *MfaError
				if !errors.As(err, &me) || me.Code != tc.code || me.Op != "verify" {
					t.Fatalf("err = %#v, want MfaError %s", err, tc.code)
				}
			}
			if tc.check != nil {
				tc.check(t, c, err)
			}
		})
	}
}

// TestCovTokMFAVerifySession: a session-bound mfa_token checks the
// session before and after spending the credential.
func TestCovTokMFAVerifySession(t *testing.T) {
	cases := []struct {
		name   string
		answer func(op *scriptOP) map[string]any // the step-up answer
		setup  func(st *covTokStore)             // before Verify
		is     error
		code   string
		status int
	}{
		{"ID token of another user", func(op *scriptOP) map[string]any {
			return map[string]any{"access_token": "at", "id_token": op.idToken("user-2", nil)}
		}, nil, ErrMfaSessionMismatch, "", 403},
		{"ID token invalid", func(op *scriptOP) map[string]any {
			return map[string]any{"access_token": "at", "id_token": op.idToken("user-1", map[string]any{"aud": "another-client"})}
		}, nil, ErrIDTokenInvalid, "unexpected_error", 400},
		{"store down on read", func(op *scriptOP) map[string]any {
			return map[string]any{"access_token": "at"}
		}, func(st *covTokStore) { st.failGet.Store(true) }, ErrSessionStore, "", 0},
		{"store down on write", func(op *scriptOP) map[string]any {
			return map[string]any{"access_token": "at"}
		}, func(st *covTokStore) { st.failSet.Store(true) }, ErrSessionStore, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := newScriptOP(t)
			st := newCovTokStore()
			c := newScriptClient(t, op, WithSessionStore(st))
			f := op.login(c, "")
			op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tc.answer(op)) })
			tok := covTokMfaToken(t, c, mfaBinding{Sub: f.Session.User.Sub, SID: f.Session.Internal.SID}, "raw-mfa", covTokAPI, "read:data", "")
			if tc.setup != nil {
				tc.setup(st)
			}
			ctx, _ := boundRequest(c, "POST", "/verify", f.Cookies)
			_, err := c.MFA().Verify(ctx, VerifyOptions{MfaToken: tok, OTP: "000000"})
			if err == nil {
				t.Fatal("Verify succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			if tc.code != "" {
				var me *MfaError
				if !errors.As(err, &me) || me.Code != tc.code {
					t.Fatalf("err = %v, want code %s", err, tc.code)
				}
			}
			if tc.status != 0 && HTTPStatus(err) != tc.status {
				t.Fatalf("status %d, want %d", HTTPStatus(err), tc.status)
			}
			st.failGet.Store(false)
			if got := op.sessionOf(c, f.Cookies); len(got.AccessTokens) != 0 {
				t.Errorf("a failed step-up stored tokens: %+v", got.AccessTokens)
			}
		})
	}
}

// TestCovTokMFATokenErrors: every MFA call refuses a missing, invalid,
// foreign or expired mfa_token before calling the provider.
func TestCovTokMFATokenErrors(t *testing.T) {
	op := newScriptOP(t)
	clock := testclock.New(time.Now())
	c := newScriptClient(t, op, WithTuning(Tuning{Clock: clock.Now}))
	other := newScriptClient(t, op, WithSecret(strings.Repeat("o", 32)))
	good := covTokMfaToken(t, c, mfaBinding{}, "raw", "", "", "")
	foreign := covTokMfaToken(t, other, mfaBinding{}, "raw", "", "", "")
	expired := covTokMfaToken(t, c, mfaBinding{}, "raw", "", "", "")
	clock.Advance((300 + wire.ClockTolerance - 1) * time.Second) // just within the default TTL plus the tolerance
	if _, err := c.MFA().GetAuthenticators(context.Background(), good); errors.Is(err, ErrMfaTokenExpired) {
		t.Fatal("expired one second early")
	}
	op.handleJSON("/mfa/authenticators", 200, []any{})
	clock.Advance(time.Second)
	calls := map[string]func(tok string) error{
		"get_authenticators": func(tok string) error {
			_, err := c.MFA().GetAuthenticators(context.Background(), tok)
			return err
		},
		"enroll": func(tok string) error {
			_, err := c.MFA().Enroll(context.Background(), EnrollOptions{MfaToken: tok, FactorType: "otp"})
			return err
		},
		"challenge": func(tok string) error {
			_, err := c.MFA().Challenge(context.Background(), ChallengeOptions{MfaToken: tok, ChallengeType: "otp"})
			return err
		},
		"delete_authenticator": func(tok string) error {
			return c.MFA().DeleteAuthenticator(context.Background(), tok, "totp|1")
		},
		"verify": func(tok string) error {
			_, err := c.MFA().Verify(context.Background(), VerifyOptions{MfaToken: tok, OTP: "1"})
			return err
		},
	}
	tokens := []struct {
		name, tok string
		is        error
		status    int
	}{
		{"missing", "", ErrMfaTokenNotFound, 400},
		{"blank", "  ", ErrMfaTokenNotFound, 400},
		{"garbage", "not-a-token", ErrMfaTokenInvalid, 401},
		{"sealed with another secret", foreign, ErrMfaTokenInvalid, 401},
		{"expired", expired, ErrMfaTokenExpired, 401},
	}
	for name, call := range calls {
		for _, tk := range tokens {
			t.Run(name+"/"+tk.name, func(t *testing.T) {
				err := call(tk.tok)
				var me *MfaError
				if !errors.Is(err, tk.is) || !errors.As(err, &me) || me.Op != name || HTTPStatus(err) != tk.status {
					t.Fatalf("err = %v (status %d), want %v %d from %s", err, HTTPStatus(err), tk.is, tk.status, name)
				}
			})
		}
	}
	for _, p := range []string{"/mfa/authenticators", "/mfa/associate", "/mfa/challenge", "/oauth/token"} {
		if n := len(op.requestsTo(p)); n != 0 && (p != "/mfa/authenticators" || n != 1) {
			t.Errorf("%d requests to %s with a bad mfa_token", n, p)
		}
	}
	// A sealed payload without the provider's token is invalid too.
	now := clock.Now()
	empty, err := c.keys.mfa.SealJSON(mfaContext{Audience: "x"}, now.Add(time.Minute).Unix())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.openMFAToken(empty, now.Unix()); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("open(empty payload) = %v", err)
	}
	if err := calls["verify"](empty); !errors.Is(err, ErrMfaTokenInvalid) {
		t.Errorf("verify(empty payload) = %v", err)
	}
}

// TestCovTokMFADiscoveryDown: every MFA call that reaches the provider
// reports a failed discovery as such.
func TestCovTokMFADiscoveryDown(t *testing.T) {
	op := newScriptOP(t)
	covTokDiscoveryDown(op)
	c := newScriptClient(t, op)
	tok := covTokMfaToken(t, c, mfaBinding{}, "raw", "", "", "")
	m, ctx := c.MFA(), context.Background()
	errs := map[string]error{}
	_, errs["get_authenticators"] = m.GetAuthenticators(ctx, tok)
	_, errs["enroll"] = m.Enroll(ctx, EnrollOptions{MfaToken: tok, FactorType: "otp"})
	_, errs["challenge"] = m.Challenge(ctx, ChallengeOptions{MfaToken: tok, ChallengeType: "oob"})
	errs["delete_authenticator"] = m.DeleteAuthenticator(ctx, tok, "x")
	_, errs["verify"] = m.Verify(ctx, VerifyOptions{MfaToken: tok, OTP: "1"})
	for name, err := range errs {
		if !errors.Is(err, ErrDiscovery) {
			t.Errorf("%s: err = %v, want ErrDiscovery", name, err)
		}
	}
}

var covTokAuthenticators = []map[string]any{
	{"id": "totp|1", "authenticator_type": "otp", "active": true},
	{"id": "sms|dev_1", "authenticator_type": "oob", "active": true, "oob_channel": "sms", "name": "+1 *** 12"},
	{"id": "recovery-code|1", "authenticator_type": "recovery-code", "active": true},
}

// TestCovTokMFAGetAuthenticators: the list is asked with the provider's
// mfa_token as bearer and filtered by the requirements.
func TestCovTokMFAGetAuthenticators(t *testing.T) {
	op := newScriptOP(t)
	op.handleJSON("/mfa/authenticators", 200, covTokAuthenticators)
	c := newScriptClient(t, op)
	cases := []struct {
		name, reqs string
		want       []string
	}{
		{"no requirements", "", []string{"totp|1", "sms|dev_1", "recovery-code|1"}},
		{"otp", `{"challenge":[{"type":"OTP"}]}`, []string{"totp|1"}},
		{"oob", `{"challenge":[{"type":"oob"}]}`, []string{"sms|dev_1"}},
		{"otp and oob", `{"challenge":[{"type":"otp"},{"type":"oob"}]}`, []string{"totp|1", "sms|dev_1"}},
		{"unknown shape", `{"enroll":[{"type":"otp"}]}`, []string{"totp|1", "sms|dev_1", "recovery-code|1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := covTokMfaToken(t, c, mfaBinding{}, "raw-"+tc.name, "", "", tc.reqs)
			list, err := c.MFA().GetAuthenticators(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, a := range list {
				ids = append(ids, a.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Fatalf("ids = %v, want %v", ids, tc.want)
			}
			var sent scriptRequest
			for _, r := range op.requestsTo("/mfa/authenticators") {
				if r.Header.Get("Authorization") == "Bearer raw-"+tc.name {
					sent = r
				}
			}
			if sent.Method != http.MethodGet || sent.Header.Get("Accept") != "application/json" || len(sent.Body) != 0 {
				t.Fatalf("request = %+v", sent)
			}
		})
	}
	// The decoded fields.
	tok := covTokMfaToken(t, c, mfaBinding{}, "raw", "", "", `{"challenge":[{"type":"oob"}]}`)
	list, _ := c.MFA().GetAuthenticators(context.Background(), tok)
	if len(list) != 1 || list[0] != (Authenticator{ID: "sms|dev_1", AuthenticatorType: "oob", Active: true, OOBChannel: "sms", Name: "+1 *** 12"}) {
		t.Errorf("authenticator = %+v", list)
	}
}

// TestCovTokMFAAPIErrors maps the MFA API's failures (shared by every
// JSON call).
func TestCovTokMFAAPIErrors(t *testing.T) {
	cases := []struct {
		name       string
		h          http.HandlerFunc
		code, desc string
		status     int
		oauth      int // status of the wrapped OAuthError; 0: none
	}{
		{"refused", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, map[string]any{"error": "invalid_token", "error_description": "mfa_token expired"})
		}, "invalid_token", "mfa_token expired", 400, 401},
		{"outage without JSON", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(503)
			w.Write([]byte("upstream down"))
		}, "unknown_error", "Service Unavailable", 502, 503},
		{"error JSON without code", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 429, map[string]any{"message": "slow down"})
		}, "unknown_error", "Too Many Requests", 400, 429},
		{"answer not JSON", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) },
			"unexpected_error", "the MFA API answer is not JSON", 502, 0},
		{"unreachable", covTokAbort, "unexpected_error", "the MFA API could not be reached", 502, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := newScriptOP(t)
			op.handle("/mfa/authenticators", tc.h)
			c := newScriptClient(t, op)
			tok := covTokMfaToken(t, c, mfaBinding{}, "raw", "", "", "")
			_, err := c.MFA().GetAuthenticators(context.Background(), tok)
			var me *MfaError
			if !errors.As(err, &me) || me.Op != "get_authenticators" || me.Code != tc.code || me.Description != tc.desc || HTTPStatus(err) != tc.status {
				t.Fatalf("err = %#v (status %d)", err, HTTPStatus(err))
			}
			var oe *OAuthError
			if got := errors.As(err, &oe); got != (tc.oauth != 0) || got && oe.StatusCode != tc.oauth {
				t.Fatalf("wrapped OAuthError = %#v, want status %d", oe, tc.oauth)
			}
			b, _ := json.Marshal(me)
			if !strings.Contains(string(b), `"error":"`+tc.code+`"`) {
				t.Errorf("JSON = %s", b)
			}
		})
	}
}

// TestCovTokMFAEnroll: each factor type sends its /mfa/associate body;
// missing or unknown inputs are invalid_request without a request.
func TestCovTokMFAEnroll(t *testing.T) {
	op := newScriptOP(t)
	op.handle("/mfa/associate", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		json.NewDecoder(r.Body).Decode(&in)
		if in["authenticator_types"].([]any)[0] == "otp" {
			writeJSON(w, 200, map[string]any{"authenticator_type": "otp", "secret": "JBSWY3DP", "barcode_uri": "otpauth://totp/x", "recovery_codes": []string{"RC"}})
			return
		}
		writeJSON(w, 200, map[string]any{"authenticator_type": "oob", "oob_channel": in["oob_channels"].([]any)[0], "oob_code": "oob-1", "binding_method": "prompt"})
	})
	c := newScriptClient(t, op)
	tok := covTokMfaToken(t, c, mfaBinding{}, "raw-enroll", "", "", "")
	cases := []struct {
		name string
		opts EnrollOptions
		body string // the JSON sent; "" for invalid_request
		want Enrollment
	}{
		{"otp", EnrollOptions{FactorType: "otp"}, `{"authenticator_types":["otp"]}`,
			Enrollment{AuthenticatorType: "otp", Secret: "JBSWY3DP", BarcodeURI: "otpauth://totp/x", RecoveryCodes: []string{"RC"}}},
		{"sms", EnrollOptions{FactorType: "sms", PhoneNumber: "+15550100"}, `{"authenticator_types":["oob"],"oob_channels":["sms"],"phone_number":"+15550100"}`,
			Enrollment{AuthenticatorType: "oob", OOBChannel: "sms", OOBCode: "oob-1", BindingMethod: "prompt"}},
		{"voice", EnrollOptions{FactorType: "voice", PhoneNumber: "+15550100"}, `{"authenticator_types":["oob"],"oob_channels":["voice"],"phone_number":"+15550100"}`,
			Enrollment{AuthenticatorType: "oob", OOBChannel: "voice", OOBCode: "oob-1", BindingMethod: "prompt"}},
		{"email", EnrollOptions{FactorType: "email", Email: "j@example.com"}, `{"authenticator_types":["oob"],"email":"j@example.com","oob_channels":["email"]}`,
			Enrollment{AuthenticatorType: "oob", OOBChannel: "email", OOBCode: "oob-1", BindingMethod: "prompt"}},
		{"email of the account", EnrollOptions{FactorType: "email"}, `{"authenticator_types":["oob"],"oob_channels":["email"]}`,
			Enrollment{AuthenticatorType: "oob", OOBChannel: "email", OOBCode: "oob-1", BindingMethod: "prompt"}},
		{"push", EnrollOptions{FactorType: "push"}, `{"authenticator_types":["oob"],"oob_channels":["auth0"]}`,
			Enrollment{AuthenticatorType: "oob", OOBChannel: "auth0", OOBCode: "oob-1", BindingMethod: "prompt"}},
		{"sms without phone", EnrollOptions{FactorType: "sms"}, "", Enrollment{}},
		{"voice without phone", EnrollOptions{FactorType: "voice"}, "", Enrollment{}},
		{"unknown factor", EnrollOptions{FactorType: "webauthn"}, "", Enrollment{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(op.requestsTo("/mfa/associate"))
			tc.opts.MfaToken = tok
			got, err := c.MFA().Enroll(context.Background(), tc.opts)
			if tc.body == "" {
				var me *MfaError
				if !errors.As(err, &me) || me.Code != CodeInvalidRequest || me.Op != "enroll" || HTTPStatus(err) != 400 {
					t.Fatalf("err = %v, want invalid_request", err)
				}
				if len(op.requestsTo("/mfa/associate")) != before {
					t.Fatal("an invalid enrollment reached the provider")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sent := op.lastTo("/mfa/associate")
			if string(sent.Body) != tc.body || sent.Method != http.MethodPost ||
				sent.Header.Get("Content-Type") != "application/json" || sent.Header.Get("Authorization") != "Bearer raw-enroll" {
				t.Fatalf("sent %s %s %v", sent.Method, sent.Body, sent.Header)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(tc.want)
			if string(gb) != string(wb) {
				t.Fatalf("enrollment = %s, want %s", gb, wb)
			}
		})
	}
	// A provider refusal is the MFA error of the enrollment.
	op.handleJSON("/mfa/associate", 400, map[string]any{"error": "invalid_request", "error_description": "bad phone"})
	_, err := c.MFA().Enroll(context.Background(), EnrollOptions{MfaToken: tok, FactorType: "sms", PhoneNumber: "x"})
	var me *MfaError
	if !errors.As(err, &me) || me.Op != "enroll" || me.Description != "bad phone" {
		t.Fatalf("refused enrollment = %v", err)
	}
}

// TestCovTokMFAChallenge: a challenge posts the client's credentials with
// the raw mfa_token; a type the requirements exclude, or neither otp nor
// oob, is refused locally.
func TestCovTokMFAChallenge(t *testing.T) {
	op := newScriptOP(t)
	op.handle("/mfa/challenge", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		json.NewDecoder(r.Body).Decode(&in)
		if in["challenge_type"] == "oob" {
			writeJSON(w, 200, map[string]any{"challenge_type": "oob", "oob_code": "oob-9", "binding_method": "prompt"})
			return
		}
		writeJSON(w, 200, map[string]any{"challenge_type": "otp"})
	})
	c := newScriptClient(t, op)
	onlyOTP := covTokMfaToken(t, c, mfaBinding{}, "raw-otp", "", "", `{"challenge":[{"type":"otp"}]}`)
	any := covTokMfaToken(t, c, mfaBinding{}, "raw-any", "", "", "")
	cases := []struct {
		name string
		opts ChallengeOptions
		want *Challenge
		code string
		is   error
	}{
		{"otp", ChallengeOptions{MfaToken: onlyOTP, ChallengeType: "otp"}, &Challenge{ChallengeType: "otp"}, "", nil},
		{"oob with authenticator", ChallengeOptions{MfaToken: any, ChallengeType: "oob", AuthenticatorID: "sms|dev_1"},
			&Challenge{ChallengeType: "oob", OOBCode: "oob-9", BindingMethod: "prompt"}, "", nil},
		{"oob not allowed", ChallengeOptions{MfaToken: onlyOTP, ChallengeType: "oob"}, nil, CodeMfaNoAvailableFactors, ErrMfaNoAvailableFactors},
		{"unknown type", ChallengeOptions{MfaToken: any, ChallengeType: "push"}, nil, CodeInvalidRequest, nil},
		{"no type", ChallengeOptions{MfaToken: any}, nil, CodeInvalidRequest, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(op.requestsTo("/mfa/challenge"))
			got, err := c.MFA().Challenge(context.Background(), tc.opts)
			if tc.want == nil {
				var me *MfaError
				if !errors.As(err, &me) || me.Code != tc.code || me.Op != "challenge" || HTTPStatus(err) != 400 ||
					(tc.is != nil && !errors.Is(err, tc.is)) {
					t.Fatalf("err = %v, want %s", err, tc.code)
				}
				if len(op.requestsTo("/mfa/challenge")) != before {
					t.Fatal("a refused challenge reached the provider")
				}
				return
			}
			if err != nil || *got != *tc.want {
				t.Fatalf("challenge = %+v, %v", got, err)
			}
			sent := op.lastTo("/mfa/challenge")
			var body map[string]string
			if err := json.Unmarshal(sent.Body, &body); err != nil {
				t.Fatal(err)
			}
			if body["client_id"] != "client-1" || body["mfa_token"] == "" || body["mfa_token"] == tc.opts.MfaToken ||
				body["challenge_type"] != tc.opts.ChallengeType || body["authenticator_id"] != tc.opts.AuthenticatorID ||
				sent.Header.Get("Authorization") != "" {
				t.Fatalf("challenge body = %v, header %v", body, sent.Header)
			}
		})
	}
}

// TestCovTokMFADeleteAuthenticator: the id goes into the path once
// escaped; ids that would change the path are refused.
func TestCovTokMFADeleteAuthenticator(t *testing.T) {
	op := newScriptOP(t)
	op.handle("/mfa/authenticators/sms|dev_1", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	op.handleJSON("/mfa/authenticators/gone", 404, map[string]string{"error": "not_found", "error_description": "Authenticator not found"})
	c := newScriptClient(t, op)
	tok := covTokMfaToken(t, c, mfaBinding{}, "raw-del", "", "", "")
	if err := c.MFA().DeleteAuthenticator(context.Background(), tok, "sms|dev_1"); err != nil {
		t.Fatal(err)
	}
	sent := op.lastTo("/mfa/authenticators/sms|dev_1")
	if sent.Method != http.MethodDelete || sent.Header.Get("Authorization") != "Bearer raw-del" || sent.Header.Get("Content-Type") != "" {
		t.Fatalf("sent %s %v", sent.Method, sent.Header)
	}
	err := c.MFA().DeleteAuthenticator(context.Background(), tok, "gone")
	var me *MfaError
	if !errors.As(err, &me) || me.Code != "not_found" || me.Op != "delete_authenticator" || HTTPStatus(err) != 400 {
		t.Fatalf("delete unknown = %v", err)
	}
	for _, id := range []string{"", "../associate", "a?b", "a#b"} {
		err := c.MFA().DeleteAuthenticator(context.Background(), tok, id)
		if !errors.As(err, &me) || me.Code != CodeInvalidRequest {
			t.Errorf("delete %q = %v, want invalid_request", id, err)
		}
	}
}

// TestCovTokMFAChallengeRefused: the provider's refusal of a challenge
// is the challenge's MFA error, with the provider's status deciding 400
// or 502.
func TestCovTokMFAChallengeRefused(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	tok := covTokMfaToken(t, c, mfaBinding{}, "raw", "", "", "")
	for _, tc := range []struct {
		status int
		want   int
	}{{403, 400}, {502, 502}} {
		op.handleJSON("/mfa/challenge", tc.status, map[string]any{"error": "unsupported_challenge_type", "error_description": "no"})
		_, err := c.MFA().Challenge(context.Background(), ChallengeOptions{MfaToken: tok, ChallengeType: "otp"})
		var me *MfaError
		if !errors.As(err, &me) || me.Op != "challenge" || me.Code != "unsupported_challenge_type" || HTTPStatus(err) != tc.want {
			t.Errorf("provider %d: err = %v (status %d), want %d", tc.status, err, HTTPStatus(err), tc.want)
		}
	}
}

// TestCovTokMfaRequiredWithoutToken: an mfa_required answer without an
// mfa_token still yields MfaRequiredError (with the default description),
// but with no token to continue.
func TestCovTokMfaRequiredWithoutToken(t *testing.T) {
	c := newScriptClient(t, newScriptOP(t))
	oe := &OAuthError{Code: CodeMfaRequired, StatusCode: 403, body: []byte(`{"error":"mfa_required","mfa_requirements":{"challenge":[{"type":"otp"}]}}`)}
	err := c.mfaRequired(oe, mfaBinding{Sub: "u"}, covTokAPI, "openid")
	var mre *MfaRequiredError
	if !errors.As(err, &mre) || mre.MfaToken != "" || mre.Description != "Multi-factor authentication is required." ||
		!errors.Is(err, oe) || HTTPStatus(err) != 403 {
		t.Fatalf("err = %#v", err)
	}
	b, _ := json.Marshal(mre)
	if want := `{"error":"mfa_required","error_description":"Multi-factor authentication is required.","mfa_token":"","mfa_requirements":{"challenge":[{"type":"otp"}]}}`; string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
}
