package auth0kit

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"
)

// fixture is ../shared/reference/fixtures/session.json: the realistic
// Auth0 session the JS SDKs' figures were measured on.
type fixture struct {
	Secret, ClientID, Issuer, IDToken, AccessToken, RefreshToken, Scope, Audience, SID string
	ExpiresAt                                                                          int64
	User                                                                               json.RawMessage
}

func loadFixture(tb testing.TB) (*fixture, *Session) {
	tb.Helper()
	b, err := os.ReadFile("../../shared/reference/fixtures/session.json")
	if err != nil {
		tb.Skip("fixture not available:", err)
	}
	var fx fixture
	if err := json.Unmarshal(b, &fx); err != nil {
		tb.Fatal(err)
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(fx.User, &claims); err != nil {
		tb.Fatal(err)
	}
	// Build it exactly as a login with these tokens does.
	c := fixtureConfigClient(tb, &fx)
	s := c.newSession(claims, &tokenResponse{AccessToken: fx.AccessToken, IDToken: fx.IDToken,
		RefreshToken: fx.RefreshToken, Scope: fx.Scope, TokenType: "Bearer", ExpiresIn: "86400"},
		fx.Scope, fx.Audience, time.Now().Unix())
	s.TokenSet.ExpiresAt = fx.ExpiresAt
	s.Internal.SID = fx.SID
	s.User = filterClaims(s.User, c.s.claims)
	return &fx, s
}

// fixtureConfigClient is a client configured like the app that made the
// fixture session (its tenant, client, secret and API audience).
func fixtureConfigClient(tb testing.TB, fx *fixture) *Client {
	c, err := New(WithDomain(fx.Issuer), WithClientID(fx.ClientID), WithClientSecret("fixture-client-secret"), WithSecret(fx.Secret),
		WithAppBaseURL("http://127.0.0.1:3000"),
		WithAuthorizationParams(map[string]string{"audience": fx.Audience, "scope": fx.Scope}))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func fixtureClient(tb testing.TB) (*Client, *http.Cookie) {
	fx, s := loadFixture(tb)
	c := fixtureConfigClient(tb, fx)
	v, err := c.keys.session.SealSession(s, time.Now().Add(time.Hour).Unix())
	if err != nil {
		tb.Fatal(err)
	}
	return c, &http.Cookie{Name: "__session", Value: v}
}

func TestFixtureCookieSize(t *testing.T) {
	_, ck := fixtureClient(t)
	n := len(ck.Value)
	t.Logf("fixture session cookie: %d bytes", n)
	if n > 3329 {
		t.Fatalf("fixture session cookie is %d bytes, want ≤ 3329 (nextjs-auth0's size)", n)
	}
}

// BenchmarkSessionRead is the per-request cost of reading the fixture
// session from its cookie: decrypt + decode, through the public API.
func BenchmarkSessionRead(b *testing.B) { benchSessionRead(b, true) }

// BenchmarkSessionReadRepeat is a request whose cookie value was read
// before: the roll cache's remembered payload, copied, instead of a
// decryption.
func BenchmarkSessionReadRepeat(b *testing.B) { benchSessionRead(b, false) }

// benchSessionRead reads the fixture session from its cookie b.N times;
// firstRead keeps payloads out of the roll cache, so every read decrypts.
func benchSessionRead(b *testing.B, firstRead bool) {
	c, ck := fixtureClient(b)
	c.rolls.keyOnly = firstRead
	ex := &testExchange{method: "GET", path: "/", cookies: []*http.Cookie{ck}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s, err := c.getSession(ctx, ex)
		if err != nil || s == nil {
			b.Fatal("no session", err)
		}
	}
}

// BenchmarkSessionBindUnused is what a request pays when its handler never
// looks at the session (rolling check excluded): binding only.
func BenchmarkSessionBindUnused(b *testing.B) {
	c, ck := fixtureClient(b)
	ex := &testExchange{method: "GET", path: "/", cookies: []*http.Cookie{ck}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = c.bind(ctx, ex)
	}
}

// BenchmarkSessionWrite is the cost of encrypting and setting the fixture
// session cookie (login, rolling extension, UpdateSession).
func BenchmarkSessionWrite(b *testing.B) {
	c, _ := fixtureClient(b)
	_, s := loadFixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ex := &testExchange{method: "GET", path: "/"}
		if err := c.writeSession(ctx, ex, &cookieSession{}, s, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetAccessTokenCached is a request that asks for the access
// token while the cached one is valid: session read (decrypt + decode)
// plus the token choice, no network.
func BenchmarkGetAccessTokenCached(b *testing.B) {
	c, ck := fixtureClient(b)
	ex := &testExchange{method: "GET", path: "/", cookies: []*http.Cookie{ck}}
	b.ReportAllocs()
	for b.Loop() {
		ctx := c.bind(context.Background(), ex)
		at, err := c.GetAccessToken(ctx, AccessTokenOptions{})
		if err != nil || at.Token == "" {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetAccessTokenCachedLoaded is the same call when the request
// already read its session (a handler that greeted the user first).
func BenchmarkGetAccessTokenCachedLoaded(b *testing.B) {
	c, ck := fixtureClient(b)
	ex := &testExchange{method: "GET", path: "/", cookies: []*http.Cookie{ck}}
	ctx := c.bind(context.Background(), ex)
	if _, err := c.GetSession(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		at, err := c.GetAccessToken(ctx, AccessTokenOptions{})
		if err != nil || at.Token == "" {
			b.Fatal(err)
		}
	}
}
