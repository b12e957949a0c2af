package auth0kit

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Helpers of the cov_login_* tests (login, callback, refresh, logout and
// the outgoing-request layer), all driven against the scripted provider.

// covLoginExchange is a request to the app at path with query and
// cookies.
func covLoginExchange(path, query string, cookies []*http.Cookie) *testExchange {
	return &testExchange{method: "GET", path: path, rawQuery: query, host: "127.0.0.1:1", header: http.Header{}, cookies: liveCookies(cookies)}
}

// covLoginStart calls startLogin with opts and returns the URL the browser
// is sent to and the transaction cookies. The provider's nonce is set from
// the authorization URL (or from the PAR request when there is one).
func covLoginStart(t *testing.T, op *scriptOP, c *Client, opts LoginOptions) (*url.URL, []*http.Cookie) {
	t.Helper()
	ex := covLoginExchange(c.s.routes.Login, "", nil)
	loc, err := c.startLogin(context.Background(), ex, opts)
	if err != nil {
		t.Fatalf("startLogin: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	nonce := u.Query().Get("nonce")
	if nonce == "" && u.Query().Get("request_uri") != "" {
		nonce = op.lastTo("/oauth/par").Form.Get("nonce")
	}
	op.mu.Lock()
	op.nonce = nonce
	op.mu.Unlock()
	return u, ex.set
}

// covLoginStateOf returns the state of a login (from the authorization
// URL, or from the PAR request).
func covLoginStateOf(op *scriptOP, u *url.URL) string {
	if s := u.Query().Get("state"); s != "" {
		return s
	}
	return op.lastTo("/oauth/par").Form.Get("state")
}

// covLoginComplete runs completeLogin on a callback with query and the
// transaction cookies.
func covLoginComplete(c *Client, txn []*http.Cookie, query string) (*Session, CallbackInfo, *testExchange, error) {
	ex := covLoginExchange(c.s.routes.Callback, query, txn)
	s, info, err := c.completeLogin(context.Background(), ex)
	return s, info, ex, err
}

// covLoginMerge returns the cookies of a browser that held old and then
// received set (deletions remove, others replace by name).
func covLoginMerge(old, set []*http.Cookie) []*http.Cookie {
	byName := map[string]*http.Cookie{}
	var order []string
	for _, ck := range append(append([]*http.Cookie(nil), old...), set...) {
		if _, ok := byName[ck.Name]; !ok {
			order = append(order, ck.Name)
		}
		byName[ck.Name] = ck
	}
	var out []*http.Cookie
	for _, n := range order {
		if ck := byName[n]; ck.MaxAge >= 0 && ck.Value != "" {
			out = append(out, ck)
		}
	}
	return out
}

// covLoginCode returns the Code of err's *Error ("" when none).
func covLoginCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// covLoginDeadURL is an address where nothing listens.
func covLoginDeadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/"
}

// covLoginResolverClient is a resolver-mode client (no static domain) of
// the scripted provider.
func covLoginResolverClient(t *testing.T, op *scriptOP, r DomainResolver, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithDomainResolver(r), WithClientID("client-1"), WithClientSecret("s"),
		WithSecret(strings.Repeat("k", 32)), WithAppBaseURL("http://127.0.0.1:1")}
	c, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
