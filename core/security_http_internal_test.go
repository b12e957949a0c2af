package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/wire"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// Bad input is a 4xx, never a 5xx; provider and server failures keep
// their 5xx.
func TestHTTPStatusClientErrors(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 200},
		{"untrusted origin", &Error{Code: CodeUntrustedOrigin, Message: "m"}, 400},
		{"untrusted origin wrapped", fmt.Errorf("login: %w", &Error{Code: CodeUntrustedOrigin}), 400},
		{"session_expiry passed", &Error{Code: CodeSessionExpired}, 400},
		{"missing state", &Error{Code: CodeMissingState}, 400},
		{"invalid state", &Error{Code: CodeInvalidState}, 400},
		{"id token invalid", &IDTokenError{Reason: "nonce mismatch"}, 400},
		{"authorization error", &Error{Code: CodeAuthorizationError}, 400},
		{"code grant refused", &Error{Code: CodeAuthorizationCodeGrantError}, 400},
		{"logout token refused", &LogoutTokenError{Reason: "expired"}, 400},
		{"mfa token missing", &MfaError{Code: CodeMfaTokenNotFound}, 400},
		{"mfa token expired", &MfaError{Code: CodeMfaTokenExpired}, 401},
		{"mfa token invalid", &MfaError{Code: CodeMfaTokenInvalid}, 401},
		{"mfa bad request", &MfaError{Code: CodeInvalidRequest}, 400},
		{"mfa no factors", &MfaError{Code: CodeMfaNoAvailableFactors}, 400},
		{"mfa wrong otp", &MfaError{Code: "invalid_grant", Err: &OAuthError{Code: "invalid_grant", StatusCode: 403}}, 400},
		{"mfa provider down", &MfaError{Code: "server_error", Err: &OAuthError{Code: "server_error", StatusCode: 503}}, 502},
		{"mfa unreachable", &MfaError{Code: "unexpected_error"}, 502},
		{"mfa required", &MfaRequiredError{}, 403},
		{"no session", &Error{Code: CodeMissingSession}, 401},
		{"missing refresh token", &Error{Code: CodeMissingRefreshToken}, 401},
		{"store down", sessionstore.Unavailable(errors.New("down")), 503},
		{"discovery", &Error{Code: CodeDiscoveryError}, 502},
		{"token endpoint unreachable", &Error{Code: CodeAuthorizationCodeGrantRequestError}, 502},
		{"configuration", &InvalidConfigurationError{Field: "f"}, 500},
		{"logout misconfigured", &Error{Code: CodeLogoutError}, 500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := HTTPStatus(tc.err); got != tc.want {
				t.Fatalf("HTTPStatus(%v) = %d, want %d", tc.err, got, tc.want)
			}
			if tc.err != nil {
				if got := errorResponse(tc.err).Status; got != tc.want {
					t.Fatalf("ErrorResponse status %d, want %d", got, tc.want)
				}
			}
		})
	}
}

// A Host header that is too long, malformed or not in the APP_BASE_URL
// list is a 400 whose body does not repeat it.
func TestBaseURLRefusals(t *testing.T) {
	long := strings.Repeat("a", 300) + ".example"
	cases := []struct {
		name   string
		bases  []string
		host   string
		want   string // "" means refused
		status int
	}{
		{name: "listed origin", bases: []string{"http://a.example", "http://b.example"}, host: "b.example", want: "http://b.example"},
		{name: "unlisted origin", bases: []string{"http://a.example", "http://b.example"}, host: "evil-marker.example", status: 400},
		{name: "unlisted origin with port", bases: []string{"http://a.example", "http://b.example"}, host: "a.example:8443", status: 400},
		{name: "inferred origin", host: "app.example:3000", want: "http://app.example:3000"},
		{name: "300-byte host", host: long, status: 400},
		{name: "host with markup", host: "<script>x</script>", status: 400},
		{name: "empty host", host: "", status: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, WithAppBaseURL(tc.bases...))
			u, err := c.baseURL(&testExchange{method: "GET", path: "/auth/login", host: tc.host, remote: "127.0.0.1:1"})
			if tc.want != "" {
				if err != nil || u.String() != tc.want {
					t.Fatalf("BaseURL = %v, %v; want %s", u, err, tc.want)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeUntrustedOrigin {
				t.Fatalf("err = %v, want %s", err, CodeUntrustedOrigin)
			}
			res := errorResponse(err)
			if res.Status != tc.status {
				t.Fatalf("status %d, want %d", res.Status, tc.status)
			}
			if tc.host != "" && strings.Contains(string(res.Body), tc.host[:8]) {
				t.Fatalf("body %q echoes the Host header", res.Body)
			}
		})
	}
}

// session_expiry at or within 30 s of iat refuses the login (400);
// otherwise it caps the session.
func TestSessionExpiryClaim(t *testing.T) {
	const iat = 1_700_000_000
	cases := []struct {
		name    string
		claim   string // raw JSON; "" means absent
		want    int64
		refused bool
	}{
		{name: "absent"},
		{name: "future", claim: "1700003600", want: 1_700_003_600},
		{name: "passed", claim: "1600000000", refused: true},
		{name: "equal to iat", claim: "1700000000", refused: true},
		{name: "within 30 s of iat", claim: "1700000030", refused: true},
		{name: "31 s after iat", claim: "1700000031", want: 1_700_000_031},
		{name: "not a number", claim: `"soon"`},
		{name: "negative", claim: "-5"},
		{name: "milliseconds", claim: "1700003600000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			claims := map[string]json.RawMessage{}
			if tc.claim != "" {
				claims["session_expiry"] = json.RawMessage(tc.claim)
			}
			got, err := sessionExpiry(claims, iat)
			if tc.refused {
				if err == nil || HTTPStatus(err) != http.StatusBadRequest {
					t.Fatalf("err = %v (status %d), want a 400", err, HTTPStatus(err))
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("sessionExpiry = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

// setCookieNames returns the names of the deletions (Max-Age<0) sent.
func deletedNames(ex *testExchange) map[string]int {
	out := map[string]int{}
	for _, c := range ex.set {
		if c.MaxAge < 0 {
			out[c.Name]++
		}
	}
	return out
}

// Thousands of junk session chunk and transaction cookies cost a bounded
// number of deletions; the legitimate ones are still deleted.
func TestCookieCaps(t *testing.T) {
	const junk = 20000
	build := func(junkName func(i int) string, legitChunks int) *testExchange {
		ex := &testExchange{method: "GET", path: "/auth/logout", host: "app.example.com"}
		for i := range legitChunks {
			ex.cookies = append(ex.cookies, &http.Cookie{Name: wire.ChunkName("__session", i), Value: "v"})
		}
		ex.cookies = append(ex.cookies, &http.Cookie{Name: "__txn_legit-state", Value: "1%3Ax"})
		for i := range junk {
			ex.cookies = append(ex.cookies, &http.Cookie{Name: junkName(i), Value: "x"})
		}
		return ex
	}
	cases := []struct {
		name     string
		junkName func(i int) string
		max      int
	}{
		{"distinct chunk indexes", func(i int) string { return wire.ChunkName("__session", 3+i) }, wire.MaxChunks + 1 + maxTxnCookies},
		{"one chunk name repeated", func(int) string { return "__session__1" }, 3 + maxTxnCookies},
		{"huge chunk indexes", func(i int) string { return fmt.Sprintf("__session__%d000000", i+1) }, 3 + maxTxnCookies},
		{"distinct transactions", func(i int) string { return fmt.Sprintf("__txn_junk%d", i) }, 3 + maxTxnCookies},
		{"one transaction repeated", func(int) string { return "__txn_junk" }, 3 + 2},
		{"transactions with bad states", func(i int) string { return fmt.Sprintf("__txn_%d<>", i) }, 3 + 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t)
			ex := build(tc.junkName, 3)
			c.deleteAllTransactions(ex)
			if err := c.deleteSession(context.Background(), ex, c.scanCookie(ex)); err != nil {
				t.Fatal(err)
			}
			if len(ex.set) > tc.max {
				t.Fatalf("%d Set-Cookie headers, want at most %d", len(ex.set), tc.max)
			}
			del := deletedNames(ex)
			for _, n := range []string{"__session__0", "__session__1", "__session__2", "__txn_legit-state"} {
				if del[n] != 1 {
					t.Errorf("%s deleted %d times, want once", n, del[n])
				}
			}
			// Login's FIFO eviction is bounded the same way.
			ex.set = nil
			if err := c.saveTransaction(ex, &transaction{State: randomToken()}); err != nil {
				t.Fatal(err)
			}
			if len(ex.set) > maxTxnCookies+1 {
				t.Fatalf("login sent %d Set-Cookie headers, want at most %d", len(ex.set), maxTxnCookies+1)
			}
		})
	}
}

// Chunks are still read and rewritten with the bounded set: a chunked
// session reads back, and shrinking it deletes every chunk.
func TestChunkSetReadWrite(t *testing.T) {
	c := newTestClient(t)
	s := &Session{User: User{Sub: "u", Name: strings.Repeat("n", 9000)}, Internal: SessionInternal{SID: "s", CreatedAt: c.s.now().Unix()}}
	w := &testExchange{method: "GET", path: "/", host: "app.example.com"}
	if err := c.writeSession(context.Background(), w, &cookieSession{}, s, true); err != nil {
		t.Fatal(err)
	}
	if len(w.set) < 3 {
		t.Fatalf("want a chunked cookie, got %d cookies", len(w.set))
	}
	r := &testExchange{method: "GET", path: "/", host: "app.example.com", cookies: w.set}
	got, err := c.getSession(context.Background(), r)
	if err != nil || got == nil || got.User.Name != s.User.Name {
		t.Fatalf("chunked session did not read back: %v", err)
	}
	cs := c.scanCookie(r)
	small := &Session{User: User{Sub: "u"}, Internal: s.Internal}
	r.set = nil
	if err := c.writeSession(context.Background(), r, cs, small, false); err != nil {
		t.Fatal(err)
	}
	del := deletedNames(r)
	for i := range len(w.set) {
		if del[wire.ChunkName("__session", i)] != 1 {
			t.Errorf("chunk %d not deleted when the session shrank: %v", i, del)
		}
	}
}

// Every SDK answer carries X-Content-Type-Options: nosniff: routes and
// guards.
func TestNosniffOnSDKAnswers(t *testing.T) {
	c := newTestClient(t)
	check := func(name string, ex *testExchange, res *adapter.Response) {
		t.Helper()
		if res == nil {
			t.Fatalf("%s: no answer", name)
		}
		if got := ex.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s (status %d): X-Content-Type-Options %q", name, res.Status, got)
		}
	}
	ex := &testExchange{method: "GET", path: "/auth/profile", host: "app.example.com"}
	res, ok := c.handle(context.Background(), ex)
	if !ok {
		t.Fatal("profile route not handled")
	}
	check("profile", ex, res)

	ex = &testExchange{method: "GET", path: "/", host: "app.example.com"}
	ctx := c.bind(context.Background(), ex)
	check("page guard", ex, adapter.RequirePage(ctx, "/private"))
	ex = &testExchange{method: "GET", path: "/", host: "app.example.com"}
	ctx = c.bind(context.Background(), ex)
	check("API guard", ex, adapter.RequireAPI(ctx))

	// A request that is not an SDK route is left to the application.
	ex = &testExchange{method: "GET", path: "/app", host: "app.example.com"}
	if _, ok := c.handle(context.Background(), ex); ok || ex.header.Get("X-Content-Type-Options") != "" {
		t.Error("an application route got the SDK's headers")
	}
}

// downStore is a sessionstore.Store whose every call fails.
type downStore struct{}

func (downStore) Get(context.Context, string) (*Session, error) { return nil, errors.New("down") }
func (downStore) Set(context.Context, string, *Session, time.Time) error {
	return errors.New("down")
}
func (downStore) Delete(context.Context, string) error { return errors.New("down") }
func (downStore) DeleteByLogoutToken(context.Context, sessionstore.LogoutTokenClaims) error {
	return errors.New("down")
}

// The middleware's and the guards' store-failure answers carry nosniff
// too.
func TestNosniffOnStoreFailure(t *testing.T) {
	c := newTestClient(t, WithSessionStore(downStore{}))
	now := c.s.now().Unix()
	id, err := c.keys.session.SealJSON(statefulID{ID: "0123456789abcdef0123456789abcdef", CreatedAt: now}, now+60)
	if err != nil {
		t.Fatal(err)
	}
	request := func() (*testExchange, context.Context) {
		ex := &testExchange{method: "GET", path: "/", host: "app.example.com",
			cookies: []*http.Cookie{{Name: "__session", Value: id}}}
		return ex, c.bind(context.Background(), ex)
	}
	ex, ctx := request()
	if err := c.touch(ctx); HTTPStatus(err) != http.StatusServiceUnavailable {
		t.Fatalf("Touch = %v, want a store error", err)
	}
	if ex.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("Touch's store failure: no nosniff")
	}
	for name, guard := range map[string]func(context.Context) *adapter.Response{
		"page": func(ctx context.Context) *adapter.Response { return adapter.RequirePage(ctx, "/") },
		"API":  adapter.RequireAPI,
	} {
		ex, ctx := request()
		if res := guard(ctx); res == nil || res.Status != http.StatusServiceUnavailable {
			t.Fatalf("%s guard: %+v, want 503", name, res)
		}
		if ex.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s guard's store failure: no nosniff", name)
		}
	}
}
