package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCovLoginRouteParams: the login route forwards its query (last value
// wins, empty values and redirect_uri dropped, protected parameters
// ignored) and validates max_age; a per-call scope replaces the configured
// one and gets openid; a per-call audience takes its configured scope.
func TestCovLoginRouteParams(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op,
		WithAuthorizationParams(map[string]string{"scope": "openid profile", "audience": "https://api.default/"}),
		WithAudienceScopes(map[string]string{"https://api.b/": "openid read:b"}))
	tests := []struct {
		name   string
		query  string
		status int
		want   map[string]string // authorization URL parameters ("" = absent)
	}{
		{"defaults", "", 307, map[string]string{"scope": "openid profile", "audience": "https://api.default/", "max_age": ""}},
		{"max_age", "max_age=300", 307, map[string]string{"max_age": "300"}},
		{"max_age zero", "max_age=0", 307, map[string]string{"max_age": "0"}},
		{"empty max_age ignored", "max_age=", 307, map[string]string{"max_age": ""}},
		{"last value wins", "prompt=none&prompt=login", 307, map[string]string{"prompt": "login"}},
		{"per-call scope without openid", "scope=read:x", 307, map[string]string{"scope": "openid read:x"}},
		{"per-call audience takes its scope", "audience=https://api.b/", 307, map[string]string{"audience": "https://api.b/", "scope": "openid read:b"}},
		{"unknown audience takes the default scope", "audience=https://api.c/", 307, map[string]string{"scope": "openid profile"}},
		{"protected parameters ignored", "client_id=evil&response_type=token&nonce=n&state=s&code_challenge_method=plain", 307,
			map[string]string{"client_id": "client-1", "response_type": "code", "code_challenge_method": "S256"}},
		{"redirect_uri from the query ignored", "redirect_uri=https://evil.example/cb", 307,
			map[string]string{"redirect_uri": "http://127.0.0.1:1/auth/callback"}},
		{"negative max_age", "max_age=-1", 400, nil},
		{"max_age with a sign", "max_age=%2B5", 400, nil},
		{"max_age not a number", "max_age=abc", 400, nil},
		{"max_age overflows", "max_age=99999999999999999999", 400, nil},
		{"malformed query", "a=%zz", 400, nil},
		{"invitation without organization", "invitation=inv_1", 400, nil},
		{"bad authorization_details", "authorization_details=%7B%7D", 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := covLoginExchange(c.s.routes.Login, tt.query, nil)
			res, ok := c.handle(context.Background(), ex)
			if !ok || res.Status != tt.status {
				t.Fatalf("status %d (handled %v), want %d: %s", res.Status, ok, tt.status, res.Body)
			}
			if tt.status != 307 {
				if len(ex.set) != 0 {
					t.Fatalf("a refused login wrote cookies: %v", ex.set)
				}
				return
			}
			if ex.header.Get("Cache-Control") != "no-store" {
				t.Fatal("login redirect is cacheable")
			}
			u, _ := url.Parse(res.Location)
			q := u.Query()
			for k, v := range tt.want {
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q (url %s)", k, q.Get(k), v, res.Location)
				}
			}
		})
	}
}

// TestCovLoginMaxAgeInTransaction: max_age is kept in the transaction so
// the callback requires and checks auth_time.
func TestCovLoginMaxAgeInTransaction(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	u, txn := covLoginStart(t, op, c, LoginOptions{AuthorizationParams: map[string]string{"max_age": "60"}})
	state := u.Query().Get("state")
	tr, err := c.loadTransaction(covLoginExchange("/", "", txn), state)
	if err != nil {
		t.Fatal(err)
	}
	if tr.MaxAge == nil || *tr.MaxAge != 60 {
		t.Fatalf("transaction max_age = %v", tr.MaxAge)
	}
}

// TestCovLoginOptions covers StartLogin's options: organization and
// invitation, per-call redirect_uri, appState, returnTo and the forced
// parameters of the link flows.
func TestCovLoginOptions(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op, WithAuthorizationParams(map[string]string{"redirect_uri": "http://127.0.0.1:1/configured/cb"}))
	tests := []struct {
		name    string
		opts    LoginOptions
		want    map[string]string
		wantErr string // error code
		check   func(t *testing.T, tr *transaction)
	}{
		{name: "configured redirect_uri", want: map[string]string{"redirect_uri": "http://127.0.0.1:1/configured/cb"}},
		{name: "per-call RedirectURI path", opts: LoginOptions{RedirectURI: "/other/cb"},
			want: map[string]string{"redirect_uri": "http://127.0.0.1:1/other/cb"},
			check: func(t *testing.T, tr *transaction) {
				if tr.RedirectURI != "http://127.0.0.1:1/other/cb" {
					t.Errorf("transaction redirect_uri %q", tr.RedirectURI)
				}
			}},
		{name: "redirect_uri authorization parameter", opts: LoginOptions{AuthorizationParams: map[string]string{"redirect_uri": "http://127.0.0.1:1/p/cb"}},
			want: map[string]string{"redirect_uri": "http://127.0.0.1:1/p/cb"}},
		{name: "cross-origin redirect_uri", opts: LoginOptions{RedirectURI: "https://evil.example/cb"}, wantErr: CodeAuthorizationError},
		{name: "organization and invitation", opts: LoginOptions{Organization: "org_123", Invitation: "inv_9"},
			want: map[string]string{"organization": "org_123", "invitation": "inv_9"},
			check: func(t *testing.T, tr *transaction) {
				if tr.Organization != "org_123" {
					t.Errorf("transaction organization %q", tr.Organization)
				}
			}},
		{name: "redirect_uri too long", opts: LoginOptions{RedirectURI: "/" + strings.Repeat("r", 2048)}, wantErr: CodeAuthorizationError},
		{name: "authorization details too large", opts: LoginOptions{AuthorizationDetails: json.RawMessage(`[{"type":"` + strings.Repeat("x", 8<<10) + `"}]`)},
			wantErr: CodeAuthorizationError},
		{name: "organization too long", opts: LoginOptions{Organization: strings.Repeat("o", 257)}, wantErr: CodeAuthorizationError},
		{name: "authorization details compacted", opts: LoginOptions{AuthorizationDetails: json.RawMessage(`[ {"type": "payment"} ]`)},
			want: map[string]string{"authorization_details": `[{"type":"payment"}]`}},
		{name: "appState", opts: LoginOptions{AppState: map[string]any{"k": 1}},
			check: func(t *testing.T, tr *transaction) {
				if string(tr.AppState) != `{"k":1}` {
					t.Errorf("appState %s", tr.AppState)
				}
			}},
		{name: "appState not JSON", opts: LoginOptions{AppState: func() {}}, wantErr: CodeAuthorizationError},
		{name: "returnTo kept", opts: LoginOptions{ReturnTo: "/dash?x=1"},
			check: func(t *testing.T, tr *transaction) {
				if tr.ReturnTo != "/dash?x=1" {
					t.Errorf("returnTo %q", tr.ReturnTo)
				}
			}},
		{name: "foreign returnTo replaced", opts: LoginOptions{ReturnTo: "https://evil.example/"},
			check: func(t *testing.T, tr *transaction) {
				if tr.ReturnTo != "/" {
					t.Errorf("returnTo %q", tr.ReturnTo)
				}
			}},
		{name: "forced parameters", opts: LoginOptions{flow: "link", AuthorizationParams: map[string]string{"prompt": "none", "connection": "db"},
			forced: map[string]string{"prompt": "login", "connection": ""}},
			want: map[string]string{"prompt": "login", "connection": ""},
			check: func(t *testing.T, tr *transaction) {
				if tr.Flow != "link" {
					t.Errorf("flow %q", tr.Flow)
				}
			}},
		{name: "long audience not kept", opts: LoginOptions{AuthorizationParams: map[string]string{"audience": strings.Repeat("a", 2049)}},
			check: func(t *testing.T, tr *transaction) {
				if tr.Audience != "" {
					t.Errorf("audience of %d bytes kept", len(tr.Audience))
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := covLoginExchange(c.s.routes.Login, "", nil)
			loc, err := c.startLogin(context.Background(), ex, tt.opts)
			if tt.wantErr != "" {
				if covLoginCode(err) != tt.wantErr || HTTPStatus(err) != http.StatusBadRequest {
					t.Fatalf("err = %v, want code %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(loc)
			q := u.Query()
			for k, v := range tt.want {
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			if tt.check != nil {
				tr, err := c.loadTransaction(covLoginExchange("/", "", ex.set), q.Get("state"))
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, tr)
			}
		})
	}
}

// TestCovLoginNotBound: StartLogin needs a context bound to a request.
func TestCovLoginNotBound(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	if _, err := c.StartLogin(context.Background(), LoginOptions{}); !errors.Is(err, ErrNotBound) {
		t.Fatalf("err = %v", err)
	}
	ctx, ex := boundRequest(c, "GET", "/", nil)
	loc, err := c.StartLogin(ctx, LoginOptions{ReturnTo: "/x"})
	if err != nil || !strings.HasPrefix(loc, op.srv.URL+"/authorize?") || len(ex.set) == 0 {
		t.Fatalf("loc %q err %v cookies %d", loc, err, len(ex.set))
	}
}

// TestCovLoginFailures: a provider that cannot be discovered and a Host
// that is not the application's stop the login before any cookie.
func TestCovLoginFailures(t *testing.T) {
	t.Run("discovery", func(t *testing.T) {
		c, err := New(WithDomain(covLoginDeadURL(t)), WithClientID("client-1"), WithClientSecret("s"),
			WithSecret(strings.Repeat("k", 32)), WithAppBaseURL("http://127.0.0.1:1"))
		if err != nil {
			t.Fatal(err)
		}
		ex := covLoginExchange(c.s.routes.Login, "", nil)
		res, _ := c.handle(context.Background(), ex)
		if res.Status != http.StatusBadGateway || len(ex.set) != 0 {
			t.Fatalf("status %d, cookies %v", res.Status, ex.set)
		}
	})
	t.Run("untrusted host", func(t *testing.T) {
		op := newScriptOP(t)
		c := newScriptClient(t, op, WithAppBaseURL("http://127.0.0.1:1", "http://127.0.0.1:2"))
		ex := covLoginExchange(c.s.routes.Login, "", nil)
		ex.host = "evil.example"
		_, err := c.startLogin(context.Background(), ex, LoginOptions{})
		if err == nil || len(ex.set) != 0 {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestCovLoginAuthorizeEndpointWithQuery: an authorization endpoint that
// already has a query gets the parameters appended with &.
func TestCovLoginAuthorizeEndpointWithQuery(t *testing.T) {
	tr := &transaction{State: "s", Nonce: "n", CodeVerifier: "v"}
	got := authorizeURL("https://op.example/authorize?tenant=a", map[string]string{"scope": "openid", "dpop_jkt": "caller"},
		"cid", "https://app/cb", tr, "thumb")
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("tenant") != "a" || q.Get("client_id") != "cid" || len(q["dpop_jkt"]) != 1 || q.Get("dpop_jkt") != "thumb" {
		t.Fatalf("url %s", got)
	}
}

// TestCovLoginPAR: with pushed authorization requests (configured or
// required by the provider) the parameters go to the PAR endpoint,
// authenticated, and the browser only gets client_id and request_uri;
// provider refusals and outages map to distinct errors.
func TestCovLoginPAR(t *testing.T) {
	tests := []struct {
		name     string
		option   bool             // WithPushedAuthorizationRequests
		meta     map[string]any   // discovery changes
		handler  http.HandlerFunc // PAR endpoint (nil: success)
		wantCode string           // "" = success
		status   int
	}{
		{name: "configured", option: true},
		{name: "required by the provider", meta: map[string]any{"require_pushed_authorization_requests": true}},
		{name: "authorization endpoint with a query", option: true, meta: map[string]any{"authorization_endpoint": "AUTHZ?x=1"}},
		{name: "no PAR endpoint", option: true, meta: map[string]any{"pushed_authorization_request_endpoint": nil},
			wantCode: CodePushedAuthorizationRequestError, status: 502},
		{name: "refused", option: true, handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, map[string]any{"error": "invalid_request", "error_description": "bad scope"})
		}, wantCode: CodeAuthorizationError, status: 400},
		{name: "invalid_client", option: true, handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, map[string]any{"error": "invalid_client"})
		}, wantCode: CodePushedAuthorizationRequestError, status: 502},
		{name: "server error", option: true, handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "oops", http.StatusServiceUnavailable)
		}, wantCode: CodePushedAuthorizationRequestError, status: 502},
		{name: "no request_uri", option: true, handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 201, map[string]any{"expires_in": 60})
		}, wantCode: CodePushedAuthorizationRequestError, status: 502},
		{name: "not JSON", option: true, handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(201)
			w.Write([]byte("<html>"))
		}, wantCode: CodePushedAuthorizationRequestError, status: 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			for k, v := range tt.meta {
				if s, ok := v.(string); ok {
					v = strings.Replace(s, "AUTHZ", op.srv.URL+"/authorize", 1)
				}
				if v == nil {
					delete(op.meta, k)
				} else {
					op.meta[k] = v
				}
			}
			h := tt.handler
			if h == nil {
				h = func(w http.ResponseWriter, r *http.Request) {
					writeJSON(w, 201, map[string]any{"request_uri": "urn:ietf:params:oauth:request_uri:abc", "expires_in": 60})
				}
			}
			op.handle("/oauth/par", h)
			c := newScriptClient(t, op, WithPushedAuthorizationRequests(tt.option))
			ex := covLoginExchange(c.s.routes.Login, "returnTo=/r&audience=https://api/", nil)
			res, _ := c.handle(context.Background(), ex)
			if tt.wantCode != "" {
				_, err := c.startLogin(context.Background(), covLoginExchange(c.s.routes.Login, "", nil), LoginOptions{})
				if covLoginCode(err) != tt.wantCode || res.Status != tt.status || len(ex.set) != 0 {
					t.Fatalf("err = %v, route %d, cookies %d", err, res.Status, len(ex.set))
				}
				return
			}
			if res.Status != 307 {
				t.Fatalf("status %d: %s", res.Status, res.Body)
			}
			u, _ := url.Parse(res.Location)
			q := u.Query()
			if u.Path != "/authorize" || q.Get("client_id") != "client-1" || q.Get("request_uri") != "urn:ietf:params:oauth:request_uri:abc" ||
				q.Has("state") || q.Has("scope") {
				t.Fatalf("authorize url %s", res.Location)
			}
			par := op.lastTo("/oauth/par")
			if par.Method != "POST" || par.Form.Get("client_secret") != "s" || par.Form.Get("audience") != "https://api/" ||
				par.Form.Get("code_challenge_method") != "S256" || par.Form.Get("state") == "" {
				t.Fatalf("PAR form %v", par.Form)
			}
			// The transaction was saved: the callback completes.
			op.mu.Lock()
			op.nonce = par.Form.Get("nonce")
			op.mu.Unlock()
			f := op.callback(c, u, ex.set, "code=c1&state="+par.Form.Get("state"))
			if f.Response.Status != 307 || f.Session == nil || !strings.HasSuffix(f.Response.Location, "/r") {
				t.Fatalf("callback %d %s", f.Response.Status, f.Response.Body)
			}
		})
	}
}

// TestCovLoginPARNotForLinkFlows: the account-linking flows never push
// their request (their forced parameters go in the URL).
func TestCovLoginPARNotForLinkFlows(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op, WithPushedAuthorizationRequests(true))
	u, _ := covLoginStart(t, op, c, LoginOptions{flow: "link", forced: map[string]string{"prompt": "login"}})
	if u.Query().Get("prompt") != "login" || len(op.requestsTo("/oauth/par")) != 0 {
		t.Fatalf("url %s, PAR requests %d", u, len(op.requestsTo("/oauth/par")))
	}
}
