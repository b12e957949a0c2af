package auth0kit

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/internal/testclock"
)

// covTokVault answers the Token Vault grant with a new token per request
// ("ct-<connection>-<login_hint>-<n>", 1 h), the other grants as usual.
func covTokVault(op *scriptOP) *atomic.Int32 {
	var n atomic.Int32
	op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("grant_type") != grantFederatedConnection {
			op.defaultToken(w, r)
			return
		}
		tok := fmt.Sprintf("ct-%s-%s-%d", r.Form.Get("connection"), r.Form.Get("login_hint"), n.Add(1))
		writeJSON(w, 200, map[string]any{"access_token": tok, "expires_in": 3600, "scope": "calendar", "token_type": "Bearer"})
	})
	return &n
}

// covTokConn calls GetAccessTokenForConnection on a request carrying
// *cookies, and merges the cookies it wrote into *cookies.
func covTokConn(c *Client, cookies *[]*http.Cookie, opts ConnectionTokenOptions) (*AccessToken, error) {
	ctx, ex := boundRequest(c, "GET", "/api", *cookies)
	at, err := c.GetAccessTokenForConnection(ctx, opts)
	*cookies = covTokMerge(*cookies, ex.set)
	return at, err
}

// TestCovTokConnectionTokens: the session's refresh token (or access
// token) is exchanged for the connection's token, which is cached per
// connection and login hint until it nears expiry.
func TestCovTokConnectionTokens(t *testing.T) {
	op := newScriptOP(t)
	calls := covTokVault(op)
	clock := testclock.New(time.Now())
	c := newScriptClient(t, op, WithTuning(Tuning{Clock: clock.Now}))
	f := op.login(c, "")
	cookies := f.Cookies

	at, err := covTokConn(c, &cookies, ConnectionTokenOptions{Connection: "google-oauth2"})
	if err != nil || at.Token != "ct-google-oauth2--1" || at.Scope != "calendar" || at.TokenType != "Bearer" ||
		at.ExpiresAt.Unix() != clock.Now().Unix()+3600 {
		t.Fatalf("first = %+v, %v", at, err)
	}
	sent := op.lastTo("/oauth/token").Form
	want := map[string]string{"grant_type": grantFederatedConnection, "connection": "google-oauth2",
		"subject_token": f.Session.TokenSet.RefreshToken, "subject_token_type": TokenTypeRefreshToken,
		"requested_token_type": tokenTypeFederatedConnection, "login_hint": ""}
	for k, v := range want {
		if sent.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, sent.Get(k), v)
		}
	}

	// Cached; another login hint is another entry.
	if at, err := covTokConn(c, &cookies, ConnectionTokenOptions{Connection: "google-oauth2"}); err != nil || at.Token != "ct-google-oauth2--1" {
		t.Fatalf("cached = %+v, %v", at, err)
	}
	at, err = covTokConn(c, &cookies, ConnectionTokenOptions{Connection: "google-oauth2", LoginHint: "work@example.com"})
	if err != nil || at.Token != "ct-google-oauth2-work@example.com-2" || op.lastTo("/oauth/token").Form.Get("login_hint") != "work@example.com" {
		t.Fatalf("login hint = %+v, %v", at, err)
	}
	if calls.Load() != 2 {
		t.Fatalf("%d exchanges, want 2", calls.Load())
	}
	s := op.sessionOf(c, cookies)
	if sets := connectionTokenSets(s); len(sets) != 2 || sets[1].LoginHint != "work@example.com" || sets[0].Connection != "google-oauth2" {
		t.Fatalf("cached sets = %+v", sets)
	}
	if !strings.Contains(string(s.Extra[connectionTokenSetsSessionKey]), `"loginHint":"work@example.com"`) {
		t.Errorf("session field = %s", s.Extra[connectionTokenSetsSessionKey])
	}

	// Within the refresh leeway (1 min) of its expiry, a token is
	// exchanged again and moves to the end of the list.
	clock.Advance(3600*time.Second - 30*time.Second)
	at, err = covTokConn(c, &cookies, ConnectionTokenOptions{Connection: "google-oauth2"})
	if err != nil || at.Token != "ct-google-oauth2--3" {
		t.Fatalf("near expiry = %+v, %v", at, err)
	}
	if sets := connectionTokenSets(op.sessionOf(c, cookies)); len(sets) != 2 || sets[1].AccessToken != "ct-google-oauth2--3" || sets[0].LoginHint != "work@example.com" {
		t.Fatalf("sets after renewal = %+v", sets)
	}

	// The access token as subject.
	if _, err := covTokConn(c, &cookies, ConnectionTokenOptions{Connection: "github", SubjectTokenType: TokenTypeAccessToken}); err != nil {
		t.Fatal(err)
	}
	sent = op.lastTo("/oauth/token").Form
	if sent.Get("subject_token") != f.Session.TokenSet.AccessToken || sent.Get("subject_token_type") != TokenTypeAccessToken {
		t.Fatalf("access token exchange form = %v", sent)
	}
}

// TestCovTokConnectionCap: at most MaxAccessTokens connection tokens are
// kept, the oldest dropped first.
func TestCovTokConnectionCap(t *testing.T) {
	op := newScriptOP(t)
	covTokVault(op)
	c := newScriptClient(t, op, WithTuning(Tuning{MaxAccessTokens: 2}))
	cookies := op.login(c, "").Cookies
	for _, conn := range []string{"a", "b", "c"} {
		if _, err := covTokConn(c, &cookies, ConnectionTokenOptions{Connection: conn}); err != nil {
			t.Fatal(err)
		}
	}
	sets := connectionTokenSets(op.sessionOf(c, cookies))
	if len(sets) != 2 || sets[0].Connection != "b" || sets[1].Connection != "c" {
		t.Fatalf("sets = %+v, want b and c", sets)
	}
}

// TestCovTokConnectionErrors: the request's and the provider's failures.
func TestCovTokConnectionErrors(t *testing.T) {
	type env struct {
		op      *scriptOP
		c       *Client
		st      *covTokStore
		cookies []*http.Cookie
	}
	cases := []struct {
		name    string
		noLogin bool
		login   func(e *env) // before the login
		setup   func(e *env) // after it
		opts    ConnectionTokenOptions
		is      error
		code    string
		status  int
		oauth   string
	}{
		{name: "no connection", opts: ConnectionTokenOptions{}, code: CodeFailedToExchangeRefreshToken, status: 401},
		{name: "no session", noLogin: true, is: ErrNoSession, status: 401},
		{name: "no refresh token", login: func(e *env) {
			e.op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"access_token": "at", "id_token": e.op.idToken("user-1", nil), "expires_in": 60})
			})
		}, is: ErrMissingRefreshToken},
		{name: "refused", setup: func(e *env) {
			e.op.handleJSON("/oauth/token", 401, map[string]any{"error": "federated_connection_refresh_token_not_found", "error_description": "no token"})
		}, code: CodeFailedToExchangeRefreshToken, status: 401, oauth: "federated_connection_refresh_token_not_found"},
		{name: "answer without token", setup: func(e *env) {
			e.op.handleJSON("/oauth/token", 200, map[string]any{"token_type": "Bearer"})
		}, code: CodeFailedToExchangeRefreshToken, oauth: "invalid_response"},
		{name: "store down on write", setup: func(e *env) {
			covTokVault(e.op)
			e.st.failSet.Store(true)
		}, is: ErrSessionStore},
		{name: "discovery down", setup: func(e *env) {
			op2 := newScriptOP(e.op.t)
			covTokDiscoveryDown(op2)
			e.c = newScriptClient(e.op.t, op2, WithSessionStore(e.st))
		}, is: ErrDiscovery},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := newScriptOP(t)
			st := newCovTokStore()
			e := &env{op: op, st: st, c: newScriptClient(t, op, WithSessionStore(st))}
			if tc.login != nil {
				tc.login(e)
			}
			if !tc.noLogin {
				e.cookies = op.login(e.c, "").Cookies
			}
			if tc.setup != nil {
				tc.setup(e)
			}
			opts := tc.opts
			if opts.Connection == "" && tc.name != "no connection" {
				opts.Connection = "google-oauth2"
			}
			before := len(op.requestsTo("/oauth/token"))
			cookies := e.cookies
			at, err := covTokConn(e.c, &cookies, opts)
			if at != nil || err == nil {
				t.Fatalf("= %+v, %v", at, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			if tc.code != "" {
				var ae *Error
				if !errors.As(err, &ae) || ae.Code != tc.code {
					t.Fatalf("err = %v, want code %s", err, tc.code)
				}
			}
			if tc.status != 0 && HTTPStatus(err) != tc.status {
				t.Errorf("status %d, want %d", HTTPStatus(err), tc.status)
			}
			var oe *OAuthError
			if tc.oauth != "" && (!errors.As(err, &oe) || oe.Code != tc.oauth) {
				t.Fatalf("wrapped = %#v, want %s", oe, tc.oauth)
			}
			if tc.oauth == "" && tc.is != ErrSessionStore {
				if n := len(op.requestsTo("/oauth/token")); n != before {
					t.Errorf("the provider was called (%d requests)", n-before)
				}
			}
		})
	}
}

// TestCovTokConnectionStaleEntry: a failed exchange drops the cached
// (expired) entry of that connection from the session; a store that
// cannot save that is logged, and the exchange error returned.
func TestCovTokConnectionStaleEntry(t *testing.T) {
	for _, storeDown := range []bool{false, true} {
		t.Run(fmt.Sprintf("store down %v", storeDown), func(t *testing.T) {
			op := newScriptOP(t)
			covTokVault(op)
			st := newCovTokStore()
			clock := testclock.New(time.Now())
			var logs bytes.Buffer
			c := newScriptClient(t, op, WithSessionStore(st), WithTuning(Tuning{Clock: clock.Now}),
				WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))))
			cookies := op.login(c, "").Cookies
			for _, conn := range []string{"github", "google-oauth2"} {
				if _, err := covTokConn(c, &cookies, ConnectionTokenOptions{Connection: conn}); err != nil {
					t.Fatal(err)
				}
			}
			clock.Advance(2 * time.Hour)
			op.handleJSON("/oauth/token", 400, map[string]any{"error": "invalid_grant"})
			st.failSet.Store(storeDown)
			_, err := covTokConn(c, &cookies, ConnectionTokenOptions{Connection: "github"})
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeFailedToExchangeRefreshToken {
				t.Fatalf("err = %v", err)
			}
			st.failSet.Store(false)
			sets := connectionTokenSets(op.sessionOf(c, cookies))
			if storeDown {
				if len(sets) != 2 || !strings.Contains(logs.String(), "could not drop a stale connection token") {
					t.Fatalf("sets = %+v, logs %q", sets, logs.String())
				}
				return
			}
			if len(sets) != 1 || sets[0].Connection != "google-oauth2" {
				t.Fatalf("sets = %+v, want only google-oauth2", sets)
			}
			// Dropping the last entry removes the session field.
			if _, err := covTokConn(c, &cookies, ConnectionTokenOptions{Connection: "google-oauth2"}); err == nil {
				t.Fatal("exchange succeeded")
			}
			if s := op.sessionOf(c, cookies); s.Extra[connectionTokenSetsSessionKey] != nil {
				t.Fatalf("field left: %s", s.Extra[connectionTokenSetsSessionKey])
			}
		})
	}
}
