package auth0kit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// scriptOP is a provider on 127.0.0.1 whose endpoints a test scripts: it
// answers discovery and JWKS itself, mints real signed ID tokens for the
// authorization code and refresh grants, and lets each test replace any
// path's handler. Core's own tests use it to reach the answers a
// certified provider rarely gives (errors, malformed bodies, outages);
// the protocol itself is tested against devop and node oidc-provider in
// the conformance suite.
type scriptOP struct {
	*testOP
	t *testing.T

	mu       sync.Mutex
	meta     map[string]any              // discovery document; tests may edit before the first discovery
	handlers map[string]http.HandlerFunc // path → handler (overrides the defaults)
	requests []scriptRequest             // every request, in order
	nonce    string                      // nonce of the last authorization request
	claims   map[string]any              // extra ID token claims
}

// scriptRequest is one request the scripted provider received.
type scriptRequest struct {
	Method, Path string
	Form         url.Values
	Header       http.Header
	Body         []byte
}

// newScriptOP starts a scripted provider with the default endpoints.
func newScriptOP(t *testing.T) *scriptOP {
	t.Helper()
	op := &scriptOP{testOP: &testOP{}, t: t, handlers: map[string]http.HandlerFunc{}, claims: map[string]any{}}
	var err error
	if op.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if op.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	op.srv = httptest.NewServer(http.HandlerFunc(op.serve))
	t.Cleanup(op.srv.Close)
	u := op.srv.URL
	op.meta = map[string]any{
		"issuer": u + "/", "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/oauth/token",
		"jwks_uri": u + "/jwks", "userinfo_endpoint": u + "/userinfo", "end_session_endpoint": u + "/oidc/logout",
		"revocation_endpoint": u + "/oauth/revoke", "pushed_authorization_request_endpoint": u + "/oauth/par",
		"backchannel_authentication_endpoint":   u + "/bc-authorize",
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic", "private_key_jwt"},
	}
	op.handle("/oauth/token", op.defaultToken)
	op.handle("/oauth/revoke", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	return op
}

// handle sets the handler of path.
func (op *scriptOP) handle(path string, h http.HandlerFunc) {
	op.mu.Lock()
	op.handlers[path] = h
	op.mu.Unlock()
}

// handleJSON makes path answer status with v as JSON.
func (op *scriptOP) handleJSON(path string, status int, v any) {
	op.handle(path, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, status, v) })
}

// requestsTo returns the requests received on path.
func (op *scriptOP) requestsTo(path string) []scriptRequest {
	op.mu.Lock()
	defer op.mu.Unlock()
	var out []scriptRequest
	for _, r := range op.requests {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// lastTo returns the last request received on path (fails when none).
func (op *scriptOP) lastTo(path string) scriptRequest {
	op.t.Helper()
	rs := op.requestsTo(path)
	if len(rs) == 0 {
		op.t.Fatalf("no request to %s", path)
	}
	return rs[len(rs)-1]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (op *scriptOP) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	if r.URL.RawQuery != "" {
		q, _ := url.ParseQuery(r.URL.RawQuery)
		for k, v := range q {
			form[k] = append(form[k], v...)
		}
	}
	op.mu.Lock()
	op.requests = append(op.requests, scriptRequest{Method: r.Method, Path: r.URL.Path, Form: form, Header: r.Header.Clone(), Body: body})
	h := op.handlers[r.URL.Path]
	meta := op.meta
	op.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	switch {
	case h != nil:
		h(w, r)
	case r.URL.Path == "/.well-known/openid-configuration":
		op.disc.Add(1)
		op.mu.Lock()
		b, _ := json.Marshal(meta)
		op.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	case r.URL.Path == "/jwks":
		op.jwks.Add(1)
		keys := []jose.JSONWebKey{{Key: op.rsa.Public(), KeyID: "rsa", Use: "sig"}, {Key: op.ec.Public(), KeyID: "ec", Use: "sig"}}
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: keys})
	default:
		http.NotFound(w, r)
	}
}

// idToken returns an ID token for sub with the last authorization
// request's nonce and the test's extra claims.
func (op *scriptOP) idToken(sub string, extra map[string]any) string {
	now := time.Now()
	claims := map[string]any{"iss": op.issuer(), "aud": "client-1", "sub": sub, "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "sid": "sid-" + sub, "name": "Jane Doe", "email": "jane@example.com"}
	op.mu.Lock()
	if op.nonce != "" {
		claims["nonce"] = op.nonce
	}
	for k, v := range op.claims {
		claims[k] = v
	}
	op.mu.Unlock()
	for k, v := range extra {
		claims[k] = v
	}
	return op.sign(op.t, jose.RS256, "rsa", "JWT", claims)
}

// defaultToken answers the authorization code and refresh token grants
// with fresh tokens and an ID token for "user-1".
func (op *scriptOP) defaultToken(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	switch r.Form.Get("grant_type") {
	case "authorization_code", "refresh_token":
		writeJSON(w, 200, map[string]any{
			"access_token": "at-" + randomToken()[:8], "refresh_token": "rt-" + randomToken()[:8],
			"id_token": op.idToken("user-1", nil), "token_type": "Bearer", "expires_in": 3600,
			"scope": "openid profile email offline_access",
		})
	default:
		writeJSON(w, 400, map[string]any{"error": "unsupported_grant_type", "error_description": "not scripted"})
	}
}

// newScriptClient returns a client for op with test defaults (a memory
// session store is not set: sessions are cookies).
func newScriptClient(t *testing.T, op *scriptOP, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithDomain(op.issuer()), WithClientID("client-1"), WithClientSecret("s"),
		WithSecret(strings.Repeat("k", 32)), WithAppBaseURL("http://127.0.0.1:1")}
	c, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// loginFlow is one login driven through the client's own route handlers.
type loginFlow struct {
	AuthorizeURL *url.URL
	Callback     *testExchange  // the callback request, with its answers
	Response     *RouteResponse // the callback route's answer
	Cookies      []*http.Cookie // cookies set by the callback
	Session      *Session       // the session the callback cookies hold
}

// login starts a login on /auth/login with query, follows it to the
// callback with a code, and returns what the callback answered.
func (op *scriptOP) login(c *Client, query string) *loginFlow {
	op.t.Helper()
	ctx := context.Background()
	start := &testExchange{method: "GET", path: c.s.routes.Login, rawQuery: query, host: "127.0.0.1:1", header: http.Header{}}
	res, ok := c.handle(ctx, start)
	if !ok || res.Status != http.StatusFound && res.Status != http.StatusSeeOther && res.Status != http.StatusTemporaryRedirect {
		op.t.Fatalf("login: handled=%v status=%d body=%s", ok, res.Status, res.Body)
	}
	loc, err := url.Parse(res.Location)
	if err != nil {
		op.t.Fatal(err)
	}
	q := loc.Query()
	op.mu.Lock()
	op.nonce = q.Get("nonce")
	op.mu.Unlock()
	return op.callback(c, loc, start.set, "code=c1&state="+url.QueryEscape(q.Get("state")))
}

// callback sends query to the callback route with the transaction
// cookies set by the login.
func (op *scriptOP) callback(c *Client, authorize *url.URL, txn []*http.Cookie, query string) *loginFlow {
	op.t.Helper()
	cb := &testExchange{method: "GET", path: c.s.routes.Callback, rawQuery: query, host: "127.0.0.1:1", header: http.Header{}, cookies: txn}
	res, ok := c.handle(context.Background(), cb)
	if !ok {
		op.t.Fatal("callback not handled")
	}
	f := &loginFlow{AuthorizeURL: authorize, Callback: cb, Response: res, Cookies: cb.set}
	if res.Status < 400 {
		f.Session = op.sessionOf(c, cb.set)
	}
	return f
}

// sessionOf reads the session that cookies hold.
func (op *scriptOP) sessionOf(c *Client, cookies []*http.Cookie) *Session {
	op.t.Helper()
	ex := &testExchange{method: "GET", path: "/", host: "127.0.0.1:1", header: http.Header{}, cookies: liveCookies(cookies)}
	s, err := c.GetSession(c.Adapter().Bind(context.Background(), ex))
	if err != nil {
		op.t.Fatal(err)
	}
	return s
}

// liveCookies drops deletions (MaxAge < 0) from cookies.
func liveCookies(cookies []*http.Cookie) []*http.Cookie {
	var out []*http.Cookie
	for _, ck := range cookies {
		if ck.MaxAge >= 0 && ck.Value != "" {
			out = append(out, ck)
		}
	}
	return out
}

// boundRequest returns a context bound to a request carrying cookies, and
// its exchange (whose set field collects the cookies written).
func boundRequest(c *Client, method, path string, cookies []*http.Cookie) (context.Context, *testExchange) {
	ex := &testExchange{method: method, path: path, host: "127.0.0.1:1", header: http.Header{}, cookies: liveCookies(cookies)}
	return c.Adapter().Bind(context.Background(), ex), ex
}

// TestScriptOPLogin: the scripted provider's login yields a session with
// the minted tokens (a check of the harness itself).
func TestScriptOPLogin(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	f := op.login(c, "returnTo=/after")
	if f.Session == nil || f.Session.User.Sub != "user-1" || f.Session.TokenSet.RefreshToken == "" {
		t.Fatalf("session = %+v, response %d %s", f.Session, f.Response.Status, f.Response.Body)
	}
	if got := f.Response.Location; !strings.HasSuffix(got, "/after") {
		t.Fatalf("callback redirected to %q", got)
	}
	tok := op.lastTo("/oauth/token")
	if tok.Form.Get("code") != "c1" || tok.Form.Get("code_verifier") == "" {
		t.Fatalf("token request form %v", tok.Form)
	}
}
