package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// The /me and /my-org proxies against the scripted provider, which plays
// the upstream APIs.

// covProxyRequest builds a browser request to the proxy with the session
// cookies and a same-origin signal.
func covProxyRequest(method, target string, body io.Reader, cookies []*http.Cookie) *http.Request {
	r := httptest.NewRequest(method, "http://127.0.0.1:1"+target, body)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, ck := range liveCookies(cookies) {
		r.AddCookie(ck)
	}
	return r
}

// covProxy serves r on the client's routes through an HTTPExchange.
func covProxy(t *testing.T, c *Client, r *http.Request) (*adapter.Response, *httptest.ResponseRecorder) {
	t.Helper()
	w := httptest.NewRecorder()
	ex := adapter.NewHTTPExchange(w, r)
	res, ok := c.handle(c.Adapter().Bind(context.Background(), ex), ex)
	if !ok {
		t.Fatalf("%s %s not served", r.Method, r.URL.Path)
	}
	return res, w
}

// covProxyOP is a provider with the proxies' client logged in.
func covProxyOP(t *testing.T, opts ...Option) (*scriptOP, *Client, []*http.Cookie) {
	t.Helper()
	op := newScriptOP(t)
	c := newScriptClient(t, op, append([]Option{WithRoutes(Routes{MyAccountProxy: true}), WithRoutes(Routes{MyOrgProxy: true})}, opts...)...)
	f := op.login(c, "")
	if f.Session == nil {
		t.Fatalf("login: %d %s", f.Response.Status, f.Response.Body)
	}
	return op, c, f.Cookies
}

func TestCovProxyForwards(t *testing.T) {
	op, c, cookies := covProxyOP(t)
	op.handle("/me/v1/factors", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Etag", `"e1"`)
		h.Set("X-Request-Id", r.Header.Get("X-Request-Id"))
		h.Set("Set-Cookie", "upstream=1")
		h.Set("X-Internal", "secret")
		h.Set("Link", "</next>; rel=next")
		h.Set("Connection", "Link")
		h.Set("Cache-Control", "public, max-age=600")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"factors":[]}`))
	})
	r := covProxyRequest("GET", "/me/factors?take=5", nil, cookies)
	r.Header.Set("Accept", "application/json")
	r.Header.Set("X-Request-Id", "rid-1")
	r.Header.Set("Authorization", "Basic browser-credentials")
	r.Header.Set("X-Custom", "not forwarded")
	r.Header.Set("Scope", "read:me:factors")
	res, w := covProxy(t, c, r)
	if res.Status != 200 || res.Stream == nil {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if err := res.Write(w); err != nil {
		t.Fatal(err)
	}
	if w.Body.String() != `{"factors":[]}` {
		t.Fatalf("body %q", w.Body.String())
	}
	got := w.Result().Header
	if got.Get("Etag") != `"e1"` || got.Get("X-Request-Id") != "rid-1" || got.Get("Content-Type") != "application/json" ||
		got.Get("Cache-Control") != "no-store" {
		t.Fatalf("answer headers %v", got)
	}
	for _, k := range []string{"X-Internal", "Link", "Connection"} {
		if got.Get(k) != "" {
			t.Fatalf("%s passed back: %v", k, got)
		}
	}
	for _, v := range got.Values("Set-Cookie") {
		if strings.HasPrefix(v, "upstream=") {
			t.Fatal("the upstream's cookie reached the browser")
		}
	}
	up := op.lastTo("/me/v1/factors")
	if a := up.Header.Get("Authorization"); !strings.HasPrefix(a, "Bearer at-") || up.Header.Get("Cookie") != "" ||
		up.Header.Get("X-Request-Id") != "rid-1" || up.Header.Get("Accept") != "application/json" || up.Header.Get("X-Custom") != "" ||
		up.Header.Get("Scope") != "" || up.Form.Get("take") != "5" {
		t.Fatalf("upstream request %v %v", up.Header, up.Form)
	}
	tr := op.lastTo("/oauth/token").Form
	if tr.Get("audience") != op.srv.URL+"/me/" || !strings.Contains(tr.Get("scope"), "read:me:factors") {
		t.Fatalf("token request %v", tr)
	}

	// The refreshed token is reused and /my-org has its own audience.
	tokens := len(op.requestsTo("/oauth/token"))
	op.handleJSON("/my-org/organization/details", 200, map[string]string{"id": "org"})
	res, _ = covProxy(t, c, covProxyRequest("GET", "/my-org/organization/details", nil, mergeCookies(cookies, w.Result().Cookies())))
	if res.Status != 200 {
		t.Fatalf("my-org %d %s", res.Status, res.Body)
	}
	res.Stream.Close()
	if n := len(op.requestsTo("/oauth/token")); n != tokens+1 || op.lastTo("/oauth/token").Form.Get("audience") != op.srv.URL+"/my-org/" {
		t.Fatalf("%d token requests, last %v", n, op.lastTo("/oauth/token").Form)
	}
}

// TestCovProxyStreams: the upstream body reaches the caller as it comes,
// and closing it ends the upstream request.
func TestCovProxyStreams(t *testing.T) {
	op, c, cookies := covProxyOP(t)
	release := make(chan struct{})
	gone := make(chan struct{})
	op.handle("/me/v1/events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte("part1"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
			w.Write([]byte("part2"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case <-r.Context().Done():
		}
		close(gone)
	})
	res, _ := covProxy(t, c, covProxyRequest("GET", "/me/v1/events", nil, cookies))
	if res.Status != 200 || res.Stream == nil {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(res.Stream, buf); err != nil || string(buf) != "part1" {
		t.Fatalf("first part %q %v", buf, err)
	}
	close(release)
	if _, err := io.ReadFull(res.Stream, buf); err != nil || string(buf) != "part2" {
		t.Fatalf("second part %q %v", buf, err)
	}
	if err := res.Stream.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("closing the stream did not end the upstream request")
	}
}

func TestCovProxyPreflight(t *testing.T) {
	op, c, cookies := covProxyOP(t)
	op.handle("/me/v1/factors", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "http://127.0.0.1:1")
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
		w.Header().Set("Set-Cookie", "upstream=1")
		w.WriteHeader(http.StatusNoContent)
	})
	tokens := len(op.requestsTo("/oauth/token"))
	r := covProxyRequest("OPTIONS", "/me/v1/factors", nil, cookies)
	r.Header.Del("Sec-Fetch-Site") // a preflight needs no same-origin signal
	r.Header.Set("Origin", "http://127.0.0.1:1")
	r.Header.Set("Access-Control-Request-Method", "POST")
	r.Header.Set("Access-Control-Request-Headers", "content-type")
	res, _ := covProxy(t, c, r)
	if res.Status != http.StatusNoContent || res.Stream != nil || res.Header.Get("Access-Control-Allow-Methods") != "GET, POST" ||
		res.Header.Get("Set-Cookie") != "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v stream %v", res.Status, res.Header, res.Stream)
	}
	up := op.lastTo("/me/v1/factors")
	if up.Method != "OPTIONS" || up.Header.Get("Authorization") != "" || up.Header.Get("Cookie") != "" ||
		up.Header.Get("Access-Control-Request-Method") != "POST" || up.Header.Get("Origin") != "http://127.0.0.1:1" {
		t.Fatalf("preflight sent %s %v", up.Method, up.Header)
	}
	if len(op.requestsTo("/oauth/token")) != tokens {
		t.Fatal("a preflight fetched a token")
	}
}

// TestCovProxyBodies: request bodies are streamed upstream with their
// length when known, chunked otherwise, and never dropped silently.
func TestCovProxyBodies(t *testing.T) {
	op, c, cookies := covProxyOP(t)
	type seen struct {
		Length  int64
		Chunked bool
		Body    string
	}
	var last atomic.Value
	op.handle("/me/v1/devop/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		last.Store(seen{r.ContentLength, len(r.TransferEncoding) > 0, string(b)})
		w.WriteHeader(http.StatusCreated)
	})
	for _, tc := range []struct {
		name   string
		method string
		body   io.Reader
		length string // the request's Content-Length header
		want   seen
	}{
		{"sized", "POST", strings.NewReader("hello"), "5", seen{5, false, "hello"}},
		{"streamed", "PUT", io.NopCloser(strings.NewReader("chunks")), "", seen{-1, true, "chunks"}},
		{"announced empty", "PATCH", strings.NewReader(""), "0", seen{0, false, ""}},
		{"no body", "DELETE", nil, "", seen{0, false, ""}},
		{"GET never sends one", "GET", strings.NewReader("ignored"), "7", seen{0, false, ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			last.Store(seen{Length: -99})
			r := covProxyRequest(tc.method, "/me/v1/devop/echo", tc.body, cookies)
			r.Header.Del("Content-Length")
			if tc.length != "" {
				r.Header.Set("Content-Length", tc.length)
			}
			r.Header.Set("Content-Type", "application/json")
			res, _ := covProxy(t, c, r)
			if res.Status != http.StatusCreated {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			res.Stream.Close()
			if got := last.Load().(seen); got != tc.want {
				t.Fatalf("upstream saw %+v, want %+v", got, tc.want)
			}
			if ct := op.lastTo("/me/v1/devop/echo").Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q", ct)
			}
		})
	}

	// An exchange that cannot stream bodies refuses one it would drop.
	ex := &testExchange{method: "POST", path: "/me/v1/devop/echo", host: "127.0.0.1:1", cookies: liveCookies(cookies),
		header: http.Header{"Sec-Fetch-Site": {"same-origin"}, "Content-Length": {"5"}}}
	n := len(op.requestsTo("/me/v1/devop/echo"))
	res, _ := c.handle(c.Adapter().Bind(context.Background(), ex), ex)
	if res.Status != http.StatusNotImplemented || len(op.requestsTo("/me/v1/devop/echo")) != n {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	ex = &testExchange{method: "POST", path: "/me/v1/devop/echo", host: "127.0.0.1:1", cookies: liveCookies(cookies),
		header: http.Header{"Sec-Fetch-Site": {"same-origin"}}}
	if res, _ = c.handle(c.Adapter().Bind(context.Background(), ex), ex); res.Status != http.StatusCreated {
		t.Fatalf("body-less POST: %d %s", res.Status, res.Body)
	}
	res.Stream.Close()
}

func TestCovProxyErrors(t *testing.T) {
	op, c, cookies := covProxyOP(t)
	op.handle("/me/v1/guarded", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		covProblem(403, "Forbidden", "scope")(w, r)
	})
	noRefresh := func() []*http.Cookie {
		s := op.sessionOf(c, cookies)
		s.TokenSet.RefreshToken = ""
		v, err := GenerateSessionCookie(s, strings.Repeat("k", 32))
		if err != nil {
			t.Fatal(err)
		}
		return []*http.Cookie{{Name: "__session", Value: v}}
	}
	for _, tc := range []struct {
		name    string
		method  string
		path    string
		cookies []*http.Cookie
		edit    func(r *http.Request)
		status  int
		code    string
	}{
		{name: "dot segments", path: "/me/v1/../../oauth/token", cookies: cookies, status: 400, code: "invalid_request"},
		{name: "encoded slash", path: "/my-org/a%2Fb", cookies: cookies, status: 400, code: "invalid_request"},
		{name: "no session", path: "/me/v1/factors", status: 401, code: "not_authenticated"},
		{name: "cross-site", path: "/me/v1/factors", cookies: cookies, edit: func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
			status: 403, code: CodeCrossSiteRequest},
		{name: "bad scope header", path: "/me/v1/factors", cookies: cookies, edit: func(r *http.Request) { r.Header.Set("Scope", `a"b`) },
			status: 400, code: "invalid_scope"},
		{name: "no token", path: "/me/v1/factors", cookies: noRefresh(), status: 401, code: CodeMissingRefreshToken},
		{name: "upstream refusal passes", path: "/me/v1/guarded", cookies: cookies, status: 403},
		{name: "not found upstream", path: "/me/v1/nothing", cookies: cookies, status: 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "GET"
			}
			r := covProxyRequest(method, "/", nil, tc.cookies)
			r.URL.Path, r.URL.RawPath = tc.path, ""
			if tc.edit != nil {
				tc.edit(r)
			}
			res, _ := covProxy(t, c, r)
			if res.Status != tc.status {
				t.Fatalf("%d %s, want %d", res.Status, res.Body, tc.status)
			}
			if tc.code != "" {
				var body struct {
					Error any `json:"error"`
				}
				if err := json.Unmarshal(res.Body, &body); err != nil || !strings.Contains(string(res.Body), `"`+tc.code+`"`) {
					t.Fatalf("body %s, want code %s", res.Body, tc.code)
				}
			} else {
				res.Stream.Close()
			}
		})
	}

	// A method net/http cannot send is 502, before any network call.
	ex := &testExchange{method: "BAD METHOD", path: "/me/v1/factors", host: "127.0.0.1:1", cookies: liveCookies(cookies),
		header: http.Header{"Sec-Fetch-Site": {"same-origin"}}}
	n := len(op.requestsTo("/me/v1/factors"))
	res, _ := c.handle(c.Adapter().Bind(context.Background(), ex), ex)
	if res.Status != http.StatusBadGateway || !strings.Contains(string(res.Body), "upstream_unreachable") || len(op.requestsTo("/me/v1/factors")) != n {
		t.Fatalf("%d %s", res.Status, res.Body)
	}

	e := &proxyError{timeout: true, err: context.DeadlineExceeded}
	if !errors.Is(e, context.DeadlineExceeded) || e.Error() != "auth0kit: proxy: "+context.DeadlineExceeded.Error() || e.response().Status != 504 {
		t.Fatalf("proxyError %v", e)
	}
}

// TestCovProxyStoreDown: a session store failure is the store's status.
func TestCovProxyStoreDown(t *testing.T) {
	store := &covFlakyStore{Store: sessionstore.NewMemory()}
	_, c, cookies := covProxyOP(t, WithSessionStore(store))
	store.down.Store(true)
	res, _ := covProxy(t, c, covProxyRequest("GET", "/me/v1/factors", nil, cookies))
	if res.Status != http.StatusServiceUnavailable {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
}

// TestCovProxyDPoP: a DPoP-bound API token goes upstream with the DPoP
// scheme and a proof of the upstream URL, never as Bearer.
func TestCovProxyDPoP(t *testing.T) {
	_, priv, _ := GenerateDPoPKey()
	op, c, cookies := covProxyOP(t, WithDPoP(DPoPOptions{PrivateKey: priv}))
	op.handleJSON("/me/v1/factors", 200, map[string]any{"factors": []any{}})
	s := op.sessionOf(c, cookies)
	s.AccessTokens = append(s.AccessTokens, AccessTokenSet{AccessToken: "bound", TokenType: "DPoP", Audience: c.myAccountAudience(),
		Scope: c.scopeFor(c.myAccountAudience()), ExpiresAt: time.Now().Add(time.Hour).Unix()})
	v, err := GenerateSessionCookie(s, strings.Repeat("k", 32))
	if err != nil {
		t.Fatal(err)
	}
	res, _ := covProxy(t, c, covProxyRequest("GET", "/me/factors?x=1", nil, []*http.Cookie{{Name: "__session", Value: v}}))
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	res.Stream.Close()
	up := op.lastTo("/me/v1/factors")
	if up.Header.Get("Authorization") != "DPoP bound" {
		t.Fatalf("Authorization %q", up.Header.Get("Authorization"))
	}
	if cl := verifyProof(t, up.Header.Get("DPoP")); cl.HTU != op.srv.URL+"/me/v1/factors" || cl.HTM != "GET" || cl.ATH != ath("bound") {
		t.Fatalf("proof %+v", cl)
	}
	if got := strconv.Itoa(len(op.requestsTo("/oauth/token"))); got != "1" {
		t.Fatalf("%s token requests: the bound token was not used", got)
	}
}

// TestCovProxyRedirect: an upstream redirect reaches the browser as is;
// the proxy never follows it with the user's token.
func TestCovProxyRedirect(t *testing.T) {
	op, c, cookies := covProxyOP(t)
	op.handle("/me/v1/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/me/v1/elsewhere", http.StatusFound)
	})
	res, _ := covProxy(t, c, covProxyRequest("GET", "/me/v1/moved", nil, cookies))
	if res.Status != http.StatusFound || res.Header.Get("Location") != "/me/v1/elsewhere" {
		t.Fatalf("%d %v", res.Status, res.Header)
	}
	res.Stream.Close()
	if len(op.requestsTo("/me/v1/elsewhere")) != 0 {
		t.Fatal("the redirect was followed")
	}
}
