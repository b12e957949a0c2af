package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/internal/wire"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// covLoginRefreshOP scripts the token endpoint for refresh tests: the code
// grant returns at-0/rt-0; refresh grant n returns at-n and, when rotate
// is on, rt-n; idToken, when set, adds an ID token to refresh answers.
type covLoginRefreshOP struct {
	*scriptOP
	n       atomic.Int32
	rotate  atomic.Bool
	idToken func() string
	// gate, when set, is waited on by refresh grants (after entered is
	// signalled).
	gate    chan struct{}
	entered chan struct{}
}

func newCovLoginRefreshOP(t *testing.T) *covLoginRefreshOP {
	op := &covLoginRefreshOP{scriptOP: newScriptOP(t)}
	op.rotate.Store(true)
	op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		switch r.Form.Get("grant_type") {
		case "authorization_code":
			writeJSON(w, 200, map[string]any{"access_token": "at-0", "refresh_token": "rt-0", "id_token": op.scriptOP.idToken("user-1", nil),
				"token_type": "Bearer", "expires_in": 3600, "scope": "openid profile email offline_access"})
		case "refresh_token":
			if op.entered != nil {
				op.entered <- struct{}{}
			}
			if op.gate != nil {
				<-op.gate
			}
			n := op.n.Add(1)
			body := map[string]any{"access_token": fmt.Sprintf("at-%d", n), "token_type": "Bearer", "expires_in": 3600}
			if s := r.Form.Get("scope"); s != "" {
				body["scope"] = s
			}
			if op.rotate.Load() {
				body["refresh_token"] = fmt.Sprintf("rt-%d", n)
			}
			if op.idToken != nil {
				body["id_token"] = op.idToken()
			}
			writeJSON(w, 200, body)
		}
	})
	return op
}

// covLoginRefreshCall calls GetAccessToken on a request carrying cookies and
// returns the token, the cookies the browser then holds and the error.
func covLoginRefreshCall(c *Client, cookies []*http.Cookie, opts AccessTokenOptions) (*AccessToken, []*http.Cookie, error) {
	ctx, ex := boundRequest(c, "GET", "/api", cookies)
	at, err := c.GetAccessToken(ctx, opts)
	return at, covLoginMerge(cookies, ex.set), err
}

// TestCovLoginRefreshGrant: a forced refresh sends the session's refresh token
// (no scope or audience), stores the rotated one and the new access token;
// the cached token is served without a request while it is valid.
func TestCovLoginRefreshGrant(t *testing.T) {
	op := newCovLoginRefreshOP(t)
	c := newScriptClient(t, op.scriptOP)
	f := op.login(c, "")
	at, _, err := covLoginRefreshCall(c, f.Cookies, AccessTokenOptions{})
	if err != nil || at.Token != "at-0" || at.TokenType != "Bearer" || at.ExpiresAt.IsZero() {
		t.Fatalf("cached: %+v %v", at, err)
	}
	if n := len(op.requestsTo("/oauth/token")); n != 1 {
		t.Fatalf("%d token requests, want only the code grant", n)
	}
	at, cookies, err := covLoginRefreshCall(c, f.Cookies, AccessTokenOptions{Refresh: true})
	if err != nil || at.Token != "at-1" {
		t.Fatalf("refresh: %+v %v", at, err)
	}
	form := op.lastTo("/oauth/token").Form
	if form.Get("grant_type") != "refresh_token" || form.Get("refresh_token") != "rt-0" || form.Has("scope") || form.Has("audience") ||
		form.Get("client_secret") != "s" {
		t.Fatalf("refresh form %v", form)
	}
	s := op.sessionOf(c, cookies)
	if s.TokenSet.RefreshToken != "rt-1" || s.TokenSet.AccessToken != "at-1" || s.User.Sub != "user-1" {
		t.Fatalf("session after refresh %+v", s.TokenSet)
	}
	// Without rotation the refresh token is kept.
	op.rotate.Store(false)
	_, cookies, err = covLoginRefreshCall(c, cookies, AccessTokenOptions{Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := op.sessionOf(c, cookies); s.TokenSet.RefreshToken != "rt-1" || s.TokenSet.AccessToken != "at-2" {
		t.Fatalf("session %+v", s.TokenSet)
	}
}

// TestCovLoginRefreshErrors: refusals and outages of the refresh grant are
// ErrRefreshFailed (401), mfa_required a *MfaRequiredError (403), an
// invalid refreshed ID token a refresh failure; the session is unchanged.
func TestCovLoginRefreshErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler func(op *scriptOP) http.HandlerFunc
		status  int
		check   func(t *testing.T, err error)
	}{
		{name: "invalid_grant", handler: func(*scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 400, map[string]any{"error": "invalid_grant", "error_description": "revoked"})
			}
		}, status: 401, check: func(t *testing.T, err error) {
			var oe *OAuthError
			if !errors.As(err, &oe) || oe.Code != "invalid_grant" || oe.StatusCode != 400 {
				t.Fatalf("cause %v", err)
			}
		}},
		{name: "server error", handler: func(*scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }
		}, status: 401, check: func(t *testing.T, err error) {
			var oe *OAuthError
			if !errors.As(err, &oe) || oe.Code != "server_error" || oe.StatusCode != 503 || !strings.Contains(oe.Description, "503") {
				t.Fatalf("cause %v", err)
			}
		}},
		{name: "connection closed", handler: func(*scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.Close()
			}
		}, status: 401},
		{name: "malformed JSON", handler: func(*scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"access_token":`)) }
		}, status: 401},
		{name: "mfa_required", handler: func(*scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 403, map[string]any{"error": "mfa_required", "error_description": "MFA please", "mfa_token": "mfa-tok",
					"mfa_requirements": map[string]any{"challenge": []map[string]string{{"type": "otp"}}}})
			}
		}, status: 403, check: func(t *testing.T, err error) {
			var me *MfaRequiredError
			if !errors.As(err, &me) || me.MfaToken == "" || me.MfaToken == "mfa-tok" || len(me.Requirements) == 0 {
				t.Fatalf("err = %#v", err)
			}
		}},
		{name: "refreshed ID token invalid", handler: func(op *scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"access_token": "at-x", "id_token": op.idToken("user-1", map[string]any{"aud": "other"})})
			}
		}, status: 401, check: func(t *testing.T, err error) {
			if !errors.Is(err, ErrIDTokenInvalid) || !errors.Is(err, ErrRefreshFailed) {
				t.Fatalf("err = %v", err)
			}
		}},
		{name: "refreshed ID token for another user", handler: func(op *scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"access_token": "at-x", "id_token": op.idToken("user-2", nil)})
			}
		}, status: 401, check: func(t *testing.T, err error) {
			var ie *IDTokenError
			if !errors.As(err, &ie) || !strings.Contains(ie.Reason, "sub changed") {
				t.Fatalf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			c := newScriptClient(t, op, WithRoutes(Routes{NoAccessTokenEndpoint: false}))
			f := op.login(c, "")
			op.handle("/oauth/token", tt.handler(op))
			at, cookies, err := covLoginRefreshCall(c, f.Cookies, AccessTokenOptions{Refresh: true})
			if at != nil || err == nil || HTTPStatus(err) != tt.status {
				t.Fatalf("token %+v, err %v (status %d)", at, err, HTTPStatus(err))
			}
			if tt.status == 401 && (!errors.Is(err, ErrRefreshFailed) || covLoginCode(err) != CodeFailedToRefreshToken) {
				t.Fatalf("err = %v", err)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if s := op.sessionOf(c, cookies); s.TokenSet.RefreshToken != f.Session.TokenSet.RefreshToken ||
				s.TokenSet.AccessToken != f.Session.TokenSet.AccessToken {
				t.Fatal("a failed refresh changed the session")
			}
			// The route answers the same status in its JSON shape.
			ex := covLoginExchange(c.s.routes.AccessToken, "refresh=true", f.Cookies)
			ex.header.Set("Sec-Fetch-Site", "same-origin")
			res, _ := c.handle(c.Adapter().Bind(context.Background(), ex), ex)
			if res.Status != tt.status || res.ContentType != "application/json" {
				t.Fatalf("route %d %s", res.Status, res.Body)
			}
		})
	}
}

// TestCovLoginRefreshMissing: no session, and a session without a refresh
// token (with or without an expired access token) need a new login.
func TestCovLoginRefreshMissing(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	if _, _, err := covLoginRefreshCall(c, nil, AccessTokenOptions{}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("no session: %v", err)
	}
	op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"access_token": "at", "id_token": op.idToken("user-1", nil), "expires_in": 30})
	})
	f := op.login(c, "")
	_, _, err := covLoginRefreshCall(c, f.Cookies, AccessTokenOptions{})
	if !errors.Is(err, ErrMissingRefreshToken) || !strings.Contains(err.Error(), "expired") || HTTPStatus(err) != 401 {
		t.Fatalf("expired, no refresh token: %v", err)
	}
	_, _, err = covLoginRefreshCall(c, f.Cookies, AccessTokenOptions{Audience: "https://api.other/"})
	if !errors.Is(err, ErrMissingRefreshToken) || !strings.Contains(err.Error(), "no access token") {
		t.Fatalf("other audience, no refresh token: %v", err)
	}
}

// TestCovLoginRefreshAudienceAndScope: tokens for another audience or a wider
// scope are refreshed with audience and scope, kept in AccessTokens and
// served from there; NoScopeMerge asks for exactly the scope; the number
// of stored tokens is capped, oldest first.
func TestCovLoginRefreshAudienceAndScope(t *testing.T) {
	op := newCovLoginRefreshOP(t)
	c := newScriptClient(t, op.scriptOP, WithTuning(Tuning{MaxAccessTokens: 2}),
		WithAudienceScopes(map[string]string{"https://a/": "openid read:a", "https://b/": "openid read:b", "https://c/": "openid read:c"}))
	f := op.login(c, "")
	cookies := f.Cookies

	at, cookies, err := covLoginRefreshCall(c, cookies, AccessTokenOptions{Audience: "https://a/", Scope: "write:a"})
	if err != nil || at.Audience != "https://a/" || at.Scope != "openid read:a write:a" {
		t.Fatalf("audience a: %+v %v", at, err)
	}
	form := op.lastTo("/oauth/token").Form
	if form.Get("audience") != "https://a/" || form.Get("scope") != "openid read:a write:a" {
		t.Fatalf("form %v", form)
	}
	s := op.sessionOf(c, cookies)
	if len(s.AccessTokens) != 1 || s.AccessTokens[0].Audience != "https://a/" || s.TokenSet.AccessToken != "at-0" || s.TokenSet.RefreshToken != "rt-1" {
		t.Fatalf("session %+v / %+v", s.TokenSet, s.AccessTokens)
	}
	// Served from the session.
	n := len(op.requestsTo("/oauth/token"))
	if at, _, err := covLoginRefreshCall(c, cookies, AccessTokenOptions{Audience: "https://a/", Scope: "write:a"}); err != nil || at.Token != "at-1" {
		t.Fatalf("cached a: %+v %v", at, err)
	}
	if len(op.requestsTo("/oauth/token")) != n {
		t.Fatal("a cached token was refreshed")
	}
	// NoScopeMerge: exactly the scope asked for.
	if _, cookies, err = covLoginRefreshCall(c, cookies, AccessTokenOptions{Audience: "https://b/", Scope: "only:b", NoScopeMerge: true}); err != nil {
		t.Fatal(err)
	}
	if form := op.lastTo("/oauth/token").Form; form.Get("scope") != "only:b" || form.Get("audience") != "https://b/" {
		t.Fatalf("form %v", form)
	}
	// A wider scope for the login's audience is an entry too.
	if _, cookies, err = covLoginRefreshCall(c, cookies, AccessTokenOptions{Scope: "admin"}); err != nil {
		t.Fatal(err)
	}
	if form := op.lastTo("/oauth/token").Form; !strings.Contains(form.Get("scope"), "admin") || form.Has("audience") {
		t.Fatalf("form %v", form)
	}
	s = op.sessionOf(c, cookies)
	if len(s.AccessTokens) != 2 || s.AccessTokens[0].Audience != "https://b/" || s.AccessTokens[1].Audience != "" ||
		s.TokenSet.AccessToken != "at-0" {
		t.Fatalf("capped list %+v", s.AccessTokens)
	}
	// A scope the main token covers is served from it.
	if at, _, err := covLoginRefreshCall(c, cookies, AccessTokenOptions{Scope: "profile"}); err != nil || at.Token != "at-0" {
		t.Fatalf("main token: %+v %v", at, err)
	}
}

// TestCovLoginChooseTokenFewestScopes: among stored tokens that cover the
// request, the one with the fewest granted scopes wins.
func TestCovLoginChooseTokenFewestScopes(t *testing.T) {
	c := newTestClient(t)
	s := &Session{AccessTokens: []AccessTokenSet{
		{AccessToken: "wide", Audience: "https://a/", Scope: "read write admin"},
		{AccessToken: "other-aud", Audience: "https://b/", Scope: "read"},
		{AccessToken: "narrow", Audience: "https://a/", Scope: "read write"},
		{AccessToken: "not-covering", Audience: "https://a/", Scope: "write"},
	}}
	got := c.chooseToken(s, "https://a/", "", "read", true)
	if !got.found || got.set.AccessToken != "narrow" || got.index != 2 || got.main {
		t.Fatalf("choice %+v", got)
	}
	if got := c.chooseToken(s, "https://c/", "", "read", true); got.found {
		t.Fatalf("choice %+v", got)
	}
}

// TestCovLoginRefreshClaims: a refreshed ID token updates the user (filtered
// by the allow-list), or goes through BeforeSessionSaved, once per refresh
// also when a locking store has the tokens stored under its lock; a
// failing hook keeps the previous claims.
func TestCovLoginRefreshClaims(t *testing.T) {
	tests := []struct {
		name   string
		hook   func(ctx context.Context, s *Session, idt string) (*Session, error)
		wantNm string
	}{
		{name: "allow-list", wantNm: "New Name"},
		{name: "hook", hook: func(ctx context.Context, s *Session, idt string) (*Session, error) {
			if s.User.Extra["sid"] == nil || idt == "" {
				return nil, errors.New("unfiltered claims expected")
			}
			out := wire.CloneSession(s)
			out.User.Name = "Hooked " + s.User.Name
			out.Internal.SID = "changed" // restored
			return out, nil
		}, wantNm: "Hooked New Name"},
		{name: "hook fails", hook: func(ctx context.Context, s *Session, idt string) (*Session, error) {
			if strings.Contains(idt, ".") && s.User.Name == "New Name" {
				return nil, errors.New("refused")
			}
			return s, nil
		}, wantNm: "Jane Doe"},
	}
	for _, tt := range tests {
		for _, stateful := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stateful=%v", tt.name, stateful), func(t *testing.T) {
				op := newCovLoginRefreshOP(t)
				var calls atomic.Int32
				hooks := Hooks{}
				if tt.hook != nil {
					hooks.BeforeSessionSaved = func(ctx context.Context, s *Session, idt string) (*Session, error) {
						calls.Add(1)
						return tt.hook(ctx, s, idt)
					}
				}
				opts := []Option{WithHooks(hooks)}
				store := &covLoginLockStore{Memory: sessionstore.NewMemory()}
				if stateful {
					opts = append(opts, WithSessionStore(store))
				}
				c := newScriptClient(t, op.scriptOP, opts...)
				f := op.login(c, "")
				calls.Store(0)
				op.idToken = func() string { return op.scriptOP.idToken("user-1", map[string]any{"name": "New Name", "nonce": nil}) }
				_, cookies, err := covLoginRefreshCall(c, f.Cookies, AccessTokenOptions{Refresh: true})
				if err != nil {
					t.Fatal(err)
				}
				s := op.sessionOf(c, cookies)
				if s.User.Name != tt.wantNm || s.Internal.SID != "sid-user-1" || s.TokenSet.IDToken == f.Session.TokenSet.IDToken {
					t.Fatalf("user %+v internal %+v", s.User, s.Internal)
				}
				if want := int32(map[bool]int{true: 1}[tt.hook != nil]); calls.Load() != want {
					t.Fatalf("BeforeSessionSaved ran %d times for one refresh, want %d", calls.Load(), want)
				}
				if stateful && store.locked.Load() != 1 {
					t.Fatalf("%d locks, want the refresh's", store.locked.Load())
				}
			})
		}
	}
}

// TestCovLoginRefreshCoalescing: concurrent refreshes of one session make one
// token request and all get its result.
func TestCovLoginRefreshCoalescing(t *testing.T) {
	op := newCovLoginRefreshOP(t)
	c := newScriptClient(t, op.scriptOP)
	f := op.login(c, "")
	op.gate, op.entered = make(chan struct{}), make(chan struct{}, 8)
	const n = 5
	var wg sync.WaitGroup
	tokens := make([]string, n)
	errs := make([]error, n)
	call := func(i int) {
		defer wg.Done()
		at, _, err := covLoginRefreshCall(c, f.Cookies, AccessTokenOptions{Refresh: true})
		errs[i] = err
		if at != nil {
			tokens[i] = at.Token
		}
	}
	wg.Add(1)
	go call(0)
	<-op.entered // the first refresh is at the provider
	for i := 1; i < n; i++ {
		wg.Add(1)
		go call(i)
	}
	time.Sleep(30 * time.Millisecond) // let the others join the flight
	close(op.gate)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || tokens[i] != "at-1" {
			t.Fatalf("call %d: %q %v", i, tokens[i], errs[i])
		}
	}
	if got := op.n.Load(); got != 1 {
		t.Fatalf("%d refresh grants, want 1", got)
	}
}

// TestCovLoginRefreshCallerGivesUp: a caller whose context ends stops waiting;
// the shared refresh still completes for the others.
func TestCovLoginRefreshCallerGivesUp(t *testing.T) {
	op := newCovLoginRefreshOP(t)
	c := newScriptClient(t, op.scriptOP)
	f := op.login(c, "")
	op.gate, op.entered = make(chan struct{}), make(chan struct{}, 2)
	ctx, ex := boundRequest(c, "GET", "/api", f.Cookies)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := c.GetAccessToken(ctx, AccessTokenOptions{Refresh: true})
		done <- err
	}()
	<-op.entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	close(op.gate)
	if len(ex.set) != 0 {
		t.Fatal("a cancelled call wrote the session")
	}
	// The refresh that went on is remembered for the session.
	at, _, err := covLoginRefreshCall(c, f.Cookies, AccessTokenOptions{Refresh: true})
	if err != nil || at.Token != "at-1" || op.n.Load() != 1 {
		t.Fatalf("%+v %v (grants %d)", at, err, op.n.Load())
	}
}

// TestCovLoginRefreshRotationMemo: a stale copy of the session (still holding
// a refresh token rotated moments ago) gets the remembered result and the
// newest refresh token instead of replaying the old one.
func TestCovLoginRefreshRotationMemo(t *testing.T) {
	op := newCovLoginRefreshOP(t)
	c := newScriptClient(t, op.scriptOP, WithAudienceScopes(map[string]string{"https://b/": "openid read:b", "https://c/": "openid read:c"}))
	f := op.login(c, "")
	stale := f.Cookies // holds rt-0

	// rt-0 → rt-1.
	_, fresh, err := covLoginRefreshCall(c, stale, AccessTokenOptions{Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	// The stale copy makes the same refresh: no request, newest token stored.
	at, cookies, err := covLoginRefreshCall(c, stale, AccessTokenOptions{Refresh: true})
	if err != nil || at.Token != "at-1" || op.n.Load() != 1 {
		t.Fatalf("memo: %+v %v (grants %d)", at, err, op.n.Load())
	}
	if s := op.sessionOf(c, cookies); s.TokenSet.RefreshToken != "rt-1" {
		t.Fatalf("stale copy stored %q", s.TokenSet.RefreshToken)
	}

	// The fresh session (rt-1) gets a token for b without rotation.
	op.rotate.Store(false)
	if _, fresh, err = covLoginRefreshCall(c, fresh, AccessTokenOptions{Audience: "https://b/"}); err != nil {
		t.Fatal(err)
	}
	if got := op.lastTo("/oauth/token").Form.Get("refresh_token"); got != "rt-1" {
		t.Fatalf("refresh token sent %q", got)
	}
	grants := op.n.Load()
	// The stale copy asks for b: the result made from rt-1 is reused.
	at, cookies, err = covLoginRefreshCall(c, stale, AccessTokenOptions{Audience: "https://b/"})
	if err != nil || at.Token != fmt.Sprintf("at-%d", grants) || op.n.Load() != grants {
		t.Fatalf("rotated memo: %+v %v", at, err)
	}
	if s := op.sessionOf(c, cookies); s.TokenSet.RefreshToken != "rt-1" {
		t.Fatalf("stale copy stored %q", s.TokenSet.RefreshToken)
	}
	// The stale copy asks for c: the refresh uses the newest token, never rt-0.
	if _, cookies, err = covLoginRefreshCall(c, stale, AccessTokenOptions{Audience: "https://c/"}); err != nil {
		t.Fatal(err)
	}
	if got := op.lastTo("/oauth/token").Form.Get("refresh_token"); got != "rt-1" {
		t.Fatalf("stale copy replayed %q", got)
	}
	if s := op.sessionOf(c, cookies); s.TokenSet.RefreshToken != "rt-1" {
		t.Fatalf("stale copy stored %q", s.TokenSet.RefreshToken)
	}
	// Logout forgets the session's results.
	ctx, _ := boundRequest(c, "GET", "/auth/logout", fresh)
	if _, err := c.Logout(ctx, LogoutOptions{}); err != nil {
		t.Fatal(err)
	}
	if res := c.tokens.recent(memoSession("", f.Session), refreshRequest{audience: "https://b/", sendAudience: true}.key("rt-1"), c.s.now()); res != nil {
		t.Fatal("memo kept after logout")
	}
}

// covLoginLockStore is a sessionstore.Memory whose Lock or Get can fail.
type covLoginLockStore struct {
	*sessionstore.Memory
	lockErr, getErr, setErr error
	locked                  atomic.Int32
}

func (s *covLoginLockStore) Set(ctx context.Context, id string, sess *Session, exp time.Time) error {
	if s.setErr != nil {
		return s.setErr
	}
	return s.Memory.Set(ctx, id, sess, exp)
}

func (s *covLoginLockStore) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	if s.lockErr != nil {
		return nil, s.lockErr
	}
	s.locked.Add(1)
	return s.Memory.Lock(ctx, key, ttl)
}

func (s *covLoginLockStore) Get(ctx context.Context, id string) (*Session, error) {
	if s.getErr != nil {
		return nil, s.getErr
	}
	return s.Memory.Get(ctx, id)
}

// TestCovLoginRefreshLocked: with a store that locks, the refresh re-reads the
// session under the lock and uses what another instance stored: its valid
// access token, or its newer refresh token; lock and read failures are
// store errors.
func TestCovLoginRefreshLocked(t *testing.T) {
	op := newCovLoginRefreshOP(t)
	store := &covLoginLockStore{Memory: sessionstore.NewMemory()}
	c := newScriptClient(t, op.scriptOP, WithSessionStore(store))
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	put := func(at string, atExp int64, rt string) {
		if err := store.Memory.Set(ctx, "sess-1", &Session{User: User{Sub: "user-1"},
			TokenSet: TokenSet{AccessToken: at, ExpiresAt: atExp, RefreshToken: rt}}, exp); err != nil {
			t.Fatal(err)
		}
	}
	req := refreshRequest{refreshToken: "rt-old"}

	put("at-other", time.Now().Add(time.Hour).Unix(), "rt-other")
	res, err := c.refreshLocked(ctx, "sess-1", req, "user-1")
	if err != nil || res.set.AccessToken != "at-other" || res.refreshToken != "rt-other" || op.n.Load() != 0 || store.locked.Load() != 1 {
		t.Fatalf("stored token: %+v %v", res, err)
	}
	put("at-other", time.Now().Unix(), "rt-other") // expired
	res, err = c.refreshLocked(ctx, "sess-1", req, "user-1")
	if err != nil || res.set.AccessToken != "at-1" || op.lastTo("/oauth/token").Form.Get("refresh_token") != "rt-other" {
		t.Fatalf("stored refresh token: %+v %v", res, err)
	}
	put("at-x", time.Now().Add(time.Hour).Unix(), "rt-old") // same token: refresh
	if res, err = c.refreshLocked(ctx, "sess-1", req, "user-1"); err != nil || res.set.AccessToken != "at-2" {
		t.Fatalf("same token: %+v %v", res, err)
	}
	store.getErr = errors.New("get down")
	if _, err := c.refreshLocked(ctx, "sess-1", req, "user-1"); !errors.Is(err, ErrSessionStore) {
		t.Fatalf("get: %v", err)
	}
	store.lockErr = errors.New("lock down")
	if _, err := c.refreshLocked(ctx, "sess-1", req, "user-1"); !errors.Is(err, ErrSessionStore) {
		t.Fatalf("lock: %v", err)
	}
	// Stateless sessions take no lock.
	store.lockErr, store.getErr = nil, nil
	if _, err := c.refreshLocked(ctx, "", req, "user-1"); err != nil {
		t.Fatal(err)
	}
}

// TestCovLoginRefreshStatefulRoute: with a stateful store, the access token
// route refreshes under the store's lock and answers the token as JSON;
// a store that is down is a 503.
func TestCovLoginRefreshStatefulRoute(t *testing.T) {
	op := newCovLoginRefreshOP(t)
	store := &covLoginLockStore{Memory: sessionstore.NewMemory()}
	c := newScriptClient(t, op.scriptOP, WithSessionStore(store), WithRoutes(Routes{NoAccessTokenEndpoint: false}))
	f := op.login(c, "")
	ex := covLoginExchange(c.s.routes.AccessToken, "refresh=true", f.Cookies)
	ex.header.Set(AccessTokenRequestHeader, "XMLHttpRequest")
	res, _ := c.handle(c.Adapter().Bind(context.Background(), ex), ex)
	var body AccessTokenResponse
	if res.Status != 200 || json.Unmarshal(res.Body, &body) != nil || body.Token != "at-1" || body.ExpiresIn <= 0 || store.locked.Load() != 1 {
		t.Fatalf("route %d %s (locks %d)", res.Status, res.Body, store.locked.Load())
	}
	// The token is refreshed but cannot be saved: the route answers 503
	// and returns no token.
	store.setErr = errors.New("set down")
	ex = covLoginExchange(c.s.routes.AccessToken, "refresh=true", f.Cookies)
	ex.header.Set(AccessTokenRequestHeader, "XMLHttpRequest")
	res, _ = c.handle(c.Adapter().Bind(context.Background(), ex), ex)
	if res.Status != 503 || strings.Contains(string(res.Body), "at-2") {
		t.Fatalf("save failed: %d %s", res.Status, res.Body)
	}
	store.getErr = errors.New("down")
	ex = covLoginExchange(c.s.routes.AccessToken, "", f.Cookies)
	ex.header.Set(AccessTokenRequestHeader, "XMLHttpRequest")
	res, _ = c.handle(c.Adapter().Bind(context.Background(), ex), ex)
	if res.Status != 503 || !strings.Contains(string(res.Body), CodeSessionStoreError) {
		t.Fatalf("store down: %d %s", res.Status, res.Body)
	}
}

// TestCovLoginRefreshMemoBounds: the memo maps are pruned at their cap,
// expired entries first, everything when that is not enough.
func TestCovLoginRefreshMemoBounds(t *testing.T) {
	now := time.Now()
	m := map[string]memoEntry{}
	for i := range maxMemo {
		exp := now.Add(time.Minute)
		if i%2 == 0 {
			exp = now.Add(-time.Second)
		}
		m[fmt.Sprint(i)] = memoEntry{expires: exp}
	}
	pruneLocked(m, func(e memoEntry) bool { return !now.Before(e.expires) })
	if len(m) != maxMemo/2 {
		t.Fatalf("%d entries after pruning expired ones", len(m))
	}
	for i := range maxMemo {
		m[fmt.Sprint("x", i)] = memoEntry{expires: now.Add(time.Minute)}
	}
	pruneLocked(m, func(e memoEntry) bool { return !now.Before(e.expires) })
	if len(m) != 0 {
		t.Fatalf("%d entries after pruning a full map of live ones", len(m))
	}

	var r refresher
	for i := range maxMemo {
		r.forget(fmt.Sprint("s", i), now, time.Minute)
	}
	r.forget("last", now, time.Minute)
	if len(r.ended) != 1 {
		t.Fatalf("ended has %d entries", len(r.ended))
	}
	r.forget("", now, time.Minute) // no session: nothing recorded
	if len(r.ended) != 1 {
		t.Fatal("empty session recorded")
	}
	// A refresh that ends after its session logged out is not remembered.
	r.remember("last", "k", "rt", &refreshResult{refreshToken: "rt2"}, now, time.Minute)
	if r.recent("last", "k", now) != nil || r.current("last", "rt", now) != "rt" {
		t.Fatal("result remembered for an ended session")
	}
	r.remember("live", "k", "rt", &refreshResult{refreshToken: "rt2"}, now, time.Minute)
	if r.recent("live", "k", now) == nil || r.current("live", "rt", now) != "rt2" {
		t.Fatal("result not remembered")
	}
	r = refresher{}
	for i := range maxMemo {
		r.remember("s", fmt.Sprint(i), fmt.Sprint("rt", i), &refreshResult{refreshToken: fmt.Sprint("new", i)}, now, time.Minute)
	}
	if len(r.memo) != maxMemo || len(r.rotated) != maxMemo {
		t.Fatalf("maps %d %d", len(r.memo), len(r.rotated))
	}
	r.remember("s", "k", "rt", &refreshResult{}, now, time.Minute)
	if len(r.memo) != 1 || len(r.rotated) != 0 {
		t.Fatalf("maps at the cap not pruned: %d %d", len(r.memo), len(r.rotated))
	}
}

// TestCovLoginRefreshGrantDiscovery: a provider that cannot be discovered is a
// discovery error, not a refresh failure.
func TestCovLoginRefreshGrantDiscovery(t *testing.T) {
	c, err := New(WithDomain(covLoginDeadURL(t)), WithClientID("client-1"), WithClientSecret("s"),
		WithSecret(strings.Repeat("k", 32)), WithAppBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.refreshGrant(context.Background(), refreshRequest{refreshToken: "rt"}, "u"); !errors.Is(err, ErrDiscovery) || errors.Is(err, ErrRefreshFailed) {
		t.Fatalf("err = %v", err)
	}
	de := &Error{Code: CodeDiscoveryError, Message: "x"}
	if got := c.tokenError(de, mfaBinding{}, "", "", CodeFailedToRefreshToken, "m"); got != de {
		t.Fatalf("tokenError wrapped a discovery error: %v", got)
	}
}

// TestCovLoginRefreshKey: the coalescing key separates audience, scope (only
// when sent) and whether the audience is sent.
func TestCovLoginRefreshKey(t *testing.T) {
	base := refreshRequest{audience: "a", scope: "s"}
	keys := map[string]bool{}
	for _, r := range []refreshRequest{base, {audience: "a", scope: "s", sendScope: true}, {audience: "a", scope: "s", sendAudience: true},
		{audience: "b", scope: "s"}} {
		keys[r.key("rt")] = true
	}
	if len(keys) != 4 {
		t.Fatalf("keys collide: %v", keys)
	}
	if base.key("rt") != (refreshRequest{audience: "a", scope: "other"}).key("rt") {
		t.Fatal("an unsent scope changes the key")
	}
}
