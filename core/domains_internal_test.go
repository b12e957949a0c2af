package auth0kit

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestParseDomainMap(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[string]string
		wantErr bool
	}{
		{in: "a.example.com=tenant-a.auth0.com, B.example.com:8443=https://tenant-b.auth0.com/",
			want: map[string]string{"a.example.com": "tenant-a.auth0.com", "b.example.com:8443": "https://tenant-b.auth0.com/"}},
		{in: "127.0.0.1:3000=http://127.0.0.1:4000/brand-a/", want: map[string]string{"127.0.0.1:3000": "http://127.0.0.1:4000/brand-a/"}},
		{in: "", wantErr: true},
		{in: "a.example.com", wantErr: true},
		{in: "a.example.com=", wantErr: true},
		{in: "a/b=tenant.auth0.com", wantErr: true},
		{in: "a.example.com=http://tenant.auth0.com", wantErr: true}, // plain http only on loopback
	} {
		got, err := parseDomainMap(tc.in)
		if (err != nil) != tc.wantErr {
			t.Fatalf("%q: err %v", tc.in, err)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidConfiguration) {
				t.Fatalf("%q: untyped error %v", tc.in, err)
			}
			continue
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%q: %v", tc.in, got)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Fatalf("%q: %v", tc.in, got)
			}
		}
	}
}

func TestDomainResolverConfig(t *testing.T) {
	base := []Option{WithClientID("id"), WithClientSecret("s"), WithSecret("0123456789abcdef0123456789abcdef")}
	r := DomainMap(map[string]string{"a.example.com": "tenant-a.auth0.com"})
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name    string
		env     map[string]string
		opts    []Option
		wantErr bool
		mode    bool
	}{
		{name: "resolver option", opts: []Option{WithDomainResolver(r)}, mode: true},
		{name: "resolver over env domain", env: map[string]string{"AUTH0_DOMAIN": "x.auth0.com"}, opts: []Option{WithDomainResolver(r)}, mode: true},
		{name: "both as options", opts: []Option{WithDomainResolver(r), WithDomain("x.auth0.com")}, wantErr: true},
		{name: "env map", env: map[string]string{"AUTH0_DOMAIN_MAP": "a.example.com=tenant-a.auth0.com", "APP_BASE_URL": "https://a.example.com"}, mode: true},
		{name: "env map malformed", env: map[string]string{"AUTH0_DOMAIN_MAP": "a.example.com"}, wantErr: true},
		{name: "env map and env domain", env: map[string]string{"AUTH0_DOMAIN_MAP": "a.example.com=t.auth0.com", "AUTH0_DOMAIN": "x.auth0.com"}, wantErr: true},
		{name: "option domain beats env map", env: map[string]string{"AUTH0_DOMAIN_MAP": "a.example.com=t.auth0.com"}, opts: []Option{WithDomain("x.auth0.com")}},
		{name: "static", opts: []Option{WithDomain("x.auth0.com")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := defaultConfig(env(tc.env))
			for _, o := range append(append([]Option{}, base...), tc.opts...) {
				o(&cfg)
			}
			s, err := cfg.resolve()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v", err)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidConfiguration) {
					t.Fatalf("untyped %v", err)
				}
				return
			}
			if (cfg.DomainResolver != nil) != tc.mode || (tc.mode && (s.issuer != "" || len(s.baseURLs) != 0)) {
				t.Fatalf("resolver %v issuer %q base %v", cfg.DomainResolver != nil, s.issuer, s.baseURLs)
			}
		})
	}
}

func TestResolvedIssuer(t *testing.T) {
	calls := 0
	c, err := New(WithClientID("id"), WithClientSecret("s"), WithSecret("0123456789abcdef0123456789abcdef"),
		WithDomainResolver(func(_ context.Context, r RequestInfo) (string, error) {
			calls++
			switch r.Host {
			case "a.example.com":
				return "Tenant-A.auth0.com", nil
			case "empty.example.com":
				return " ", nil
			}
			return "", errors.New("unknown host")
		}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := c.bind(context.Background(), &testExchange{method: "GET", path: "/", host: "A.example.com"})
	for range 3 {
		iss, err := c.RequestIssuer(ctx)
		if err != nil || iss != "https://tenant-a.auth0.com/" {
			t.Fatalf("issuer %q %v", iss, err)
		}
	}
	if calls != 1 {
		t.Fatalf("resolver called %d times for one request", calls)
	}
	ctx = c.bind(context.Background(), &testExchange{method: "GET", path: "/", host: "empty.example.com"})
	_, err = c.RequestIssuer(ctx)
	if !errors.Is(err, ErrInvalidConfiguration) || HTTPStatus(err) != http.StatusInternalServerError {
		t.Fatalf("empty answer: %v (%d)", err, HTTPStatus(err))
	}
	if _, err := c.discover(ctx); !errors.Is(err, ErrInvalidConfiguration) {
		t.Fatalf("discover with an empty answer: %v", err)
	}
	if _, err := c.RequestIssuer(context.Background()); !errors.Is(err, ErrNotBound) {
		t.Fatalf("unbound: %v", err)
	}
}

func TestSessionDomain(t *testing.T) {
	c, err := New(WithClientID("id"), WithClientSecret("s"), WithSecret("0123456789abcdef0123456789abcdef"),
		WithDomainResolver(DomainMap(map[string]string{"a.example.com": "tenant-a.auth0.com", "b.example.com": "tenant-b.auth0.com"})))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	mk := func(iss string) *http.Cookie {
		s := &Session{User: User{Sub: "u"}, TokenSet: TokenSet{AccessToken: "a", IDToken: "x", ExpiresAt: now + 3600},
			Internal: SessionInternal{SID: "s", CreatedAt: now}}
		c.stampDomain(s, iss)
		v, err := c.keys.session.SealSession(s, now+3600)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Cookie{Name: "__session", Value: v}
	}
	cookieA, legacy := mk("https://tenant-a.auth0.com/"), mk("")
	for _, tc := range []struct {
		name   string
		host   string
		cookie *http.Cookie
		want   bool
	}{
		{"own domain", "a.example.com", cookieA, true},
		{"other domain", "b.example.com", cookieA, false},
		{"legacy", "a.example.com", legacy, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &testExchange{method: "GET", path: "/", host: tc.host, cookies: []*http.Cookie{tc.cookie}}
			ctx := c.bind(context.Background(), ex)
			s, err := c.GetSession(ctx)
			if err != nil || (s != nil) != tc.want {
				t.Fatalf("session %v err %v", s != nil, err)
			}
			_, err = c.GetAccessToken(ctx, AccessTokenOptions{})
			switch {
			case tc.want && err != nil:
				t.Fatalf("GetAccessToken: %v", err)
			case !tc.want && !errors.Is(err, ErrNoSession):
				t.Fatalf("GetAccessToken: %v", err)
			case tc.name == "other domain" && !errors.Is(err, ErrDomainMismatch):
				t.Fatalf("GetAccessToken on another domain: %v", err)
			}
			if !tc.want {
				if _, err := c.StartLinkUser(ctx, LinkOptions{Connection: "github"}); !errors.Is(err, ErrNoSession) {
					t.Fatalf("StartLinkUser: %v", err)
				}
			}
		})
	}
}

// BenchmarkSessionReadResolver is BenchmarkSessionRead in resolver mode
// (host-to-domain map, the fixture session stamped with its domain): the
// resolver runs once per request and its answer is memoised.
func BenchmarkSessionReadResolver(b *testing.B) {
	fx, s := loadFixture(b)
	c, err := New(WithClientID(fx.ClientID), WithClientSecret("fixture-client-secret"), WithSecret(fx.Secret),
		WithDomainResolver(DomainMap(map[string]string{"127.0.0.1:3000": fx.Issuer})),
		WithAuthorizationParams(map[string]string{"audience": fx.Audience, "scope": fx.Scope}))
	if err != nil {
		b.Fatal(err)
	}
	iss, err := normalizeIssuer(fx.Issuer)
	if err != nil {
		b.Fatal(err)
	}
	c.stampDomain(s, iss)
	c.rolls.keyOnly = true // every read decrypts, as in BenchmarkSessionRead
	v, err := c.keys.session.SealSession(s, time.Now().Add(time.Hour).Unix())
	if err != nil {
		b.Fatal(err)
	}
	ex := &testExchange{method: "GET", path: "/", host: "127.0.0.1:3000", cookies: []*http.Cookie{{Name: "__session", Value: v}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s, err := c.getSession(ctx, ex)
		if err != nil || s == nil {
			b.Fatal("no session", err)
		}
	}
}
