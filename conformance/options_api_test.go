package conformance_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/adapter"
)

// cibaSession logs jane in by CIBA and returns the session and its cookies.
func cibaSession(t *testing.T, op *devop.Provider, c *auth0kit.Client) (*auth0kit.Session, []*http.Cookie) {
	t.Helper()
	sub, err := op.Subject("jane.doe@example.com")
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	ctx := c.Adapter().Bind(context.Background(), adapter.NewHTTPExchange(w, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/ciba", nil)))
	s, err := c.LoginBackchannel(ctx, auth0kit.BackchannelOptions{BindingMessage: "Sign in", LoginHintSub: sub})
	if err != nil {
		t.Fatal(err)
	}
	return s, (&http.Response{Header: w.Header()}).Cookies()
}

func boundWith(c *auth0kit.Client, cookies []*http.Cookie) (context.Context, *httptest.ResponseRecorder) {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/page", nil)
	for _, ck := range cookies {
		r.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	return c.Adapter().Bind(context.Background(), adapter.NewHTTPExchange(w, r)), w
}

// TestIDTokenClaimsFilterAndGetUser: WithIDTokenClaims keeps only the
// listed claims in the session; GetUser and BaseURL read the bound request.
func TestIDTokenClaimsFilterAndGetUser(t *testing.T) {
	op := devop.Start(t, devop.Options{CIBAApprovalDelay: 50 * time.Millisecond})
	c := newAPIClient(t, op, nil, auth0kit.WithIDTokenClaims("sub", "email"))
	s, cookies := cibaSession(t, op, c)
	if s.User.Email == "" || s.User.Name != "" || s.User.Nickname != "" || len(s.User.Extra) != 0 {
		t.Fatalf("filtered user = %+v", s.User)
	}
	ctx, _ := boundWith(c, cookies)
	u, err := c.GetUser(ctx)
	if err != nil || u == nil || u.Sub != s.User.Sub {
		t.Fatalf("GetUser = %+v %v", u, err)
	}
	base, err := c.BaseURL(ctx)
	if err != nil || base.String() != "http://127.0.0.1:3000" && base.String() != "http://127.0.0.1:3000/" {
		t.Fatalf("BaseURL = %v %v", base, err)
	}
	anon, _ := boundWith(c, nil)
	if u, err := c.GetUser(anon); u != nil || err != nil {
		t.Fatalf("GetUser without a session = %+v %v", u, err)
	}
}

// TestTransactionCookieOptions: WithTransactionCookie shapes the login
// transaction cookie.
func TestTransactionCookieOptions(t *testing.T) {
	op := devop.Start(t, devop.Options{})
	secure := true
	c := newAPIClient(t, op, nil, auth0kit.WithTransactionCookie(auth0kit.TransactionCookieOptions{
		Prefix: "__acme_tx_", MaxAge: 10 * time.Minute, Secure: &secure, SameSite: http.SameSiteNoneMode, Path: "/auth", Domain: "127.0.0.1"}))
	ctx, w := boundWith(c, nil)
	if _, err := c.StartLogin(ctx, auth0kit.LoginOptions{}); err != nil {
		t.Fatal(err)
	}
	var tx *http.Cookie
	for _, ck := range (&http.Response{Header: w.Header()}).Cookies() {
		if strings.HasPrefix(ck.Name, "__acme_tx_") {
			tx = ck
		}
	}
	if tx == nil || tx.MaxAge != 600 || !tx.Secure || tx.SameSite != http.SameSiteNoneMode || tx.Path != "/auth" || tx.Domain != "127.0.0.1" || !tx.HttpOnly {
		t.Fatalf("transaction cookie = %+v (all: %v)", tx, w.Header()["Set-Cookie"])
	}
}

// TestDiscoveryCacheShared: two clients sharing a DiscoveryCache fetch the
// provider metadata once.
func TestDiscoveryCacheShared(t *testing.T) {
	op := devop.Start(t, devop.Options{})
	rec := &recorder{}
	hc := &http.Client{Transport: rec}
	dc := auth0kit.NewDiscoveryCache(time.Minute, 10)
	for range 2 {
		c := newAPIClient(t, op, nil, auth0kit.WithTuning(auth0kit.Tuning{DiscoveryCache: dc}), auth0kit.WithHTTPClient(hc))
		ctx, _ := boundWith(c, nil)
		if _, err := c.StartLogin(ctx, auth0kit.LoginOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(rec.find("/.well-known/openid-configuration", "", "")); n != 1 {
		t.Fatalf("%d discovery requests with a shared cache, want 1", n)
	}
}

// TestHTTPTimeout: Tuning.HTTPTimeout bounds a call to a provider that never
// answers.
func TestHTTPTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // hold the connection open, say nothing
		}
	}()
	c, err := auth0kit.New(auth0kit.WithDomain("http://"+ln.Addr().String()), auth0kit.WithClientID("cid"),
		auth0kit.WithClientSecret("cs"), auth0kit.WithSecret(apiSecret), auth0kit.WithAppBaseURL("http://127.0.0.1:3000"),
		auth0kit.WithTuning(auth0kit.Tuning{HTTPTimeout: 200 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := boundWith(c, nil)
	start := time.Now()
	if _, err := c.StartLogin(ctx, auth0kit.LoginOptions{}); err == nil {
		t.Fatal("login against a silent provider succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v with a 200 ms timeout", d)
	}
}

// TestLoggerAndClockTolerance: WithLogger receives the debug reason a
// cookie is ignored (never the user); Tuning.ClockTolerance and
// Tuning.MFATokenTTL are accepted and validated.
func TestLoggerAndClockTolerance(t *testing.T) {
	op := devop.Start(t, devop.Options{})
	var buf bytes.Buffer
	c := newAPIClient(t, op, nil, auth0kit.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		auth0kit.WithTuning(auth0kit.Tuning{ClockTolerance: 5 * time.Second}), auth0kit.WithTuning(auth0kit.Tuning{MFATokenTTL: time.Minute}))
	ctx, _ := boundWith(c, []*http.Cookie{{Name: "__session", Value: "garbage.garbage.garbage.garbage.garbage"}})
	if s, err := c.GetSession(ctx); s != nil || err != nil {
		t.Fatalf("garbage cookie = %+v %v", s, err)
	}
	if !strings.Contains(buf.String(), "ignoring session cookie") {
		t.Fatalf("log = %q", buf.String())
	}
}

// TestTokenEndpointAuthMethodOption: ClientAuth.Method picks
// client_secret_basic (credentials in the Authorization header, none in
// the body) over the default client_secret_post.
func TestTokenEndpointAuthMethodOption(t *testing.T) {
	op := devop.Start(t, devop.Options{})
	var basic, inBody bool
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPost && r.Body != nil {
			_, _, ok := r.BasicAuth()
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			basic = basic || ok
			inBody = inBody || strings.Contains(string(b), "client_secret=")
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := newAPIClient(t, op, nil, auth0kit.WithClientAuth(auth0kit.ClientAuth{Method: auth0kit.ClientSecretBasic}), auth0kit.WithHTTPClient(hc))
	if _, err := c.CustomTokenExchange(context.Background(), auth0kit.CustomTokenExchangeOptions{
		SubjectToken: "legacy:jane.doe@example.com", SubjectTokenType: "urn:acme:legacy-token"}); err != nil {
		t.Fatal(err)
	}
	if !basic || inBody {
		t.Fatalf("basic auth %v, secret in body %v", basic, inBody)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
