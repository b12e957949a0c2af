package auth0kit

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// covLogout serves the logout route with query on a request carrying
// cookies.
func covLoginLogout(c *Client, query string, cookies []*http.Cookie) (*RouteResponse, *testExchange) {
	ex := covLoginExchange(c.s.routes.Logout, query, cookies)
	res, _ := c.handle(c.Adapter().Bind(context.Background(), ex), ex)
	return res, ex
}

// covLoginLogoutCleared reports whether ex deleted the session cookie.
func covLoginLogoutCleared(ex *testExchange) bool {
	for _, ck := range ex.set {
		if ck.Name == "__session" && ck.MaxAge < 0 {
			return true
		}
	}
	return false
}

// TestCovLoginLogoutStrategies: the logout URL of each strategy, with the
// session's hints, returnTo (relative, allow-listed origin, foreign),
// state and federated; the refresh token is revoked.
func TestCovLoginLogoutStrategies(t *testing.T) {
	tests := []struct {
		name     string
		opts     []Option
		noEndSes bool
		query    string
		wantPath string
		want     map[string]string // query parameters ("" = absent; "present" = any value)
	}{
		{name: "auto picks OIDC", query: "returnTo=/bye&state=xyz&federated", wantPath: "/oidc/logout",
			want: map[string]string{"client_id": "client-1", "post_logout_redirect_uri": "http://127.0.0.1:1/bye", "state": "xyz",
				"logout_hint": "sid-user-1", "id_token_hint": "present", "federated": "present"}},
		{name: "no id_token_hint", opts: []Option{WithLogout(LogoutConfig{NoIDTokenHint: true})}, wantPath: "/oidc/logout",
			want: map[string]string{"id_token_hint": "", "post_logout_redirect_uri": "http://127.0.0.1:1", "federated": ""}},
		{name: "federated=false", query: "federated=false", wantPath: "/oidc/logout", want: map[string]string{"federated": ""}},
		{name: "auto without end_session_endpoint", noEndSes: true, query: "returnTo=/bye&federated", wantPath: "/v2/logout",
			want: map[string]string{"returnTo": "http://127.0.0.1:1/bye", "client_id": "client-1", "federated": "present", "logout_hint": ""}},
		{name: "v2 forced", opts: []Option{WithLogout(LogoutConfig{Strategy: LogoutV2})}, wantPath: "/v2/logout",
			want: map[string]string{"returnTo": "http://127.0.0.1:1", "federated": ""}},
		{name: "allow-listed origin", opts: []Option{WithLogout(LogoutConfig{ReturnToOrigins: []string{"https://www.example.com"}})},
			query: "returnTo=" + url.QueryEscape("https://www.example.com/after?x=1"), wantPath: "/oidc/logout",
			want: map[string]string{"post_logout_redirect_uri": "https://www.example.com/after?x=1"}},
		{name: "origin not allow-listed", opts: []Option{WithLogout(LogoutConfig{ReturnToOrigins: []string{"https://www.example.com"}})},
			query: "returnTo=" + url.QueryEscape("https://evil.example/"), wantPath: "/oidc/logout",
			want: map[string]string{"post_logout_redirect_uri": "http://127.0.0.1:1"}},
		{name: "foreign returnTo without allow-list", query: "returnTo=" + url.QueryEscape("https://evil.example/"), wantPath: "/oidc/logout",
			want: map[string]string{"post_logout_redirect_uri": "http://127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			if tt.noEndSes {
				delete(op.meta, "end_session_endpoint")
			}
			c := newScriptClient(t, op, tt.opts...)
			f := op.login(c, "")
			res, ex := covLoginLogout(c, tt.query, f.Cookies)
			if res.Status != http.StatusTemporaryRedirect || !covLoginLogoutCleared(ex) || !strings.Contains(ex.header.Get("Cache-Control"), "no-store") {
				t.Fatalf("answer %d %s, cookies %v", res.Status, res.Body, ex.set)
			}
			u, _ := url.Parse(res.Location)
			if u.Host != strings.TrimPrefix(op.srv.URL, "http://") || u.Path != tt.wantPath {
				t.Fatalf("logout url %s", res.Location)
			}
			q := u.Query()
			for k, v := range tt.want {
				switch v {
				case "present":
					if !q.Has(k) {
						t.Errorf("%s missing in %s", k, res.Location)
					}
				case "":
					if q.Has(k) {
						t.Errorf("%s = %q present", k, q.Get(k))
					}
				default:
					if q.Get(k) != v {
						t.Errorf("%s = %q, want %q", k, q.Get(k), v)
					}
				}
			}
			if v := q.Get("id_token_hint"); v != "" && v != f.Session.TokenSet.IDToken {
				t.Error("id_token_hint is not the session's ID token")
			}
			rev := op.lastTo("/oauth/revoke").Form
			if rev.Get("token") != f.Session.TokenSet.RefreshToken || rev.Get("token_type_hint") != "refresh_token" ||
				rev.Get("client_id") != "client-1" || rev.Get("client_secret") != "s" {
				t.Fatalf("revocation form %v", rev)
			}
			// The old cookie no longer holds a session.
			if s := op.sessionOf(c, covLoginMerge(f.Cookies, ex.set)); s != nil {
				t.Fatalf("session after logout %+v", s)
			}
		})
	}
}

// TestCovLoginLogoutOIDCUnsupported: the OIDC strategy without an
// end_session_endpoint is a logout error; the local session still ends.
func TestCovLoginLogoutOIDCUnsupported(t *testing.T) {
	op := newScriptOP(t)
	delete(op.meta, "end_session_endpoint")
	c := newScriptClient(t, op, WithLogout(LogoutConfig{Strategy: LogoutOIDC}))
	f := op.login(c, "")
	ctx, ex := boundRequest(c, "GET", "/auth/logout", f.Cookies)
	loc, err := c.Logout(ctx, LogoutOptions{})
	if loc != "" || covLoginCode(err) != CodeLogoutError || !covLoginLogoutCleared(ex) {
		t.Fatalf("loc %q err %v", loc, err)
	}
	if res, _ := covLoginLogout(c, "", f.Cookies); res.Status != 500 {
		t.Fatalf("route status %d", res.Status)
	}
}

// TestCovLoginLogoutEndSessionWithQuery: the end_session_endpoint's own query
// is kept.
func TestCovLoginLogoutEndSessionWithQuery(t *testing.T) {
	op := newScriptOP(t)
	op.meta["end_session_endpoint"] = op.srv.URL + "/oidc/logout?tenant=a"
	c := newScriptClient(t, op)
	res, _ := covLoginLogout(c, "", nil)
	u, _ := url.Parse(res.Location)
	if res.Status != 307 || u.Query().Get("tenant") != "a" || u.Query().Get("client_id") != "client-1" || u.Query().Has("logout_hint") {
		t.Fatalf("logout url %s", res.Location)
	}
}

// TestCovLoginLogoutRevocation: without a session or a revocation endpoint
// nothing is revoked; a failing revocation does not stop the logout.
func TestCovLoginLogoutRevocation(t *testing.T) {
	t.Run("no session", func(t *testing.T) {
		op := newScriptOP(t)
		c := newScriptClient(t, op)
		if res, _ := covLoginLogout(c, "", nil); res.Status != 307 || len(op.requestsTo("/oauth/revoke")) != 0 {
			t.Fatalf("status %d, revocations %d", res.Status, len(op.requestsTo("/oauth/revoke")))
		}
	})
	t.Run("no revocation endpoint", func(t *testing.T) {
		op := newScriptOP(t)
		delete(op.meta, "revocation_endpoint")
		c := newScriptClient(t, op)
		f := op.login(c, "")
		if res, _ := covLoginLogout(c, "", f.Cookies); res.Status != 307 || len(op.requestsTo("/oauth/revoke")) != 0 {
			t.Fatalf("status %d", res.Status)
		}
	})
	t.Run("revocation fails", func(t *testing.T) {
		op := newScriptOP(t)
		op.handleJSON("/oauth/revoke", 503, map[string]any{"error": "temporarily_unavailable"})
		c := newScriptClient(t, op)
		f := op.login(c, "")
		res, ex := covLoginLogout(c, "", f.Cookies)
		if res.Status != 307 || !covLoginLogoutCleared(ex) || len(op.requestsTo("/oauth/revoke")) != 1 {
			t.Fatalf("status %d", res.Status)
		}
	})
	t.Run("transaction cookies deleted", func(t *testing.T) {
		op := newScriptOP(t)
		c := newScriptClient(t, op)
		_, txn := covLoginStart(t, op, c, LoginOptions{})
		_, ex := covLoginLogout(c, "", txn)
		deleted := 0
		for _, ck := range ex.set {
			if strings.HasPrefix(ck.Name, c.s.txnCookie.name) && ck.MaxAge < 0 {
				deleted++
			}
		}
		if deleted != len(txn) {
			t.Fatalf("deleted %d of %d transaction cookies", deleted, len(txn))
		}
	})
}

// TestCovLoginLogoutFailures: logout needs a bound context; an untrusted Host
// or a provider that cannot be discovered is an error, but the local
// session has ended; a store that is down does not keep the cookies.
func TestCovLoginLogoutFailures(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	if _, err := c.Logout(context.Background(), LogoutOptions{}); !errors.Is(err, ErrNotBound) {
		t.Fatalf("not bound: %v", err)
	}
	t.Run("untrusted host", func(t *testing.T) {
		c := newScriptClient(t, op, WithAppBaseURL("http://127.0.0.1:1", "http://127.0.0.1:2"))
		f := op.login(c, "")
		ex := covLoginExchange(c.s.routes.Logout, "", f.Cookies)
		ex.host = "evil.example"
		if _, err := c.logout(context.Background(), ex, LogoutOptions{}); err == nil || !covLoginLogoutCleared(ex) {
			t.Fatalf("err %v, cookies %v", err, ex.set)
		}
	})
	t.Run("discovery", func(t *testing.T) {
		f := op.login(c, "")
		dead, err := New(WithDomain(covLoginDeadURL(t)), WithClientID("client-1"), WithClientSecret("s"),
			WithSecret(strings.Repeat("k", 32)), WithAppBaseURL("http://127.0.0.1:1"))
		if err != nil {
			t.Fatal(err)
		}
		res, ex := covLoginLogout(dead, "", f.Cookies)
		if res.Status != http.StatusBadGateway || !covLoginLogoutCleared(ex) {
			t.Fatalf("status %d cookies %v", res.Status, ex.set)
		}
	})
	t.Run("store down", func(t *testing.T) {
		cs := newScriptClient(t, op, WithSessionStore(downStore{}))
		now := cs.s.now().Unix()
		id, err := cs.keys.session.SealJSON(statefulID{ID: "0123456789abcdef0123456789abcdef", CreatedAt: now}, now+60)
		if err != nil {
			t.Fatal(err)
		}
		res, ex := covLoginLogout(cs, "", []*http.Cookie{{Name: "__session", Value: id}})
		if res.Status != 307 || !covLoginLogoutCleared(ex) {
			t.Fatalf("status %d %s, cookies %v", res.Status, res.Body, ex.set)
		}
	})
}

// covLoginFailingRevocations is a revocation list whose Revoke fails.
type covLoginFailingRevocations struct{ *sessionstore.Memory }

func (covLoginFailingRevocations) Revoke(context.Context, sessionstore.LogoutTokenClaims, time.Time, time.Time) error {
	return errors.New("list down")
}

// TestCovLoginLogoutRevocationList: with a revocation list and stateless
// sessions, a logout records the session (sid and creation time) so a
// copy of its cookie is refused; sessions without a sid are not recorded
// and a failing list does not stop the logout.
func TestCovLoginLogoutRevocationList(t *testing.T) {
	tests := []struct {
		name      string
		opts      []Option
		noSID     bool
		listFails bool
		refused   bool // the old cookie is refused afterwards
	}{
		{name: "recorded", refused: true},
		{name: "recorded without an absolute duration", opts: []Option{WithSession(SessionOptions{AbsoluteDuration: -1})}, refused: true},
		{name: "no sid", noSID: true},
		{name: "list fails", listFails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			if tt.noSID {
				op.claims["sid"] = nil
			}
			var rl sessionstore.RevocationList = sessionstore.NewMemory()
			if tt.listFails {
				rl = covLoginFailingRevocations{sessionstore.NewMemory()}
			}
			c := newScriptClient(t, op, append([]Option{WithRevocationList(rl)}, tt.opts...)...)
			f := op.login(c, "")
			if tt.noSID != (f.Session.Internal.SID == "") {
				t.Fatalf("sid %q", f.Session.Internal.SID)
			}
			res, ex := covLoginLogout(c, "", f.Cookies)
			if res.Status != 307 || !covLoginLogoutCleared(ex) {
				t.Fatalf("status %d", res.Status)
			}
			// The copy of the old cookie.
			s := op.sessionOf(c, f.Cookies)
			if refused := s == nil; refused != tt.refused {
				t.Fatalf("old cookie refused = %v, want %v", refused, tt.refused)
			}
			if tt.refused {
				ok, err := rl.Revoked(context.Background(), localLogoutKey(f.Session), "", time.Unix(f.Session.Internal.CreatedAt, 0))
				if !ok || err != nil {
					t.Fatalf("not in the list: %v %v", ok, err)
				}
			}
		})
	}
}

// TestCovLoginLogoutResolverMode: in resolver mode logout revokes at the
// session's domain; a session of another domain is neither revoked nor
// deleted.
func TestCovLoginLogoutResolverMode(t *testing.T) {
	op := newScriptOP(t)
	domain := op.issuer()
	c := covLoginResolverClient(t, op, func(context.Context, RequestInfo) (string, error) { return domain, nil })
	// A session of this domain, made like the callback makes it.
	s := &Session{User: User{Sub: "user-1"}, TokenSet: TokenSet{RefreshToken: "rt-r", IDToken: "idt"},
		Internal: SessionInternal{SID: "sid-r", CreatedAt: time.Now().Unix()}}
	c.stampDomain(s, op.issuer())
	cookie, err := GenerateSessionCookie(s, strings.Repeat("k", 32))
	if err != nil {
		t.Fatal(err)
	}
	cookies := []*http.Cookie{{Name: "__session", Value: cookie}}
	res, ex := covLoginLogout(c, "", cookies)
	if res.Status != 307 || !covLoginLogoutCleared(ex) || op.lastTo("/oauth/revoke").Form.Get("token") != "rt-r" {
		t.Fatalf("status %d %s", res.Status, res.Body)
	}
	if u, _ := url.Parse(res.Location); u.Query().Get("logout_hint") != "sid-r" {
		t.Fatalf("logout url %s", res.Location)
	}
	// The same cookie on a request resolved to another domain.
	domain = "https://other.example.com"
	n := len(op.requestsTo("/oauth/revoke"))
	ctx, ex := boundRequest(c, "GET", "/auth/logout", cookies)
	if _, err := c.Logout(ctx, LogoutOptions{}); !errors.Is(err, ErrDomainMismatch) || covLoginLogoutCleared(ex) {
		t.Fatalf("other domain: %v, cookies %v", err, ex.set)
	}
	if len(op.requestsTo("/oauth/revoke")) != n {
		t.Fatal("another domain's session was revoked")
	}
	// A resolver that fails.
	bad := covLoginResolverClient(t, op, func(context.Context, RequestInfo) (string, error) { return "", errors.New("no tenant") })
	ctx, _ = boundRequest(bad, "GET", "/auth/logout", cookies)
	if _, err := bad.Logout(ctx, LogoutOptions{}); err == nil {
		t.Fatal("logout with a failing resolver succeeded")
	}
}
