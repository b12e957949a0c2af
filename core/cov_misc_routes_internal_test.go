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

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/sessionstore"
	"github.com/go-jose/go-jose/v4"
)

// miscServe serves one request through the client's route dispatch (as
// Serve does) and returns the answer, whether it was an SDK route and the
// exchange with what was written.
func miscServe(c *Client, method, path, query string, cookies []*http.Cookie, form url.Values) (*adapter.Response, bool, *testExchange) {
	ex := &testExchange{method: method, path: path, rawQuery: query, host: "127.0.0.1:1", header: http.Header{},
		cookies: liveCookies(cookies), form: form}
	ctx := c.Adapter().Bind(context.Background(), ex)
	res, ok := c.handle(ctx, ex)
	return res, ok, ex
}

// deleted reports whether the exchange deleted cookie name.
func deleted(ex *testExchange, name string) bool {
	for _, ck := range ex.set {
		if ck.Name == name && ck.MaxAge < 0 {
			return true
		}
	}
	return false
}

// written returns the last non-deletion cookie name the exchange set.
func written(ex *testExchange, name string) *http.Cookie {
	var out *http.Cookie
	for _, ck := range ex.set {
		if ck.Name == name && ck.MaxAge >= 0 && ck.Value != "" {
			out = ck
		}
	}
	return out
}

// logoutToken signs a back-channel logout token with the scripted
// provider's RSA key; extra overrides or (with a nil value) removes claims.
func (op *scriptOP) logoutToken(extra map[string]any) string {
	now := time.Now()
	claims := map[string]any{"iss": op.issuer(), "aud": "client-1", "sub": "user-1", "sid": "sid-user-1",
		"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "jti": "jti-" + randomToken()[:8],
		"events": map[string]any{backchannelEvent: map[string]any{}}}
	for k, v := range extra {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	return op.sign(op.t, jose.RS256, "rsa", "logout+jwt", claims)
}

// TestCovMiscRouteDispatch: which method and path pairs are SDK routes.
func TestCovMiscRouteDispatch(t *testing.T) {
	op := newScriptOP(t)
	plain := newScriptClient(t, op)
	noAT := newScriptClient(t, op, WithRoutes(Routes{NoAccessTokenEndpoint: true}))
	extras := newScriptClient(t, op, WithRoutes(Routes{ConnectAccountEndpoint: true}), WithRoutes(Routes{AccountLinking: true}))
	based := newScriptClient(t, op, WithAppBaseURL("http://127.0.0.1:1/app"))
	tests := []struct {
		name         string
		c            *Client
		method, path string
		handled      bool
		status       int // when handled
	}{
		{"profile", plain, "GET", "/auth/profile", true, 401},
		{"profile HEAD", plain, "HEAD", "/auth/profile", true, 401},
		{"profile trailing slash", plain, "GET", "/auth/profile/", true, 401},
		{"POST to login is not a route (405 is the app's)", plain, "POST", "/auth/login", false, 0},
		{"DELETE profile", plain, "DELETE", "/auth/profile", false, 0},
		{"unknown auth path (404 is the app's)", plain, "GET", "/auth/nope", false, 0},
		{"GET back-channel logout", plain, "GET", "/auth/backchannel-logout", false, 0},
		{"root", plain, "GET", "/", false, 0},
		{"access token route mounted", plain, "GET", "/auth/access-token", true, 403},
		{"access token route hidden", noAT, "GET", "/auth/access-token", false, 0},
		{"connect not mounted by default", plain, "GET", "/auth/connect", false, 0},
		{"connect mounted", extras, "GET", "/auth/connect", true, 400},
		{"link not mounted by default", plain, "GET", "/auth/link", false, 0},
		{"link mounted", extras, "GET", "/auth/link", true, 400},
		{"unlink mounted", extras, "GET", "/auth/unlink", true, 400},
		{"unknown with linking", extras, "GET", "/auth/other", false, 0},
		{"base path route", based, "GET", "/app/auth/profile", true, 401},
		{"outside the base path", based, "GET", "/auth/profile", false, 0},
		{"base path itself", based, "GET", "/app", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ok, ex := miscServe(tt.c, tt.method, tt.path, "", nil, nil)
			if ok != tt.handled {
				t.Fatalf("handled = %v, want %v", ok, tt.handled)
			}
			if tt.handled && !tt.c.isRoute(tt.path) {
				t.Errorf("isRoute(%s) = false for a handled route", tt.path)
			}
			if !ok {
				if res != nil {
					t.Fatalf("unhandled request answered %+v", res)
				}
				return
			}
			if res.Status != tt.status {
				t.Fatalf("status = %d, want %d (body %s)", res.Status, tt.status, res.Body)
			}
			if ex.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("route answer without nosniff")
			}
		})
	}
	if !extras.isRoute("/auth/link/") || !extras.isRoute("/auth/connect") || plain.isRoute("/auth/link") || based.isRoute("/x/auth/login") {
		t.Error("isRoute disagrees with the dispatch")
	}
}

// TestCovMiscProfileRoute: 200 with the user's JSON, no-store.
func TestCovMiscProfileRoute(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	f := op.login(c, "")
	res, ok, ex := miscServe(c, "GET", "/auth/profile", "", f.Cookies, nil)
	if !ok || res.Status != 200 || res.ContentType != "application/json" {
		t.Fatalf("profile = %v %+v", ok, res)
	}
	var u map[string]any
	if err := json.Unmarshal(res.Body, &u); err != nil || u["sub"] != "user-1" || u["email"] != "jane@example.com" {
		t.Fatalf("profile body %s (%v)", res.Body, err)
	}
	if !strings.Contains(ex.header.Get("Cache-Control"), "no-store") {
		t.Fatalf("profile cacheable: %q", ex.header.Get("Cache-Control"))
	}
}

// TestCovMiscLoginRouteErrors: a malformed query is a 400; a provider that
// cannot be discovered a 502; empty parameters are not forwarded.
func TestCovMiscLoginRouteErrors(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	res, _, _ := miscServe(c, "GET", "/auth/login", "a=%zz", nil, nil)
	if res.Status != 400 || !strings.Contains(string(res.Body), "malformed") {
		t.Fatalf("malformed query: %d %s", res.Status, res.Body)
	}
	res, _, _ = miscServe(c, "GET", "/auth/login", "ui_locales=fr&empty=&returnTo=/x", nil, nil)
	loc, err := url.Parse(res.Location)
	if res.Status != 307 || err != nil {
		t.Fatalf("login = %d %s", res.Status, res.Location)
	}
	if q := loc.Query(); q.Get("ui_locales") != "fr" || q.Has("empty") || q.Has("returnTo") {
		t.Fatalf("authorize query %v", q)
	}

	down := newScriptOP(t)
	down.handle("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	c2 := newScriptClient(t, down)
	res, _, _ = miscServe(c2, "GET", "/auth/login", "", nil, nil)
	if res.Status != http.StatusBadGateway {
		t.Fatalf("login with the provider down: %d %s", res.Status, res.Body)
	}
}

// TestCovMiscCallbackHook: OnCallback can replace the target (an unsafe
// one falls back to the sign-in path) or the error.
func TestCovMiscCallbackHook(t *testing.T) {
	hookErr := &Error{Code: CodeAuthorizationError, Message: "refused by the app"}
	tests := []struct {
		name       string
		target     string
		err        error
		status     int
		location   string
		wantCalled bool
	}{
		{"override target", "/welcome", nil, 307, "http://127.0.0.1:1/welcome", true},
		{"unsafe override falls back", "https://evil.example/", nil, 307, "http://127.0.0.1:1/home", true},
		{"hook error", "", hookErr, 400, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			var gotInfo CallbackInfo
			var called bool
			c := newScriptClient(t, op, WithSignInReturnTo("/home"), WithHooks(Hooks{
				OnCallback: func(ctx context.Context, err error, info CallbackInfo, s *Session) (string, error) {
					called, gotInfo = true, info
					if err != nil || s == nil || s.User.Sub != "user-1" {
						t.Errorf("hook got err %v, session %v", err, s)
					}
					return tt.target, tt.err
				},
			}))
			f := op.login(c, "returnTo=/orig")
			if !called || gotInfo.ReturnTo != "/orig" {
				t.Fatalf("hook called %v with %+v", called, gotInfo)
			}
			if f.Response.Status != tt.status || f.Response.Location != tt.location {
				t.Fatalf("callback = %d %q, want %d %q", f.Response.Status, f.Response.Location, tt.status, tt.location)
			}
		})
	}
	// A hook can turn a failed callback into a redirect.
	op := newScriptOP(t)
	c := newScriptClient(t, op, WithHooks(Hooks{OnCallback: func(ctx context.Context, err error, info CallbackInfo, s *Session) (string, error) {
		if err == nil {
			t.Error("hook saw no error for a bad state")
		}
		return "/sorry", nil
	}}))
	f := op.callback(c, nil, nil, "code=c&state=unknown")
	if f.Response.Status != 307 || f.Response.Location != "http://127.0.0.1:1/sorry" {
		t.Fatalf("recovered callback = %d %q", f.Response.Status, f.Response.Location)
	}
}

// TestCovMiscLogoutRoute: the logout route clears the session, revokes the
// refresh token and redirects to the provider (federated on request); a
// provider that cannot be discovered is an error page.
func TestCovMiscLogoutRoute(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	f := op.login(c, "")
	res, ok, ex := miscServe(c, "GET", "/auth/logout", "returnTo=/bye&federated&state=st", f.Cookies, nil)
	if !ok || res.Status != 307 {
		t.Fatalf("logout = %v %+v", ok, res)
	}
	loc, _ := url.Parse(res.Location)
	q := loc.Query()
	if loc.Path != "/oidc/logout" || q.Get("post_logout_redirect_uri") != "http://127.0.0.1:1/bye" || !q.Has("federated") ||
		q.Get("state") != "st" || q.Get("logout_hint") != "sid-user-1" || q.Get("id_token_hint") == "" {
		t.Fatalf("logout location %s", res.Location)
	}
	if !deleted(ex, "__session") {
		t.Fatalf("session cookie not deleted: %v", ex.set)
	}
	if r := op.lastTo("/oauth/revoke"); r.Form.Get("token") != f.Session.TokenSet.RefreshToken {
		t.Fatalf("revoked %v", r.Form)
	}
	if !strings.Contains(ex.header.Get("Cache-Control"), "no-store") {
		t.Fatal("logout answer cacheable")
	}

	res, _, _ = miscServe(c, "GET", "/auth/logout", "federated=false", nil, nil)
	if loc, _ := url.Parse(res.Location); res.Status != 307 || loc.Query().Has("federated") || loc.Query().Has("logout_hint") {
		t.Fatalf("logout federated=false without session = %d %s", res.Status, res.Location)
	}

	down := newScriptOP(t)
	down.handle("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	c2 := newScriptClient(t, down)
	res, _, ex = miscServe(c2, "GET", "/auth/logout", "", f.Cookies, nil)
	if res.Status != http.StatusBadGateway || !strings.Contains(ex.header.Get("Cache-Control"), "no-store") {
		t.Fatalf("logout with the provider down = %d", res.Status)
	}
}

// miscFailStore is a session store whose operations fail on demand with a
// plain (unwrapped) error. It is not a sessionstore.ReplayCache.
type miscFailStore struct {
	sessionstore.Store
	failGet, failSet, failDelete, failDeleteByToken error
}

func (s *miscFailStore) Get(ctx context.Context, id string) (*Session, error) {
	if s.failGet != nil {
		return nil, s.failGet
	}
	return s.Store.Get(ctx, id)
}

func (s *miscFailStore) Set(ctx context.Context, id string, v *Session, exp time.Time) error {
	if s.failSet != nil {
		return s.failSet
	}
	return s.Store.Set(ctx, id, v, exp)
}

func (s *miscFailStore) Delete(ctx context.Context, id string) error {
	if s.failDelete != nil {
		return s.failDelete
	}
	return s.Store.Delete(ctx, id)
}

func (s *miscFailStore) DeleteByLogoutToken(ctx context.Context, c sessionstore.LogoutTokenClaims) error {
	if s.failDeleteByToken != nil {
		return s.failDeleteByToken
	}
	return s.Store.DeleteByLogoutToken(ctx, c)
}

// miscRevocations is a sessionstore.RevocationList (and optionally a sessionstore.ReplayCache) that
// fails on demand.
type miscRevocations struct {
	sessionstore.RevocationList
	failRevoke, failRevoked error
}

func (r *miscRevocations) Revoke(ctx context.Context, c sessionstore.LogoutTokenClaims, at, until time.Time) error {
	if r.failRevoke != nil {
		return r.failRevoke
	}
	return r.RevocationList.Revoke(ctx, c, at, until)
}

func (r *miscRevocations) Revoked(ctx context.Context, sid, sub string, created time.Time) (bool, error) {
	if r.failRevoked != nil {
		return false, r.failRevoked
	}
	return r.RevocationList.Revoked(ctx, sid, sub, created)
}

// miscReplays is a store that is also a sessionstore.ReplayCache failing on demand.
type miscReplays struct {
	sessionstore.Store
	failUsed, failMark error
	used               bool
}

func (r *miscReplays) Used(ctx context.Context, key string) (bool, error) { return r.used, r.failUsed }
func (r *miscReplays) MarkUsed(ctx context.Context, key string, until time.Time) (bool, error) {
	return true, r.failMark
}

// TestCovMiscBackchannelRoute: the route's answers for each outcome.
func TestCovMiscBackchannelRoute(t *testing.T) {
	boom := errors.New("store down")
	tests := []struct {
		name   string
		opts   func() []Option
		token  func(op *scriptOP) string
		status int
		code   string
	}{
		{"accepted", func() []Option { return []Option{WithSessionStore(sessionstore.NewMemory())} },
			func(op *scriptOP) string { return op.logoutToken(nil) }, 200, ""},
		{"missing token", func() []Option { return []Option{WithSessionStore(sessionstore.NewMemory())} },
			func(op *scriptOP) string { return "" }, 400, "invalid_request"},
		{"not configured", func() []Option { return nil },
			func(op *scriptOP) string { return op.logoutToken(nil) }, 500, "invalid_configuration"},
		{"store down", func() []Option {
			return []Option{WithSessionStore(&miscFailStore{Store: sessionstore.NewMemory(), failDeleteByToken: boom})}
		}, func(op *scriptOP) string { return op.logoutToken(nil) }, 503, CodeSessionStoreError},
		{"revocation list down", func() []Option {
			return []Option{WithRevocationList(&miscRevocations{RevocationList: sessionstore.NewMemory(), failRevoke: boom})}
		}, func(op *scriptOP) string { return op.logoutToken(nil) }, 503, CodeSessionStoreError},
		{"replay cache read fails", func() []Option {
			return []Option{WithSessionStore(&miscReplays{Store: sessionstore.NewMemory(), failUsed: boom})}
		}, func(op *scriptOP) string { return op.logoutToken(nil) }, 503, CodeSessionStoreError},
		{"replay cache says used", func() []Option {
			return []Option{WithSessionStore(&miscReplays{Store: sessionstore.NewMemory(), used: true})}
		}, func(op *scriptOP) string { return op.logoutToken(nil) }, 400, "invalid_request"},
		{"replay cache write fails", func() []Option {
			return []Option{WithSessionStore(&miscReplays{Store: sessionstore.NewMemory(), failMark: boom})}
		}, func(op *scriptOP) string { return op.logoutToken(nil) }, 503, CodeSessionStoreError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			c := newScriptClient(t, op, tt.opts()...)
			res, ok, ex := miscServe(c, "POST", "/auth/backchannel-logout", "", nil, url.Values{"logout_token": {tt.token(op)}})
			if !ok || res.Status != tt.status {
				t.Fatalf("answer = %v %+v (%s)", ok, res, res.Body)
			}
			if ex.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", ex.header.Get("Cache-Control"))
			}
			if tt.code != "" {
				var body struct{ Error string }
				if err := json.Unmarshal(res.Body, &body); err != nil || body.Error != tt.code {
					t.Fatalf("body %s, want error %s", res.Body, tt.code)
				}
			}
		})
	}

	// A provider outage during verification: 502 with the route's own code.
	op := newScriptOP(t)
	tok := op.logoutToken(nil)
	op.handle("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	c := newScriptClient(t, op, WithSessionStore(sessionstore.NewMemory()))
	res, _, _ := miscServe(c, "POST", "/auth/backchannel-logout", "", nil, url.Values{"logout_token": {tok}})
	var body struct{ Error string }
	_ = json.Unmarshal(res.Body, &body)
	if res.Status != http.StatusBadGateway || body.Error != CodeBackchannelLogoutError {
		t.Fatalf("provider down: %d %s", res.Status, res.Body)
	}
}
