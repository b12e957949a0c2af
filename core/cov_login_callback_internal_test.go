package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// covLoginIDToken mints an ID token like op.idToken, then lets edit
// change or delete claims.
func covLoginIDToken(op *scriptOP, alg jose.SignatureAlgorithm, edit func(m map[string]any)) string {
	now := time.Now()
	op.mu.Lock()
	claims := map[string]any{"iss": op.issuer(), "aud": "client-1", "sub": "user-1", "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "sid": "sid-user-1", "nonce": op.nonce}
	op.mu.Unlock()
	if edit != nil {
		edit(claims)
	}
	kid := "rsa"
	if alg == jose.ES256 {
		kid = "ec"
	}
	return op.sign(op.t, alg, kid, "JWT", claims)
}

// covLoginTokenWith makes the token endpoint answer the authorization
// code grant with an access token and the ID token idt returns.
func covLoginTokenWith(op *scriptOP, idt func() string, extra map[string]any) {
	op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		body := map[string]any{"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer", "expires_in": 3600}
		if idt != nil {
			body["id_token"] = idt()
		}
		for k, v := range extra {
			body[k] = v
		}
		writeJSON(w, 200, body)
	})
}

// TestCovLoginCallbackRequestErrors: callbacks refused before or at the token
// request, with the error, its code and the route's status.
func TestCovLoginCallbackRequestErrors(t *testing.T) {
	tests := []struct {
		name   string
		query  func(state string) string
		setup  func(op *scriptOP)
		code   string
		is     error
		status int
	}{
		{name: "provider error", query: func(s string) string {
			return "state=" + s + "&error=access_denied&error_description=denied&error_uri=https://e.example/x"
		}, code: CodeAuthorizationError, status: 400},
		{name: "login_required", query: func(s string) string { return "state=" + s + "&error=login_required" },
			code: CodeAuthorizationError, is: ErrLoginRequired, status: 400},
		{name: "state missing", query: func(string) string { return "code=c1" }, code: CodeMissingState, is: ErrMissingState, status: 400},
		{name: "unknown state", query: func(string) string { return "code=c1&state=nope" }, code: CodeInvalidState, is: ErrInvalidState, status: 400},
		{name: "state with bad characters", query: func(string) string { return "code=c1&state=a%3Bb" }, code: CodeInvalidState, status: 400},
		{name: "state too long", query: func(string) string { return "code=c1&state=" + strings.Repeat("s", 257) }, code: CodeInvalidState, status: 400},
		{name: "repeated code", query: func(s string) string { return "code=a&code=b&state=" + s }, code: CodeAuthorizationError, status: 400},
		{name: "malformed query", query: func(s string) string { return "code=%zz&state=" + s }, code: CodeAuthorizationError, status: 400},
		{name: "code missing", query: func(s string) string { return "state=" + s }, code: CodeAuthorizationError, status: 400},
		{name: "iss mismatch", query: func(s string) string { return "code=c1&state=" + s + "&iss=https://evil.example/" },
			code: CodeAuthorizationError, status: 400},
		{name: "iss required", query: func(s string) string { return "code=c1&state=" + s },
			setup: func(op *scriptOP) { op.meta["authorization_response_iss_parameter_supported"] = true },
			code:  CodeAuthorizationError, status: 400},
		{name: "token endpoint refuses", query: func(s string) string { return "code=c1&state=" + s },
			setup: func(op *scriptOP) {
				op.handleJSON("/oauth/token", 400, map[string]any{"error": "invalid_grant", "error_description": "code used"})
			}, code: CodeAuthorizationCodeGrantError, status: 400},
		{name: "token endpoint 500", query: func(s string) string { return "code=c1&state=" + s },
			setup: func(op *scriptOP) {
				op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "<html>boom", http.StatusInternalServerError)
				})
			}, code: CodeAuthorizationCodeGrantError, status: http.StatusBadGateway}, // the provider failed: not the request's fault
		{name: "token response not JSON", query: func(s string) string { return "code=c1&state=" + s },
			setup: func(op *scriptOP) {
				op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{not json")) })
			}, code: CodeAuthorizationCodeGrantError, status: 400},
		{name: "token response without tokens", query: func(s string) string { return "code=c1&state=" + s },
			setup: func(op *scriptOP) { op.handleJSON("/oauth/token", 200, map[string]any{"token_type": "Bearer"}) },
			code:  CodeAuthorizationCodeGrantError, status: 400},
		{name: "token endpoint unreachable", query: func(s string) string { return "code=c1&state=" + s },
			setup: func(op *scriptOP) { op.meta["token_endpoint"] = covLoginDeadURL(op.t) + "oauth/token" },
			code:  CodeAuthorizationCodeGrantRequestError, status: 502},
		{name: "no ID token", query: func(s string) string { return "code=c1&state=" + s },
			setup: func(op *scriptOP) { covLoginTokenWith(op, nil, nil) },
			is:    ErrIDTokenInvalid, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			if tt.setup != nil {
				tt.setup(op)
			}
			c := newScriptClient(t, op)
			u, txn := covLoginStart(t, op, c, LoginOptions{})
			state := u.Query().Get("state")
			_, _, ex, err := covLoginComplete(c, txn, tt.query(state))
			if tt.code != "" && covLoginCode(err) != tt.code {
				t.Fatalf("err = %v, want code %s", err, tt.code)
			}
			if err == nil || tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			if HTTPStatus(err) != tt.status {
				t.Fatalf("status %d, want %d (%v)", HTTPStatus(err), tt.status, err)
			}
			if tt.name == "provider error" {
				var oe *OAuthError
				if !errors.As(err, &oe) || oe.Code != "access_denied" || oe.Description != "denied" || oe.URI != "https://e.example/x" {
					t.Fatalf("oauth error %+v", oe)
				}
			}
			if strings.HasPrefix(tt.name, "token") && tt.status != 502 {
				if tok := op.lastTo("/oauth/token"); tok.Form.Get("grant_type") != "authorization_code" {
					t.Fatalf("token form %v", tok.Form)
				}
			}
			// The route answers the same status, and a callback that read
			// the transaction deletes its cookie.
			cb := covLoginExchange(c.s.routes.Callback, tt.query(state), txn)
			res, _ := c.handle(context.Background(), cb)
			if res.Status != tt.status {
				t.Fatalf("route status %d", res.Status)
			}
			if covLoginCode(err) != CodeMissingState && covLoginCode(err) != CodeInvalidState && covLoginCode(err) != "" &&
				covLoginCode(err) != CodeAuthorizationError {
				deleted := false
				for _, ck := range ex.set {
					deleted = deleted || ck.MaxAge < 0 && strings.HasPrefix(ck.Name, c.s.txnCookie.name)
				}
				if !deleted {
					t.Fatalf("transaction cookie not deleted: %v", ex.set)
				}
			}
		})
	}
}

// TestCovLoginCallbackIssParameter: a correct iss is accepted, also when the
// provider requires it.
func TestCovLoginCallbackIssParameter(t *testing.T) {
	op := newScriptOP(t)
	op.meta["authorization_response_iss_parameter_supported"] = true
	c := newScriptClient(t, op)
	u, txn := covLoginStart(t, op, c, LoginOptions{})
	s, _, _, err := covLoginComplete(c, txn, "code=c1&iss="+url.QueryEscape(op.issuer())+"&state="+u.Query().Get("state"))
	if err != nil || s.User.Sub != "user-1" {
		t.Fatalf("session %+v, err %v", s, err)
	}
}

// TestCovLoginCallbackTransactionCookie: a transaction cookie that was tampered
// with, or that belongs to another state, is refused.
func TestCovLoginCallbackTransactionCookie(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	u, txn := covLoginStart(t, op, c, LoginOptions{})
	state := u.Query().Get("state")
	var ck *http.Cookie
	for _, x := range txn {
		if strings.HasSuffix(x.Name, state) {
			ck = x
		}
	}
	if ck == nil {
		t.Fatalf("no transaction cookie for %s in %v", state, txn)
	}
	tampered := *ck
	tampered.Value = ck.Value[:len(ck.Value)-4] + "AAAA"
	if _, _, _, err := covLoginComplete(c, []*http.Cookie{&tampered}, "code=c1&state="+state); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("tampered: %v", err)
	}
	other := *ck
	other.Name = c.s.txnCookie.name + "otherstate"
	if _, _, _, err := covLoginComplete(c, []*http.Cookie{&other}, "code=c1&state=otherstate"); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("other state: %v", err)
	}
	// One transaction cookie for all logins: the name carries no state.
	c1 := newScriptClient(t, op, WithTransactionCookie(TransactionCookieOptions{Single: true}))
	u, txn = covLoginStart(t, op, c1, LoginOptions{})
	if len(txn) != 1 || txn[0].Name != c1.s.txnCookie.name {
		t.Fatalf("cookies %v", txn)
	}
	if s, _, _, err := covLoginComplete(c1, txn, "code=c1&state="+u.Query().Get("state")); err != nil || s == nil {
		t.Fatalf("single transaction: %v", err)
	}
	if _, _, _, err := covLoginComplete(c1, txn, "code=c1&state=another"); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("single transaction, other state: %v", err)
	}
	// A second login replaces the single cookie instead of evicting it.
	ex := covLoginExchange(c1.s.routes.Login, "", txn)
	if _, err := c1.startLogin(context.Background(), ex, LoginOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(ex.set) != 1 || ex.set[0].Name != c1.s.txnCookie.name || ex.set[0].MaxAge < 0 {
		t.Fatalf("second login cookies %v", ex.set)
	}
}

// TestCovLoginCallbackUntrustedHost: a callback on a host that is not one of
// the application's base URLs is refused before the transaction is read.
func TestCovLoginCallbackUntrustedHost(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op, WithAppBaseURL("http://127.0.0.1:1", "http://127.0.0.1:2"))
	u, txn := covLoginStart(t, op, c, LoginOptions{})
	ex := covLoginExchange(c.s.routes.Callback, "code=c1&state="+u.Query().Get("state"), txn)
	ex.host = "evil.example"
	if _, _, err := c.completeLogin(context.Background(), ex); err == nil || HTTPStatus(err) != 400 || len(ex.set) != 0 {
		t.Fatalf("err = %v, cookies %v", err, ex.set)
	}
	if len(op.requestsTo("/oauth/token")) != 0 {
		t.Fatal("code exchanged")
	}
}

// TestCovLoginCallbackIDToken: every ID token check refuses the login with an
// error matching ErrIDTokenInvalid (400).
func TestCovLoginCallbackIDToken(t *testing.T) {
	tests := []struct {
		name   string
		alg    jose.SignatureAlgorithm
		edit   func(m map[string]any)
		raw    string
		maxAge string
		reason string
	}{
		{name: "nonce mismatch", edit: func(m map[string]any) { m["nonce"] = "other" }, reason: "nonce mismatch"},
		{name: "nonce missing", edit: func(m map[string]any) { delete(m, "nonce") }, reason: "nonce mismatch"},
		{name: "malformed", raw: "not-a-jwt", reason: "malformed"},
		{name: "wrong alg", alg: jose.ES256, reason: "alg"},
		{name: "wrong audience", edit: func(m map[string]any) { m["aud"] = "client-2" }, reason: "verification failed"},
		{name: "wrong issuer", edit: func(m map[string]any) { m["iss"] = "https://evil.example/" }, reason: "verification failed"},
		{name: "sub missing", edit: func(m map[string]any) { delete(m, "sub") }, reason: "sub claim missing"},
		{name: "exp missing", edit: func(m map[string]any) { delete(m, "exp") }, reason: "exp claim missing"},
		{name: "expired", edit: func(m map[string]any) { m["exp"] = time.Now().Add(-time.Hour).Unix() }, reason: "expired"},
		{name: "iat missing", edit: func(m map[string]any) { delete(m, "iat") }, reason: "iat claim missing"},
		{name: "iat in the future", edit: func(m map[string]any) { m["iat"] = time.Now().Add(time.Hour).Unix() }, reason: "iat is in the future"},
		{name: "azp of another client", edit: func(m map[string]any) { m["azp"] = "client-2" }, reason: "azp"},
		{name: "sid not a string", edit: func(m map[string]any) { m["sid"] = 42 }, reason: "claims unreadable"},
		{name: "auth_time required by max_age", maxAge: "60", reason: "auth_time claim required"},
		{name: "auth_time older than max_age", maxAge: "60",
			edit: func(m map[string]any) { m["auth_time"] = time.Now().Add(-time.Hour).Unix() }, reason: "older than max_age"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			alg := tt.alg
			if alg == "" {
				alg = jose.RS256
			}
			covLoginTokenWith(op, func() string {
				if tt.raw != "" {
					return tt.raw
				}
				return covLoginIDToken(op, alg, tt.edit)
			}, nil)
			c := newScriptClient(t, op)
			opts := LoginOptions{}
			if tt.maxAge != "" {
				opts.AuthorizationParams = map[string]string{"max_age": tt.maxAge}
			}
			u, txn := covLoginStart(t, op, c, opts)
			_, _, _, err := covLoginComplete(c, txn, "code=c1&state="+u.Query().Get("state"))
			var ie *IDTokenError
			if !errors.Is(err, ErrIDTokenInvalid) || !errors.As(err, &ie) || !strings.Contains(ie.Reason, tt.reason) {
				t.Fatalf("err = %v, want reason %q", err, tt.reason)
			}
			if HTTPStatus(err) != 400 {
				t.Fatalf("status %d", HTTPStatus(err))
			}
			res := errorResponse(err)
			if res.Status != 400 || !strings.Contains(string(res.Body), "ID token is invalid") {
				t.Fatalf("answer %d %s", res.Status, res.Body)
			}
		})
	}
}

// TestCovLoginCallbackMaxAge: a recent enough auth_time passes the max_age
// check.
func TestCovLoginCallbackMaxAge(t *testing.T) {
	op := newScriptOP(t)
	covLoginTokenWith(op, func() string {
		return covLoginIDToken(op, jose.RS256, func(m map[string]any) { m["auth_time"] = time.Now().Add(-30 * time.Second).Unix() })
	}, nil)
	c := newScriptClient(t, op)
	u, txn := covLoginStart(t, op, c, LoginOptions{AuthorizationParams: map[string]string{"max_age": "60"}})
	if u.Query().Get("max_age") != "60" {
		t.Fatalf("url %s", u)
	}
	if s, _, _, err := covLoginComplete(c, txn, "code=c1&state="+u.Query().Get("state")); err != nil || s == nil {
		t.Fatalf("err = %v", err)
	}
}

// TestCovLoginCallbackOrganization: the ID token must carry the requested
// organization (org_id for an id, org_name case-insensitively for a
// name).
func TestCovLoginCallbackOrganization(t *testing.T) {
	tests := []struct {
		name   string
		org    string
		claims map[string]any
		ok     bool
	}{
		{"id matches", "org_1", map[string]any{"org_id": "org_1"}, true},
		{"id differs", "org_1", map[string]any{"org_id": "org_2"}, false},
		{"id absent", "org_1", nil, false},
		{"name matches case-insensitively", "Acme", map[string]any{"org_name": "acme"}, true},
		{"name differs", "acme", map[string]any{"org_name": "other"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			for k, v := range tt.claims {
				op.claims[k] = v
			}
			c := newScriptClient(t, op)
			u, txn := covLoginStart(t, op, c, LoginOptions{Organization: tt.org})
			if u.Query().Get("organization") != tt.org {
				t.Fatalf("url %s", u)
			}
			s, _, _, err := covLoginComplete(c, txn, "code=c1&state="+u.Query().Get("state"))
			if tt.ok {
				if err != nil || s == nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var me *OrganizationMismatchError
			if !errors.As(err, &me) || !errors.Is(err, ErrOrganizationMismatch) || !errors.Is(err, ErrIDTokenInvalid) || me.Requested != tt.org {
				t.Fatalf("err = %v", err)
			}
			if HTTPStatus(err) != 400 || me.Error() == "" {
				t.Fatalf("status %d", HTTPStatus(err))
			}
		})
	}
}

// TestCovLoginCallbackHooks: appState and returnTo reach OnCallback, which can
// redirect elsewhere, turn an error into a redirect, or replace the answer
// with its own error; BeforeSessionSaved can change or refuse the session.
func TestCovLoginCallbackHooks(t *testing.T) {
	type seen struct {
		err  error
		info CallbackInfo
		s    *Session
	}
	hookErr := &Error{Code: CodeAuthorizationError, Message: "hook says no"}
	tests := []struct {
		name     string
		query    func(state string) string
		onCB     func(err error, info CallbackInfo, s *Session) (string, error)
		before   func(ctx context.Context, s *Session, idt string) (*Session, error)
		status   int
		location string
		check    func(t *testing.T, got seen, f *loginFlow)
	}{
		{name: "appState round trip", status: 307, location: "http://127.0.0.1:1/back",
			onCB: func(error, CallbackInfo, *Session) (string, error) { return "", nil },
			check: func(t *testing.T, got seen, f *loginFlow) {
				if got.err != nil || string(got.info.AppState) != `{"cart":7}` || got.info.ReturnTo != "/back" ||
					got.info.BaseURL != "http://127.0.0.1:1" || got.info.ResponseType != "code" || got.s == nil || got.s.User.Sub != "user-1" {
					t.Fatalf("hook saw %+v", got)
				}
			}},
		{name: "redirect override", status: 307, location: "http://127.0.0.1:1/welcome",
			onCB: func(error, CallbackInfo, *Session) (string, error) { return "/welcome", nil }},
		{name: "foreign override falls back", status: 307, location: "http://127.0.0.1:1/",
			onCB: func(error, CallbackInfo, *Session) (string, error) { return "https://evil.example/", nil }},
		{name: "error turned into a redirect", status: 307, location: "http://127.0.0.1:1/denied",
			query: func(s string) string { return "state=" + s + "&error=access_denied" },
			onCB: func(err error, info CallbackInfo, s *Session) (string, error) {
				if err == nil || s != nil {
					return "", errors.New("hook expected a failure")
				}
				return "/denied", nil
			}},
		{name: "hook error replaces the answer", status: 400,
			onCB: func(error, CallbackInfo, *Session) (string, error) { return "", hookErr },
			check: func(t *testing.T, got seen, f *loginFlow) {
				if !strings.Contains(string(f.Response.Body), "hook says no") {
					t.Fatalf("body %s", f.Response.Body)
				}
			}},
		{name: "BeforeSessionSaved changes the session", status: 307, location: "http://127.0.0.1:1/back",
			before: func(ctx context.Context, s *Session, idt string) (*Session, error) {
				if idt == "" || s.User.Extra["sid"] == nil {
					return nil, errors.New("hook got no raw ID token or unfiltered claims")
				}
				out := *s
				out.User = User{Sub: s.User.Sub, Name: "Changed"}
				out.Internal.CreatedAt = 1 // restored by the SDK
				return &out, nil
			},
			check: func(t *testing.T, got seen, f *loginFlow) {
				if f.Session.User.Name != "Changed" || f.Session.User.Email != "" || f.Session.Internal.CreatedAt == 1 {
					t.Fatalf("session %+v", f.Session)
				}
			}},
		{name: "BeforeSessionSaved returns nil", status: 307, location: "http://127.0.0.1:1/back",
			before: func(ctx context.Context, s *Session, idt string) (*Session, error) {
				s.User.Nickname = "kept"
				return nil, nil
			},
			check: func(t *testing.T, got seen, f *loginFlow) {
				if f.Session.User.Nickname != "kept" {
					t.Fatalf("session %+v", f.Session.User)
				}
			}},
		{name: "BeforeSessionSaved refuses", status: 500,
			before: func(ctx context.Context, s *Session, idt string) (*Session, error) { return nil, errors.New("no") },
			check: func(t *testing.T, got seen, f *loginFlow) {
				if got.err == nil || got.s != nil {
					t.Fatalf("hook saw %+v", got)
				}
				for _, ck := range f.Cookies {
					if ck.Name == "__session" && ck.MaxAge >= 0 {
						t.Fatal("a refused session was written")
					}
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			var got seen
			hooks := Hooks{BeforeSessionSaved: tt.before}
			if tt.onCB != nil || tt.check != nil {
				hooks.OnCallback = func(ctx context.Context, err error, info CallbackInfo, s *Session) (string, error) {
					got = seen{err, info, s}
					if tt.onCB == nil {
						return "", nil
					}
					return tt.onCB(err, info, s)
				}
			}
			c := newScriptClient(t, op, WithHooks(hooks))
			u, txn := covLoginStart(t, op, c, LoginOptions{ReturnTo: "/back", AppState: map[string]int{"cart": 7}})
			q := "code=c1&state=" + u.Query().Get("state")
			if tt.query != nil {
				q = tt.query(u.Query().Get("state"))
			}
			f := op.callback(c, u, txn, q)
			if f.Response.Status != tt.status || f.Response.Location != tt.location {
				t.Fatalf("answer %d %q %s", f.Response.Status, f.Response.Location, f.Response.Body)
			}
			if tt.check != nil {
				tt.check(t, got, f)
			}
		})
	}
}

// TestCovLoginCallbackSessionContents: session_expiry, granted authorization
// details, the ID token claims allow-list and the stored requested scope
// and audience.
func TestCovLoginCallbackSessionContents(t *testing.T) {
	t.Run("session_expiry passed", func(t *testing.T) {
		op := newScriptOP(t)
		op.claims["session_expiry"] = time.Now().Unix() + 10
		c := newScriptClient(t, op)
		u, txn := covLoginStart(t, op, c, LoginOptions{})
		_, _, _, err := covLoginComplete(c, txn, "code=c1&state="+u.Query().Get("state"))
		if covLoginCode(err) != CodeSessionExpired || HTTPStatus(err) != 400 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("session_expiry kept", func(t *testing.T) {
		op := newScriptOP(t)
		exp := time.Now().Add(2 * time.Hour).Unix()
		op.claims["session_expiry"] = exp
		c := newScriptClient(t, op)
		f := op.login(c, "")
		if f.Session == nil || f.Session.Internal.SessionExpiresAt != exp {
			t.Fatalf("session %+v", f.Session)
		}
	})
	t.Run("authorization details", func(t *testing.T) {
		op := newScriptOP(t)
		details := []map[string]any{{"type": "payment", "amount": 5}}
		covLoginTokenWith(op, func() string { return op.idToken("user-1", nil) }, map[string]any{"authorization_details": details})
		var info CallbackInfo
		c := newScriptClient(t, op, WithTuning(Tuning{AuthorizationDetailsInSession: true}), WithHooks(Hooks{
			OnCallback: func(ctx context.Context, err error, i CallbackInfo, s *Session) (string, error) {
				info = i
				return "", nil
			},
		}))
		u, txn := covLoginStart(t, op, c, LoginOptions{AuthorizationDetails: json.RawMessage(`[{"type":"payment"}]`)})
		f := op.callback(c, u, txn, "code=c1&state="+u.Query().Get("state"))
		want := `[{"amount":5,"type":"payment"}]`
		if f.Session == nil || string(f.Session.Extra[sessionAuthorizationDetails]) != want || string(info.AuthorizationDetails) != want {
			t.Fatalf("session extra %s, info %s", f.Session.Extra[sessionAuthorizationDetails], info.AuthorizationDetails)
		}
	})
	t.Run("claims allow-list", func(t *testing.T) {
		op := newScriptOP(t)
		op.claims["tier"] = "gold"
		op.claims["email_verified"] = true
		c := newScriptClient(t, op, WithIDTokenClaims("sub", "tier"))
		f := op.login(c, "")
		u := f.Session.User
		if u.Sub != "user-1" || u.Name != "" || u.Email != "" || u.EmailVerified || string(u.Extra["tier"]) != `"gold"` || u.Extra["sid"] != nil {
			t.Fatalf("user %+v", u)
		}
	})
	t.Run("per-call scope and audience kept", func(t *testing.T) {
		op := newScriptOP(t)
		op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"access_token": "at", "id_token": op.idToken("user-1", nil), "expires_in": "3600.5"})
		})
		c := newScriptClient(t, op)
		f := op.login(c, "audience=https://api.x/&scope=openid+read:x")
		ts := f.Session.TokenSet
		if ts.Audience != "https://api.x/" || ts.RequestedScope != "openid read:x" || ts.Scope != "openid read:x" || ts.ExpiresAt == 0 {
			t.Fatalf("token set %+v", ts)
		}
	})
}

// TestCovLoginCallbackClaimsHelpers: userFromClaims honours its keep list, and
// filterClaims drops every field outside the allow-list.
func TestCovLoginCallbackClaimsHelpers(t *testing.T) {
	claims := map[string]json.RawMessage{"sub": json.RawMessage(`"u"`), "name": json.RawMessage(`"N"`),
		"nickname": json.RawMessage(`"n"`), "given_name": json.RawMessage(`"G"`), "family_name": json.RawMessage(`"F"`),
		"picture": json.RawMessage(`"p"`), "email": json.RawMessage(`"e"`), "org_id": json.RawMessage(`"o"`),
		"email_verified": json.RawMessage(`true`), "x": json.RawMessage(`1`)}
	u := userFromClaims(claims, map[string]bool{"sub": true, "x": true})
	if u.Sub != "u" || u.Name != "" || string(u.Extra["x"]) != "1" {
		t.Fatalf("kept %+v", u)
	}
	all := userFromClaims(claims, nil)
	if all.GivenName != "G" || all.FamilyName != "F" || all.Picture != "p" || all.OrgID != "o" || !all.EmailVerified {
		t.Fatalf("all %+v", all)
	}
	none := filterClaims(all, map[string]bool{})
	if none.Sub != "" || none.OrgID != "" || none.EmailVerified || none.Extra != nil {
		t.Fatalf("filtered %+v", none)
	}
}

// TestCovLoginCallbackNotBoundAndDiscovery: CompleteLogin needs a bound
// context, and a provider that cannot be discovered at the callback is a
// discovery error (502).
func TestCovLoginCallbackNotBoundAndDiscovery(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	if _, _, err := c.CompleteLogin(context.Background()); !errors.Is(err, ErrNotBound) {
		t.Fatalf("err = %v", err)
	}
	u, txn := covLoginStart(t, op, c, LoginOptions{})
	ctx := c.Adapter().Bind(context.Background(), covLoginExchange(c.s.routes.Callback, "code=c1&state="+u.Query().Get("state"), txn))
	if s, _, err := c.CompleteLogin(ctx); err != nil || s == nil {
		t.Fatalf("bound: %v", err)
	}
	// Another instance (same secret) whose provider is down.
	dead, err := New(WithDomain(covLoginDeadURL(t)), WithClientID("client-1"), WithClientSecret("s"),
		WithSecret(strings.Repeat("k", 32)), WithAppBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	u, txn = covLoginStart(t, op, c, LoginOptions{})
	_, _, _, err = covLoginComplete(dead, txn, "code=c1&state="+u.Query().Get("state"))
	if !errors.Is(err, ErrDiscovery) || HTTPStatus(err) != http.StatusBadGateway {
		t.Fatalf("err = %v", err)
	}
}

// TestCovLoginCallbackStoreDown: a session store that fails at the callback
// answers 503.
func TestCovLoginCallbackStoreDown(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op, WithSessionStore(downStore{}))
	u, txn := covLoginStart(t, op, c, LoginOptions{})
	f := op.callback(c, u, txn, "code=c1&state="+u.Query().Get("state"))
	if f.Response.Status != http.StatusServiceUnavailable {
		t.Fatalf("status %d %s", f.Response.Status, f.Response.Body)
	}
}

// TestCovLoginCallbackResolverMode: in resolver mode the transaction keeps its
// domain and the session is stamped with it; a transaction without one is
// refused.
func TestCovLoginCallbackResolverMode(t *testing.T) {
	op := newScriptOP(t)
	c := covLoginResolverClient(t, op, func(context.Context, RequestInfo) (string, error) { return op.issuer(), nil })
	start := covLoginExchange(c.s.routes.Login, "returnTo=/r", nil)
	res, _ := c.handle(c.Adapter().Bind(context.Background(), start), start)
	loc, _ := url.Parse(res.Location)
	op.mu.Lock()
	op.nonce = loc.Query().Get("nonce")
	op.mu.Unlock()
	cb := covLoginExchange(c.s.routes.Callback, "code=c1&state="+loc.Query().Get("state"), start.set)
	res, _ = c.handle(c.Adapter().Bind(context.Background(), cb), cb)
	if res.Status != 307 || res.Location != "http://127.0.0.1:1/r" {
		t.Fatalf("callback %d %s", res.Status, res.Body)
	}
	if s := op.sessionOf(c, cb.set); s == nil || s.Internal.MCDIssuer != op.issuer() {
		t.Fatalf("session %+v", s)
	}
	// A transaction sealed without a domain (before resolver mode).
	tr := &transaction{State: randomToken(), Nonce: "n", CodeVerifier: "v", ResponseType: "code", ReturnTo: "/"}
	ex := covLoginExchange("/", "", nil)
	if err := c.saveTransaction(ex, tr); err != nil {
		t.Fatal(err)
	}
	_, _, _, err := covLoginComplete(c, ex.set, "code=c1&state="+tr.State)
	if !errors.Is(err, ErrInvalidState) {
		t.Fatalf("err = %v", err)
	}
	// A session made without a transaction (CIBA) gets the request's domain.
	ctx, cex := boundRequest(c, "GET", "/", nil)
	s, err := c.finishLogin(ctx, cex, &Session{User: User{Sub: "u"}, Internal: SessionInternal{CreatedAt: time.Now().Unix()}})
	if err != nil || s.Internal.MCDIssuer != op.issuer() {
		t.Fatalf("finishLogin: %+v %v", s, err)
	}
	// A resolver that fails stops it.
	bad := covLoginResolverClient(t, op, func(context.Context, RequestInfo) (string, error) { return "", errors.New("no tenant") })
	ctx, cex = boundRequest(bad, "GET", "/", nil)
	if _, err := bad.finishLogin(ctx, cex, &Session{User: User{Sub: "u"}}); err == nil {
		t.Fatal("finishLogin without a domain succeeded")
	}
}
