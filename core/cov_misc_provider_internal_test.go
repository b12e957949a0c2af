package auth0kit

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
	"github.com/go-jose/go-jose/v4"
)

// miscResolverClient is a resolver-mode client for op: 127.0.0.1:1 (via
// the DomainMap's port fallback) resolves to op; "fail.example" is refused
// by the resolver; "bad.example" resolves to a malformed domain.
func miscResolverClient(t *testing.T, op *scriptOP, opts ...Option) *Client {
	t.Helper()
	m := DomainMap(map[string]string{" 127.0.0.1 ": op.issuer(), "Pub.Example.com": op.issuer()})
	resolver := func(ctx context.Context, r RequestInfo) (string, error) {
		switch r.Host {
		case "bad.example":
			return "ftp://x", nil
		}
		return m(ctx, r)
	}
	base := []Option{WithDomainResolver(resolver), WithClientID("client-1"), WithClientSecret("s"),
		WithSecret(strings.Repeat("k", 32)), WithTuning(Tuning{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})}
	c, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCovMiscResolverMode: a login stamped with its domain; requests whose
// host the resolver refuses or maps to a bad domain fail; a proxy's
// forwarded host counts only from a trusted peer; a back-channel logout is
// scoped to its issuer.
func TestCovMiscResolverMode(t *testing.T) {
	op := newScriptOP(t)
	rl := sessionstore.NewMemory()
	c := miscResolverClient(t, op, WithRevocationList(rl))
	f := miscBoundLogin(t, op, c)
	if f.Session == nil || !sameIssuer(f.Session.Internal.MCDIssuer, op.issuer()) || f.Session.Internal.MCDDomain != "127.0.0.1:"+strings.Split(op.srv.URL, ":")[2] {
		t.Fatalf("resolver-mode session %+v (%d %s)", f.Session, f.Response.Status, f.Response.Body)
	}

	req := func(host, remote string, hdr map[string]string) (context.Context, *testExchange) {
		ex := &testExchange{method: "GET", path: "/", host: host, remote: remote, header: http.Header{}, cookies: liveCookies(f.Cookies)}
		for k, v := range hdr {
			ex.header.Set(k, v)
		}
		return c.Adapter().Bind(context.Background(), ex), ex
	}
	// The resolver refuses the host: reads and writes fail with its error.
	ctx, _ := req("unknown.example", "1.2.3.4:1", nil)
	if _, err := c.GetSession(ctx); HTTPStatus(err) != 400 {
		t.Fatalf("GetSession on an unknown host: %v", err)
	}
	if err := c.UpdateSession(ctx, f.Session); HTTPStatus(err) != 400 {
		t.Fatalf("UpdateSession on an unknown host: %v", err)
	}
	// The resolver's answer is not a domain: 500.
	ctx, _ = req("bad.example", "1.2.3.4:1", nil)
	if _, err := c.RequestIssuer(ctx); !errors.Is(err, ErrInvalidConfiguration) {
		t.Fatalf("bad domain: %v", err)
	}
	// Forwarded host from a trusted proxy selects the domain; from anyone
	// else it is ignored.
	ctx, _ = req("internal", "10.0.0.7:1", map[string]string{"X-Forwarded-Host": "pub.example.com", "X-Forwarded-Proto": "https"})
	if iss, err := c.RequestIssuer(ctx); err != nil || iss != op.issuer() {
		t.Fatalf("trusted forwarded host: %q %v", iss, err)
	}
	ctx, _ = req("internal", "1.2.3.4:1", map[string]string{"X-Forwarded-Host": "pub.example.com"})
	if _, err := c.RequestIssuer(ctx); err == nil {
		t.Fatal("untrusted forwarded host believed")
	}
	ctx, _ = req("127.0.0.1:1", "", nil)
	if ok, err := c.sessionDomainOK(ctx, nil, nil); !ok || err != nil {
		t.Fatal("a nil session is always fine")
	}

	// An unbound back-channel logout cannot know its issuer.
	if err := c.HandleBackchannelLogout(context.Background(), op.logoutToken(nil)); !errors.Is(err, ErrNotBound) {
		t.Fatalf("unbound back-channel logout in resolver mode: %v", err)
	}
	// Through the route: revoked under the issuer-scoped sid.
	res, _, _ := miscServe(c, "POST", "/auth/backchannel-logout", "", nil, url.Values{"logout_token": {op.logoutToken(map[string]any{"sub": nil})}})
	if res.Status != 200 {
		t.Fatalf("back-channel logout: %d %s", res.Status, res.Body)
	}
	scoped := strings.TrimSuffix(op.issuer(), "/") + "\x00sid-user-1"
	if r, _ := rl.Revoked(context.Background(), scoped, "", time.Now()); !r {
		t.Fatal("revocation not scoped to the issuer")
	}
	if r, _ := rl.Revoked(context.Background(), "sid-user-1", "", time.Now()); r {
		t.Fatal("unscoped sid revoked")
	}
	if s := miscGet(t, c, f.Cookies); s != nil {
		t.Fatal("session read after its back-channel logout")
	}
}

// miscBoundLogin is op.login through Serve, whose context is bound to the
// request (resolver mode needs it to resolve the issuer).
func miscBoundLogin(t *testing.T, op *scriptOP, c *Client) *loginFlow {
	t.Helper()
	start := &testExchange{method: "GET", path: "/auth/login", host: "127.0.0.1:1", header: http.Header{}}
	_, res := c.Adapter().Serve(context.Background(), start)
	if res == nil || res.Status != http.StatusTemporaryRedirect {
		t.Fatalf("login: %+v", res)
	}
	loc, _ := url.Parse(res.Location)
	op.mu.Lock()
	op.nonce = loc.Query().Get("nonce")
	op.mu.Unlock()
	cb := &testExchange{method: "GET", path: "/auth/callback", rawQuery: "code=c1&state=" + url.QueryEscape(loc.Query().Get("state")),
		host: "127.0.0.1:1", header: http.Header{}, cookies: start.set}
	_, res = c.Adapter().Serve(context.Background(), cb)
	f := &loginFlow{AuthorizeURL: loc, Callback: cb, Response: res, Cookies: cb.set}
	if res.Status < 400 {
		ctx, _ := boundRequest(c, "GET", "/", cb.set)
		f.Session, _ = c.GetSession(ctx)
	}
	return f
}

// TestCovMiscDomainHelpers covers the small domain helpers.
func TestCovMiscDomainHelpers(t *testing.T) {
	m := DomainMap(map[string]string{"a.example.com": "tenant-a.auth0.com", "b.example.com:8443": "tenant-b.auth0.com"})
	for host, want := range map[string]string{"a.example.com": "tenant-a.auth0.com", "a.example.com:9000": "tenant-a.auth0.com",
		"b.example.com:8443": "tenant-b.auth0.com", "b.example.com": "", "[::1]": "", "c.example.com": ""} {
		got, err := m(context.Background(), RequestInfo{Host: host})
		if got != want || (want == "") != (err != nil) {
			t.Errorf("DomainMap(%q) = %q, %v", host, got, err)
		}
	}
	ctx := context.Background()
	if withIssuer(ctx, "") != ctx {
		t.Error("withIssuer with no issuer changed the context")
	}
	c := newTestClient(t)
	if iss, err := c.issuer(withIssuer(ctx, "https://x.example.com/")); err != nil || iss != "https://x.example.com/" {
		t.Errorf("explicit issuer %q %v", iss, err)
	}
	if issuerDomain("http://[::1") != "" || issuerDomain("https://A.example.com:1/") != "a.example.com:1" {
		t.Error("issuerDomain")
	}
	var seen RequestInfo
	rc, err := New(WithClientID("c"), WithClientSecret("s"), WithSecret(strings.Repeat("k", 32)),
		WithDomainResolver(func(_ context.Context, r RequestInfo) (string, error) { seen = r; return "tenant.example.com", nil }))
	if err != nil {
		t.Fatal(err)
	}
	tx := tlsExchange{&testExchange{method: "GET", path: "/p", host: "App.example.com", header: http.Header{}}}
	if iss, err := rc.RequestIssuer(rc.Adapter().Bind(ctx, tx)); err != nil || iss != "https://tenant.example.com/" ||
		seen.Scheme != "https" || seen.Host != "app.example.com" || seen.Path != "/p" {
		t.Errorf("TLS request: %q %v, resolver saw %+v", iss, err, seen)
	}
	cl := sessionstore.LogoutTokenClaims{SID: "s", Sub: "u"}
	if issuerScoped(cl, "https://i/", false) != cl || issuerScoped(cl, "", true) != cl {
		t.Error("issuerScoped changed claims outside resolver mode")
	}
	if got := issuerScoped(sessionstore.LogoutTokenClaims{Sub: "u"}, "https://i/", true); got.SID != "" || got.Sub != "https://i\x00u" {
		t.Errorf("scoped sub-only claims %q", got)
	}
}

// TestCovMiscLogoutTokenChecks: the refusals of verifyLogoutToken and
// HandleBackchannelLogout not covered elsewhere.
func TestCovMiscLogoutTokenChecks(t *testing.T) {
	op := newScriptOP(t)
	now := time.Now()
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	hdr := b64(`{"alg":"RS256","typ":"logout+jwt"}`)
	tests := []struct {
		name, token, reason string
	}{
		{"too large", strings.Repeat("a", 16<<10+1), "logout_token too large"},
		{"payload not base64", hdr + ".!!!.sig", "malformed JWT payload"},
		{"payload not JSON", hdr + "." + b64("[1,") + ".sig", "malformed JWT payload"},
		{"no iat", op.logoutToken(map[string]any{"iat": nil}), "iat claim missing"},
		{"iat too old", op.logoutToken(map[string]any{"iat": now.Add(-10 * time.Minute).Unix()}), "iat is too old"},
		{"expired", op.logoutToken(map[string]any{"exp": now.Add(-time.Minute).Unix()}), "expired"},
		{"no jti", op.logoutToken(map[string]any{"jti": nil}), "verification failed"},
	}
	c := newScriptClient(t, op, WithSessionStore(sessionstore.NewMemory()))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.HandleBackchannelLogout(context.Background(), tt.token)
			var lte *LogoutTokenError
			if !errors.As(err, &lte) || lte.Reason != tt.reason || !errors.Is(err, ErrBackchannelLogout) || HTTPStatus(err) != 400 {
				t.Fatalf("err = %v, want reason %q", err, tt.reason)
			}
		})
	}
	// An aud list containing the client is accepted; a delivery of the
	// same token again is a replay, even without a shared replay cache.
	c = newScriptClient(t, op, WithSessionStore(&miscFailStore{Store: sessionstore.NewMemory()}))
	tok := op.logoutToken(map[string]any{"aud": []string{"other", "client-1"}})
	if err := c.HandleBackchannelLogout(context.Background(), tok); err != nil {
		t.Fatalf("aud list: %v", err)
	}
	var lte *LogoutTokenError
	if err := c.HandleBackchannelLogout(context.Background(), tok); !errors.As(err, &lte) || !strings.Contains(lte.Reason, "replay") {
		t.Fatalf("replay: %v", err)
	}
	// Without a session store the 30-day horizon applies to revocations.
	clock := time.Now()
	rl := sessionstore.NewMemoryClock(func() time.Time { return clock })
	c = newScriptClient(t, op, WithRevocationList(rl), WithSession(SessionOptions{AbsoluteDuration: -1}))
	if err := c.HandleBackchannelLogout(context.Background(), op.logoutToken(map[string]any{"sid": nil})); err != nil {
		t.Fatal(err)
	}
	created := clock.Add(-time.Minute)
	for _, tc := range []struct {
		after   time.Duration
		revoked bool
	}{{29 * 24 * time.Hour, true}, {30*24*time.Hour + time.Minute, false}} {
		clock = time.Now().Add(tc.after)
		if got, err := rl.Revoked(context.Background(), "", "user-1", created); err != nil || got != tc.revoked {
			t.Fatalf("revoked %v after %v = %v, %v", tc.revoked, tc.after, got, err)
		}
	}

	e := &LogoutTokenError{Reason: "r", Err: errors.New("cause")}
	if e.Error() != "auth0kit: invalid logout token: r: cause" || !errors.Is(e, e.Err) {
		t.Fatalf("Error() = %q", e.Error())
	}
}

// TestCovMiscJTICache: expired jtis are pruned once the cache is large.
func TestCovMiscJTICache(t *testing.T) {
	var j jtiCache
	now := time.Unix(1_800_000_000, 0)
	for i := range 10001 {
		j.mark("old-"+strconv.Itoa(i), now.Add(-time.Second), now.Add(-time.Minute))
	}
	j.mark("live", now.Add(time.Minute), now.Add(-time.Minute))
	j.mark("new", now.Add(time.Minute), now)
	if len(j.used) != 2 || !j.seen("live", now) || j.seen("old-1", now) {
		t.Fatalf("%d jtis kept after pruning", len(j.used))
	}
}

// TestCovMiscDiscoveryErrors: each malformed discovery answer is a
// discovery error (502), and the client authentication method is checked
// against the provider's list, cached or not.
func TestCovMiscDiscoveryErrors(t *testing.T) {
	tests := []struct {
		name string
		h    http.HandlerFunc
		msg  string
	}{
		{"not JSON", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) }, "not JSON"},
		{"issuer mismatch", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"issuer": "https://evil.example/"})
		}, "does not match"},
		{"status", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }, "answered 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			op.handle("/.well-known/openid-configuration", tt.h)
			c := newScriptClient(t, op)
			_, err := c.discover(context.Background())
			if !errors.Is(err, ErrDiscovery) || HTTPStatus(err) != 502 || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("missing endpoints", func(t *testing.T) {
		op := newScriptOP(t)
		delete(op.meta, "jwks_uri")
		_, err := newScriptClient(t, op).discover(context.Background())
		if !errors.Is(err, ErrDiscovery) || !strings.Contains(err.Error(), "lacks") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unreachable and bad URL", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		c := newTestClient(t)
		if _, err := c.fetchMetadata(context.Background(), srv.URL+"/"); !errors.Is(err, ErrDiscovery) || !strings.Contains(err.Error(), "request failed") {
			t.Fatalf("closed server: %v", err)
		}
		if _, err := c.fetchMetadata(context.Background(), "http://[::1/"); !errors.Is(err, ErrDiscovery) || !strings.Contains(err.Error(), "bad discovery URL") {
			t.Fatalf("bad URL: %v", err)
		}
	})
	t.Run("unsupported auth method, fresh and cached", func(t *testing.T) {
		op := newScriptOP(t)
		op.meta["token_endpoint_auth_methods_supported"] = []string{"private_key_jwt"}
		c := newScriptClient(t, op)
		for i := range 2 {
			if _, err := c.discover(context.Background()); !errors.Is(err, ErrClientAuthMethodUnsupported) {
				t.Fatalf("discovery %d: %v", i, err)
			}
		}
		if op.disc.Load() != 1 {
			t.Fatalf("%d discoveries, want 1 (cached)", op.disc.Load())
		}
	})
	t.Run("cache put replaces and evicts", func(t *testing.T) {
		dc := NewDiscoveryCache(time.Minute, 2)
		now := time.Now()
		p1, p2 := &provider{}, &provider{}
		dc.put("a", p1, now)
		dc.put("a", p2, now)
		if dc.order.Len() != 1 || dc.get("a", now) != p2 {
			t.Fatal("re-put did not replace the entry")
		}
		dc.put("b", p1, now)
		dc.put("c", p1, now)
		if dc.get("a", now) != nil || dc.get("c", now) != p1 {
			t.Fatal("least recently used entry not evicted")
		}
	})
}

// TestCovMiscKeySetErrors: the JWKS fetch failures and the key-set cache.
func TestCovMiscKeySetErrors(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	mk := func(uri string) *keySet {
		return &keySet{uri: uri, hc: http.DefaultClient, timeout: time.Second, now: func() time.Time { return now }, cooldown: time.Minute}
	}
	jwks := func(body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for name, uri := range map[string]string{
		"bad jwks_uri":       "http://[::1",
		"request failed":     closed.URL,
		"not a JSON key set": jwks("nope"),
	} {
		if _, err := mk(uri).fetch(ctx); !errors.Is(err, ErrDiscovery) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// A fetch within the cooldown of another returns the keys it got.
	k := mk(jwks(`{"keys":[]}`))
	k.keys, k.loaded, k.lastFetch = []jose.JSONWebKey{{KeyID: "cached"}}, true, now
	if keys, err := k.fetch(ctx); err != nil || len(keys) != 1 || keys[0].KeyID != "cached" {
		t.Fatalf("fetch within the cooldown = %v, %v", keys, err)
	}
	// A token without kid matches every key; an empty loaded set refuses it.
	if got := matchKeys(k.keys, ""); len(got) != 1 {
		t.Fatal("matchKeys without kid")
	}
	k.keys = nil
	if _, err := k.keysFor(ctx, ""); !errors.Is(err, errUnknownKey) {
		t.Fatalf("no kid, no keys: %v", err)
	}
	if _, err := k.VerifySignature(ctx, "not-a-jws"); err == nil {
		t.Fatal("garbage verified")
	}

	// keySetFor replaces a set whose jwks_uri changed, and bounds the LRU.
	c := newTestClient(t)
	a := c.keySetFor(&provider{meta: Metadata{Issuer: "https://i/", JWKSURI: "https://i/jwks"}})
	if c.keySetFor(&provider{meta: Metadata{Issuer: "https://i/", JWKSURI: "https://i/jwks"}}) != a {
		t.Fatal("same issuer and URI got a new key set")
	}
	if b := c.keySetFor(&provider{meta: Metadata{Issuer: "https://i/", JWKSURI: "https://i/jwks2"}}); b == a || b.uri != "https://i/jwks2" {
		t.Fatal("changed jwks_uri kept the old key set")
	}
	for i := range maxKeySets + 5 {
		c.keySetFor(&provider{meta: Metadata{Issuer: "https://i" + strconv.Itoa(i) + "/", JWKSURI: "u"}})
	}
	if n := c.jwks.order.Len(); n != maxKeySets || len(c.jwks.byIss) != maxKeySets {
		t.Fatalf("%d key sets kept, want %d", n, maxKeySets)
	}
	if _, ok := c.jwks.byIss["https://i/"]; ok {
		t.Fatal("least recently used key set not evicted")
	}
}
