package auth0kit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// Connected Accounts (/auth/connect, the connect_code callback, list,
// disconnect) against the scripted provider's My Account API, whose
// answers copy Auth0's wire shapes (conformance/devop/myaccount.go).

const (
	covMAConnect  = "/me/v1/connected-accounts/connect"
	covMAComplete = "/me/v1/connected-accounts/complete"
	covMAAccounts = "/me/v1/connected-accounts/accounts"
)

// covProblem answers an RFC 9457 problem, as the My Account API does.
func covProblem(status int, title, detail string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"type": "https://auth0.com/api-errors/x", "title": title, "status": status, "detail": detail})
	}
}

// covConnectOK scripts a connect answer with connect_uri on the issuer.
func covConnectOK(op *scriptOP) {
	op.handleJSON(covMAConnect, http.StatusCreated, map[string]any{
		"connect_uri": op.srv.URL + "/connect?lang=en", "connect_params": map[string]string{"ticket": "T1"},
		"auth_session": "as-1", "expires_in": 300,
	})
}

// mergeCookies applies the cookie writes of later exchanges to base: a
// cookie of the same name is replaced, a deletion removes it.
func mergeCookies(base []*http.Cookie, later ...[]*http.Cookie) []*http.Cookie {
	m := map[string]*http.Cookie{}
	var order []string
	put := func(ck *http.Cookie) {
		if _, ok := m[ck.Name]; !ok {
			order = append(order, ck.Name)
		}
		m[ck.Name] = ck
	}
	for _, ck := range base {
		put(ck)
	}
	for _, set := range later {
		for _, ck := range set {
			put(ck)
		}
	}
	var out []*http.Cookie
	for _, n := range order {
		if ck := m[n]; ck.MaxAge >= 0 && ck.Value != "" {
			out = append(out, ck)
		}
	}
	return out
}

// covServe serves an SDK route on a fresh exchange carrying cookies.
func covServe(t *testing.T, c *Client, method, path, query string, cookies []*http.Cookie) (*adapter.Response, *testExchange) {
	t.Helper()
	ex := &testExchange{method: method, path: path, rawQuery: query, host: "127.0.0.1:1", header: http.Header{}, cookies: liveCookies(cookies)}
	res, ok := c.handle(context.Background(), ex)
	if !ok {
		t.Fatalf("%s %s not handled", method, path)
	}
	return res, ex
}

// covConnectBody is the JSON the SDK sent to connected-accounts/connect.
type covConnectBody struct {
	Connection          string            `json:"connection"`
	RedirectURI         string            `json:"redirect_uri"`
	State               string            `json:"state"`
	CodeChallenge       string            `json:"code_challenge"`
	CodeChallengeMethod string            `json:"code_challenge_method"`
	Scopes              []string          `json:"scopes"`
	AuthorizationParams map[string]string `json:"authorization_params"`
}

func (op *scriptOP) lastConnectBody() covConnectBody {
	op.t.Helper()
	var b covConnectBody
	if err := json.Unmarshal(op.lastTo(covMAConnect).Body, &b); err != nil {
		op.t.Fatal(err)
	}
	return b
}

func TestCovConnectRouteStart(t *testing.T) {
	op := newScriptOP(t)
	covConnectOK(op)
	var logs bytes.Buffer
	c := newScriptClient(t, op, WithRoutes(Routes{ConnectAccountEndpoint: true}), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	f := op.login(c, "")
	tokens := len(op.requestsTo("/oauth/token"))

	res, ex := covServe(t, c, "GET", "/auth/connect",
		"connection=google-oauth2&scopes=a&scopes[]=b&scopes=&returnTo=/done&prompt=consent&access_type=offline&empty=", f.Cookies)
	if res.Status != http.StatusTemporaryRedirect {
		t.Fatalf("status %d body %s", res.Status, res.Body)
	}
	loc, _ := url.Parse(res.Location)
	if loc.Scheme+"://"+loc.Host != op.srv.URL || loc.Path != "/connect" || loc.Query().Get("ticket") != "T1" || loc.Query().Get("lang") != "en" {
		t.Fatalf("location %s", res.Location)
	}
	if got := ex.header.Get("Cache-Control"); !strings.Contains(got, "no-store") {
		t.Fatalf("Cache-Control %q", got)
	}
	// The My Account token came from one refresh for the API's audience
	// and scope, and went as Bearer.
	toks := op.requestsTo("/oauth/token")
	if len(toks) != tokens+1 {
		t.Fatalf("%d token requests, want %d", len(toks), tokens+1)
	}
	tr := toks[len(toks)-1].Form
	if tr.Get("grant_type") != "refresh_token" || tr.Get("audience") != op.srv.URL+"/me/" || !strings.Contains(tr.Get("scope"), ScopeCreateConnectedAccounts) {
		t.Fatalf("token request %v", tr)
	}
	sent := op.lastTo(covMAConnect)
	if a := sent.Header.Get("Authorization"); !strings.HasPrefix(a, "Bearer at-") || sent.Header.Get("Content-Type") != "application/json" || sent.Method != "POST" {
		t.Fatalf("connect request %s %v", sent.Method, sent.Header)
	}
	b := op.lastConnectBody()
	if b.Connection != "google-oauth2" || b.RedirectURI != "http://127.0.0.1:1/auth/callback" || b.State == "" ||
		b.CodeChallenge == "" || b.CodeChallengeMethod != "S256" || strings.Join(b.Scopes, " ") != "a b" ||
		len(b.AuthorizationParams) != 2 || b.AuthorizationParams["prompt"] != "consent" || b.AuthorizationParams["access_type"] != "offline" {
		t.Fatalf("connect body %+v", b)
	}

	// The callback with connect_code completes the flow with the PKCE
	// verifier, reuses the My Account token the start saved, and hands the
	// account to OnCallback.
	op.handleJSON(covMAComplete, http.StatusCreated, map[string]any{"id": "acc-1", "connection": "google-oauth2",
		"access_type": "offline", "scopes": []string{"a", "b"}, "created_at": "2025-01-01T00:00:00Z"})
	var info CallbackInfo
	var hookSession *Session
	c.cfg.Hooks.OnCallback = func(_ context.Context, err error, i CallbackInfo, s *Session) (string, error) {
		info, hookSession = i, s
		return "", err
	}
	cookies := mergeCookies(f.Cookies, ex.set)
	cb, _ := covServe(t, c, "GET", "/auth/callback", "connect_code=cc-1&state="+url.QueryEscape(b.State), cookies)
	if cb.Status != http.StatusTemporaryRedirect || cb.Location != "http://127.0.0.1:1/done" {
		t.Fatalf("callback %d %q %s", cb.Status, cb.Location, cb.Body)
	}
	if info.ResponseType != responseTypeConnectCode || info.ConnectedAccount == nil || info.ConnectedAccount.ID != "acc-1" ||
		info.ConnectedAccount.AccessType != "offline" || hookSession == nil || hookSession.User.Sub != "user-1" {
		t.Fatalf("hook info %+v account %+v session %v", info, info.ConnectedAccount, hookSession)
	}
	var done map[string]string
	if err := json.Unmarshal(op.lastTo(covMAComplete).Body, &done); err != nil {
		t.Fatal(err)
	}
	if done["auth_session"] != "as-1" || done["connect_code"] != "cc-1" || done["redirect_uri"] != b.RedirectURI ||
		pkceChallenge(done["code_verifier"]) != b.CodeChallenge {
		t.Fatalf("complete body %v", done)
	}
	if n := len(op.requestsTo("/oauth/token")); n != tokens+1 {
		t.Fatalf("the callback refreshed again: %d token requests", n)
	}
}

// TestCovConnectRouteStartErrors: every refusal of /auth/connect, with the
// status the route answers and no upstream text in the body.
func TestCovConnectRouteStartErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		query     string
		noSession bool
		script    func(op *scriptOP)
		status    int
		body      string
	}{
		{name: "malformed query", query: "connection=%zz", status: 400, body: "A connection is required."},
		{name: "no connection", query: "returnTo=/x", status: 400, body: "A connection is required."},
		{name: "no session", query: "connection=github", noSession: true, status: 401, body: "does not have an active session"},
		{name: "api refuses", query: "connection=github", status: 403, body: "failed with status Forbidden",
			script: func(op *scriptOP) { op.handle(covMAConnect, covProblem(403, "Forbidden", "secret-upstream-detail")) }},
		{name: "api fails", query: "connection=github", status: 502, body: "failed with status Service Unavailable",
			script: func(op *scriptOP) { op.handle(covMAConnect, covProblem(503, "Unavailable", "secret-upstream-detail")) }},
		{name: "api answers garbage", query: "connection=github", status: 502, body: "An unexpected error occurred",
			script: func(op *scriptOP) {
				op.handle(covMAConnect, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) })
			}},
		{name: "connect_uri off the issuer", query: "connection=github", status: 502, body: "An unexpected error occurred",
			script: func(op *scriptOP) {
				op.handleJSON(covMAConnect, 201, map[string]any{"connect_uri": "https://evil.example/connect",
					"connect_params": map[string]string{"ticket": "T"}, "auth_session": "as"})
			}},
		{name: "no ticket", query: "connection=github", status: 502, body: "An unexpected error occurred",
			script: func(op *scriptOP) {
				op.handleJSON(covMAConnect, 201, map[string]any{"connect_uri": op.srv.URL + "/connect", "auth_session": "as"})
			}},
		{name: "no auth_session", query: "connection=github", status: 502, body: "An unexpected error occurred",
			script: func(op *scriptOP) {
				op.handleJSON(covMAConnect, 201, map[string]any{"connect_uri": op.srv.URL + "/connect",
					"connect_params": map[string]string{"ticket": "T"}})
			}},
		{name: "refresh refused", query: "connection=github", status: 401,
			script: func(op *scriptOP) {
				op.handleJSON("/oauth/token", 400, map[string]string{"error": "invalid_grant", "error_description": "revoked"})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := newScriptOP(t)
			c := newScriptClient(t, op, WithRoutes(Routes{ConnectAccountEndpoint: true}))
			var cookies []*http.Cookie
			if !tc.noSession {
				cookies = op.login(c, "").Cookies
			}
			if tc.script != nil {
				tc.script(op)
			}
			res, ex := covServe(t, c, "GET", "/auth/connect", tc.query, cookies)
			if res.Status != tc.status || !strings.Contains(string(res.Body), tc.body) {
				t.Fatalf("%d %q, want %d %q", res.Status, res.Body, tc.status, tc.body)
			}
			if strings.Contains(string(res.Body), "secret-upstream-detail") {
				t.Fatalf("upstream text in the body: %s", res.Body)
			}
			for _, ck := range ex.set {
				if strings.HasPrefix(ck.Name, "__txn") {
					t.Fatalf("a transaction was saved: %s", ck.Name)
				}
			}
		})
	}
}

// covStartConnect starts a connect flow and returns its state and the
// cookies a browser would now carry.
func covStartConnect(t *testing.T, op *scriptOP, c *Client, login []*http.Cookie, query string) (string, []*http.Cookie) {
	t.Helper()
	res, ex := covServe(t, c, "GET", "/auth/connect", "connection=github&"+query, login)
	if res.Status != http.StatusTemporaryRedirect {
		t.Fatalf("connect start: %d %s", res.Status, res.Body)
	}
	return op.lastConnectBody().State, mergeCookies(login, ex.set)
}

func TestCovConnectCallbackErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		query      string // after state=…
		freshToken bool   // the callback needs a new My Account token
		script     func(op *scriptOP)
		status     int
	}{
		{name: "consent denied", query: "&error=access_denied&error_description=no", status: 400},
		{name: "no connect_code", query: "", status: 400},
		{name: "empty connect_code", query: "&connect_code=", status: 400},
		{name: "repeated connect_code", query: "&connect_code=a&connect_code=b", status: 400},
		{name: "api refuses", query: "&connect_code=cc", status: 404,
			script: func(op *scriptOP) { op.handle(covMAComplete, covProblem(404, "Not Found", "ticket expired")) }},
		{name: "api fails", query: "&connect_code=cc", status: 502,
			script: func(op *scriptOP) { op.handle(covMAComplete, covProblem(500, "Internal", "")) }},
		{name: "api answers garbage", query: "&connect_code=cc", status: 502,
			script: func(op *scriptOP) {
				op.handle(covMAComplete, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("[")) })
			}},
		{name: "no My Account token", query: "&connect_code=cc", freshToken: true, status: 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := newScriptOP(t)
			covConnectOK(op)
			c := newScriptClient(t, op, WithRoutes(Routes{ConnectAccountEndpoint: true}))
			var hookErr error
			c.cfg.Hooks.OnCallback = func(_ context.Context, err error, i CallbackInfo, s *Session) (string, error) {
				hookErr = err
				return "", err
			}
			f := op.login(c, "")
			state, cookies := covStartConnect(t, op, c, f.Cookies, "")
			if tc.freshToken {
				// A session without a My Account token nor a refresh
				// token, with the transaction cookie.
				s := wire.CloneSession(f.Session)
				s.TokenSet.RefreshToken = ""
				v, err := GenerateSessionCookie(s, strings.Repeat("k", 32))
				if err != nil {
					t.Fatal(err)
				}
				cookies = mergeCookies(cookies, []*http.Cookie{{Name: "__session", Value: v}})
			}
			if tc.script != nil {
				tc.script(op)
			}
			res, _ := covServe(t, c, "GET", "/auth/callback", "state="+url.QueryEscape(state)+tc.query, cookies)
			if res.Status != tc.status {
				t.Fatalf("status %d (%s), want %d; hook saw %v", res.Status, res.Body, tc.status, hookErr)
			}
			if HTTPStatus(hookErr) != tc.status {
				t.Fatalf("hook error %v has status %d", hookErr, HTTPStatus(hookErr))
			}
			var e *Error
			if !tc.freshToken && (!errors.As(hookErr, &e) || e.Code != CodeFailedToComplete) {
				t.Fatalf("hook error %v, want code %s", hookErr, CodeFailedToComplete)
			}
		})
	}
}

// TestCovConnectUnsafeReturnTo: a returnTo on another origin is replaced
// by the sign-in path.
func TestCovConnectUnsafeReturnTo(t *testing.T) {
	op := newScriptOP(t)
	covConnectOK(op)
	op.handleJSON(covMAComplete, 201, map[string]any{"id": "x", "connection": "github"})
	c := newScriptClient(t, op, WithRoutes(Routes{ConnectAccountEndpoint: true}), WithSignInReturnTo("/home"))
	f := op.login(c, "")
	state, cookies := covStartConnect(t, op, c, f.Cookies, "returnTo="+url.QueryEscape("https://evil.example/x"))
	res, _ := covServe(t, c, "GET", "/auth/callback", "connect_code=c&state="+url.QueryEscape(state), cookies)
	if res.Status != http.StatusTemporaryRedirect || res.Location != "http://127.0.0.1:1/home" {
		t.Fatalf("%d %q", res.Status, res.Location)
	}
}

func TestCovConnectAccountAPI(t *testing.T) {
	op := newScriptOP(t)
	covConnectOK(op)
	c := newScriptClient(t, op)
	f := op.login(c, "")

	if _, err := c.ConnectAccount(context.Background(), ConnectAccountOptions{Connection: "github"}); !errors.Is(err, ErrNotBound) {
		t.Fatalf("unbound: %v", err)
	}
	ctx, _ := boundRequest(c, "GET", "/", f.Cookies)
	_, err := c.ConnectAccount(ctx, ConnectAccountOptions{})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalidConnectRequest || HTTPStatus(err) != 400 {
		t.Fatalf("no connection: %v", err)
	}
	if r := connectErrorResponse(err); r.Status != 400 || string(r.Body) != "A connection is required.\n" {
		t.Fatalf("answer %d %q", r.Status, r.Body)
	}
	ctx, ex := boundRequest(c, "GET", "/", f.Cookies)
	loc, err := c.ConnectAccount(ctx, ConnectAccountOptions{Connection: "github", Scopes: []string{"repo"},
		AuthorizationParams: map[string]string{"login_hint": "jane"}, ReturnTo: "/after"})
	if err != nil || !strings.Contains(loc, "ticket=T1") {
		t.Fatalf("%q %v", loc, err)
	}
	if b := op.lastConnectBody(); b.Scopes[0] != "repo" || b.AuthorizationParams["login_hint"] != "jane" {
		t.Fatalf("body %+v", b)
	}
	txn := false
	for _, ck := range ex.set {
		txn = txn || strings.HasPrefix(ck.Name, "__txn")
	}
	if !txn {
		t.Fatal("no transaction cookie written")
	}

	// The request's origin cannot be told without a configured base URL.
	dyn, err := New(WithDomain(op.issuer()), WithClientID("client-1"), WithClientSecret("s"), WithSecret(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	dctx := dyn.Adapter().Bind(context.Background(), &testExchange{method: "GET", path: "/", host: "bad host", header: http.Header{}})
	if _, err := dyn.ConnectAccount(dctx, ConnectAccountOptions{Connection: "github"}); !errors.As(err, &e) || e.Code != CodeUntrustedOrigin {
		t.Fatalf("bad host: %v", err)
	}
	// Any other error keeps its own answer.
	if r := connectErrorResponse(ErrMissingRefreshToken); r.Status != HTTPStatus(ErrMissingRefreshToken) {
		t.Fatalf("other error: %d", r.Status)
	}
}

// covSessionWithConnections re-seals the login's session with cached
// connection tokens for conns.
func covSessionWithConnections(t *testing.T, f *loginFlow, conns ...string) []*http.Cookie {
	t.Helper()
	s := wire.CloneSession(f.Session)
	var sets []ConnectionTokenSet
	for _, cn := range conns {
		sets = append(sets, ConnectionTokenSet{AccessToken: "ct-" + cn, Connection: cn, ExpiresAt: 1 << 40})
	}
	setConnectionTokenSets(s, sets)
	v, err := GenerateSessionCookie(s, strings.Repeat("k", 32))
	if err != nil {
		t.Fatal(err)
	}
	return []*http.Cookie{{Name: "__session", Value: v}}
}

// covConnections lists the connections with cached tokens in the session
// the cookies hold.
func covConnections(op *scriptOP, c *Client, cookies []*http.Cookie) string {
	var out []string
	for _, s := range connectionTokenSets(op.sessionOf(c, cookies)) {
		out = append(out, s.Connection)
	}
	return strings.Join(out, ",")
}

func TestCovConnectedAccounts(t *testing.T) {
	t.Run("pages and prunes", func(t *testing.T) {
		op := newScriptOP(t)
		op.handle(covMAAccounts, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("from") == "c 1" {
				writeJSON(w, 200, map[string]any{"accounts": []map[string]any{{"id": "a2", "connection": "github"}}})
				return
			}
			writeJSON(w, 200, map[string]any{"accounts": []map[string]any{{"id": "a1", "connection": "google-oauth2", "scopes": []string{"s"}}}, "next": "c 1"})
		})
		c := newScriptClient(t, op)
		cookies := covSessionWithConnections(t, op.login(c, ""), "google-oauth2", "gone")
		ctx, ex := boundRequest(c, "GET", "/", cookies)
		all, err := c.ConnectedAccounts(ctx)
		if err != nil || len(all) != 2 || all[0].ID != "a1" || all[0].Scopes[0] != "s" || all[1].Connection != "github" {
			t.Fatalf("%+v %v", all, err)
		}
		reqs := op.requestsTo(covMAAccounts)
		if len(reqs) != 2 || reqs[0].Form.Has("from") || reqs[1].Form.Get("from") != "c 1" || reqs[1].Method != "GET" {
			t.Fatalf("requests %+v", reqs)
		}
		if tr := op.lastTo("/oauth/token").Form; tr.Get("scope") == "" || !strings.Contains(tr.Get("scope"), ScopeReadConnectedAccounts) {
			t.Fatalf("token scope %q", tr.Get("scope"))
		}
		if got := covConnections(op, c, mergeCookies(cookies, ex.set)); got != "google-oauth2" {
			t.Fatalf("connection tokens left %q", got)
		}
	})
	for _, tc := range []struct {
		name  string
		next  func(n int) string
		pages int
		log   string
	}{
		{"cursor loop", func(int) string { return "same" }, 2, "cursor loops"},
		{"page bound", func(n int) string { return "p" + strconv.Itoa(n) }, maxConnectedAccountPages, "more than 100 pages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := newScriptOP(t)
			n := 0
			op.handle(covMAAccounts, func(w http.ResponseWriter, r *http.Request) {
				n++
				writeJSON(w, 200, map[string]any{"accounts": []map[string]any{{"id": "a" + strconv.Itoa(n), "connection": "github"}}, "next": tc.next(n)})
			})
			var logs bytes.Buffer
			c := newScriptClient(t, op, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			cookies := covSessionWithConnections(t, op.login(c, ""), "gone")
			ctx, ex := boundRequest(c, "GET", "/", cookies)
			all, err := c.ConnectedAccounts(ctx)
			if err != nil || len(all) != tc.pages || len(op.requestsTo(covMAAccounts)) != tc.pages {
				t.Fatalf("%d accounts, %d requests, %v", len(all), len(op.requestsTo(covMAAccounts)), err)
			}
			if !strings.Contains(logs.String(), tc.log) {
				t.Fatalf("logs %q", logs.String())
			}
			// A cut list prunes nothing.
			if got := covConnections(op, c, mergeCookies(cookies, ex.set)); got != "gone" {
				t.Fatalf("connection tokens left %q", got)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		op := newScriptOP(t)
		op.handle(covMAAccounts, covProblem(500, "Internal", "boom"))
		c := newScriptClient(t, op)
		f := op.login(c, "")
		if _, err := c.ConnectedAccounts(context.Background()); !errors.Is(err, ErrNotBound) {
			t.Fatalf("unbound: %v", err)
		}
		ctx, _ := boundRequest(c, "GET", "/", nil)
		if _, err := c.ConnectedAccounts(ctx); !errors.Is(err, ErrNoSession) {
			t.Fatalf("no session: %v", err)
		}
		ctx, _ = boundRequest(c, "GET", "/", f.Cookies)
		_, err := c.ConnectedAccounts(ctx)
		var e *Error
		var mae *MyAccountError
		if !errors.As(err, &e) || e.Code != CodeFailedToList || !errors.As(err, &mae) || mae.Status != 500 ||
			mae.Title != "Internal" || mae.Detail != "boom" || HTTPStatus(err) != 502 {
			t.Fatalf("err %v", err)
		}
		if !strings.Contains(mae.Error(), "answered 500: Internal (boom)") {
			t.Fatalf("message %q", mae.Error())
		}
	})
}

func TestCovDisconnectAccount(t *testing.T) {
	list := func(op *scriptOP) {
		op.handleJSON(covMAAccounts, 200, map[string]any{"accounts": []map[string]any{
			{"id": "a 1", "connection": "google-oauth2"}, {"id": "b", "connection": "github"}, {"id": "", "connection": "google-oauth2"}}})
	}
	t.Run("deletes and prunes", func(t *testing.T) {
		op := newScriptOP(t)
		list(op)
		op.handle(covMAAccounts+"/a 1", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
		c := newScriptClient(t, op)
		cookies := covSessionWithConnections(t, op.login(c, ""), "google-oauth2", "github")
		ctx, ex := boundRequest(c, "GET", "/", cookies)
		if err := c.DisconnectAccount(ctx, "google-oauth2"); err != nil {
			t.Fatal(err)
		}
		del := op.requestsTo(covMAAccounts + "/a 1")
		if len(del) != 1 || del[0].Method != "DELETE" || !strings.HasPrefix(del[0].Header.Get("Authorization"), "Bearer ") {
			t.Fatalf("delete requests %+v", del)
		}
		if len(op.requestsTo(covMAAccounts+"/")) != 0 || len(op.requestsTo(covMAAccounts+"/b")) != 0 {
			t.Fatal("deleted another account")
		}
		if sc := op.lastTo("/oauth/token").Form.Get("scope"); !strings.Contains(sc, ScopeReadConnectedAccounts) || !strings.Contains(sc, ScopeDeleteConnectedAccounts) {
			t.Fatalf("token scope %q", sc)
		}
		if got := covConnections(op, c, mergeCookies(cookies, ex.set)); got != "github" {
			t.Fatalf("connection tokens left %q", got)
		}
	})
	t.Run("nothing cached", func(t *testing.T) {
		op := newScriptOP(t)
		list(op)
		c := newScriptClient(t, op)
		ctx, _ := boundRequest(c, "GET", "/", op.login(c, "").Cookies)
		if err := c.DisconnectAccount(ctx, "unknown"); err != nil || len(op.requestsTo(covMAAccounts)) != 1 {
			t.Fatalf("%v", err)
		}
	})
	for _, tc := range []struct {
		name   string
		conn   string
		script func(op *scriptOP)
		code   string
		status int
	}{
		{"no connection", "", nil, CodeInvalidConnectRequest, 400},
		{"delete refused", "google-oauth2", func(op *scriptOP) {
			list(op)
			op.handle(covMAAccounts+"/a 1", covProblem(403, "Forbidden", ""))
		}, CodeFailedToDisconnect, 403},
		{"list fails", "github", func(op *scriptOP) { op.handle(covMAAccounts, covProblem(502, "Bad Gateway", "")) }, CodeFailedToList, 502},
		{"token refused", "github", func(op *scriptOP) {
			op.handleJSON("/oauth/token", 400, map[string]string{"error": "invalid_grant"})
		}, "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := newScriptOP(t)
			c := newScriptClient(t, op)
			f := op.login(c, "")
			if tc.script != nil {
				tc.script(op)
			}
			ctx, _ := boundRequest(c, "GET", "/", f.Cookies)
			err := c.DisconnectAccount(ctx, tc.conn)
			var e *Error
			if err == nil || HTTPStatus(err) != tc.status || (tc.code != "" && (!errors.As(err, &e) || e.Code != tc.code)) {
				t.Fatalf("err %v (status %d), want %s %d", err, HTTPStatus(err), tc.code, tc.status)
			}
		})
	}
	t.Run("unbound and no session", func(t *testing.T) {
		op := newScriptOP(t)
		c := newScriptClient(t, op)
		if err := c.DisconnectAccount(context.Background(), "github"); !errors.Is(err, ErrNotBound) {
			t.Fatalf("unbound: %v", err)
		}
		ctx, _ := boundRequest(c, "GET", "/", nil)
		if err := c.DisconnectAccount(ctx, "github"); !errors.Is(err, ErrNoSession) {
			t.Fatalf("no session: %v", err)
		}
	})
}
