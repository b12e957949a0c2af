package auth0kit

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// Account linking: /auth/link and /auth/unlink, StartLinkUser and
// StartUnlinkUser, and the link callback.

func TestCovLinkRoutes(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op, WithRoutes(Routes{AccountLinking: true}), WithAuthorizationParams(map[string]string{"organization": "org_1"}))
	op.mu.Lock()
	op.claims["org_id"] = "org_1"
	op.mu.Unlock()
	f := op.login(c, "")
	if f.Session == nil {
		t.Fatalf("login: %d %s", f.Response.Status, f.Response.Body)
	}

	for _, tc := range []struct {
		path, query   string
		scope         string
		connScope     string
		returnToInTxn bool
	}{
		{"/auth/link", "connection=github&connectionScope=repo&returnTo=/linked", linkScope, "repo", true},
		{"/auth/unlink", "connection=github&connectionScope=repo", unlinkScope, "", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res, ex := covServe(t, c, "GET", tc.path, tc.query, f.Cookies)
			if res.Status != http.StatusTemporaryRedirect {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			loc, _ := url.Parse(res.Location)
			q := loc.Query()
			if loc.Scheme+"://"+loc.Host+loc.Path != op.srv.URL+"/authorize" || q.Get("scope") != tc.scope ||
				q.Get("requested_connection") != "github" || q.Get("requested_connection_scope") != tc.connScope ||
				q.Get("id_token_hint") != f.Session.TokenSet.IDToken || q.Has("organization") || q.Get("code_challenge") == "" {
				t.Fatalf("authorize URL %s", res.Location)
			}
			if !strings.Contains(ex.header.Get("Cache-Control"), "no-store") {
				t.Fatal("the redirect may be cached")
			}
		})
	}

	for _, tc := range []struct {
		name, path, query string
		cookies           []*http.Cookie
		status            int
		body              string
	}{
		{"malformed query", "/auth/link", "connection=%zz", f.Cookies, 400, "malformed"},
		{"no connection", "/auth/link", "returnTo=/x", f.Cookies, 400, "a connection"},
		{"connection too long", "/auth/unlink", "connection=" + strings.Repeat("c", maxConnectionLength+1), f.Cookies, 400, "a connection"},
		{"scope too long", "/auth/link", "connection=github&connectionScope=" + strings.Repeat("s", maxConnectionLength+1), f.Cookies, 400, "a connection"},
		{"no session", "/auth/unlink", "connection=github", nil, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := covServe(t, c, "GET", tc.path, tc.query, tc.cookies)
			if res.Status != tc.status || !strings.Contains(string(res.Body), tc.body) || res.Location != "" {
				t.Fatalf("%d %q %q, want %d %q", res.Status, res.Body, res.Location, tc.status, tc.body)
			}
		})
	}

	// Without WithAccountLinking the routes are the application's.
	off := newScriptClient(t, op)
	if _, ok := off.handle(context.Background(), &testExchange{method: "GET", path: "/auth/link", host: "127.0.0.1:1", header: http.Header{}}); ok {
		t.Fatal("/auth/link served without account linking")
	}
}

// TestCovLinkAPI: StartLinkUser / StartUnlinkUser and the callback that
// completes a link (Flow "link", the AppState, a new session).
func TestCovLinkAPI(t *testing.T) {
	op := newScriptOP(t)
	var info CallbackInfo
	c := newScriptClient(t, op, WithRoutes(Routes{AccountLinking: true}), WithHooks(Hooks{OnCallback: func(_ context.Context, err error, i CallbackInfo, s *Session) (string, error) {
		info = i
		return "", err
	}}))
	f := op.login(c, "")

	if _, err := c.StartLinkUser(context.Background(), LinkOptions{Connection: "github"}); !errors.Is(err, ErrNotBound) {
		t.Fatalf("link unbound: %v", err)
	}
	if _, err := c.StartUnlinkUser(context.Background(), LinkOptions{Connection: "github"}); !errors.Is(err, ErrNotBound) {
		t.Fatalf("unlink unbound: %v", err)
	}
	ctx, _ := boundRequest(c, "GET", "/", nil)
	if _, err := c.StartUnlinkUser(ctx, LinkOptions{Connection: "github"}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("unlink without a session: %v", err)
	}

	// A session without an ID token cannot name the user to link to.
	s := wire.CloneSession(f.Session)
	s.TokenSet.IDToken = ""
	v, err := GenerateSessionCookie(s, strings.Repeat("k", 32))
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ = boundRequest(c, "GET", "/", []*http.Cookie{{Name: "__session", Value: v}})
	_, err = c.StartLinkUser(ctx, LinkOptions{Connection: "github"})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeMissingSession || !errors.Is(err, ErrNoSession) || !strings.Contains(e.Message, "link the account") {
		t.Fatalf("no ID token: %v", err)
	}

	ctx, ex := boundRequest(c, "GET", "/", f.Cookies)
	loc, err := c.StartUnlinkUser(ctx, LinkOptions{Connection: "github", AppState: map[string]string{"k": "v"},
		AuthorizationParams: map[string]string{"ui_locales": "fr", "scope": "admin"}, ReturnTo: "/unlinked"})
	if err != nil {
		t.Fatal(err)
	}
	au, _ := url.Parse(loc)
	q := au.Query()
	if q.Get("scope") != unlinkScope || q.Get("ui_locales") != "fr" || q.Get("requested_connection") != "github" {
		t.Fatalf("authorize URL %s", loc)
	}

	// The callback completes it like a login and replaces the session.
	op.mu.Lock()
	op.nonce = q.Get("nonce")
	op.mu.Unlock()
	cb := op.callback(c, au, mergeCookies(f.Cookies, ex.set), "code=c2&state="+url.QueryEscape(q.Get("state")))
	if cb.Response.Status != http.StatusTemporaryRedirect || cb.Response.Location != "http://127.0.0.1:1/unlinked" {
		t.Fatalf("callback %d %q %s", cb.Response.Status, cb.Response.Location, cb.Response.Body)
	}
	if info.Flow != "unlink" || info.AppState == nil || !strings.Contains(string(info.AppState), `"k":"v"`) {
		t.Fatalf("hook info flow %q app state %s", info.Flow, info.AppState)
	}
	if cb.Session == nil || cb.Session.TokenSet.AccessToken == f.Session.TokenSet.AccessToken {
		t.Fatal("the session was not replaced")
	}
	if tr := op.lastTo("/oauth/token").Form; tr.Get("code") != "c2" || tr.Get("grant_type") != "authorization_code" {
		t.Fatalf("token request %v", tr)
	}
}
