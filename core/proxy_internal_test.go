package auth0kit

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
)

func proxyTestClient(t testing.TB, issuer string, opts ...Option) *Client {
	c, err := New(append([]Option{WithDomain(issuer), WithClientID("c"), WithClientSecret("s"),
		WithSecret("proxy-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"), WithAppBaseURL("http://127.0.0.1:3000"),
		WithRoutes(Routes{MyAccountProxy: true, MyOrgProxy: true})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestProxyTarget(t *testing.T) {
	c := proxyTestClient(t, "https://tenant.example.com/")
	for _, tc := range []struct {
		path, aud, up string
		ok, bad       bool
	}{
		{"/me/v1/factors", "https://tenant.example.com/me/", "https://tenant.example.com/me/v1/factors", true, false},
		{"/me/factors", "https://tenant.example.com/me/", "https://tenant.example.com/me/v1/factors", true, false},
		{"/me", "https://tenant.example.com/me/", "https://tenant.example.com/me/v1", true, false},
		{"/me/v1", "https://tenant.example.com/me/", "https://tenant.example.com/me/v1", true, false},
		{"/my-org/organization/members", "https://tenant.example.com/my-org/", "https://tenant.example.com/my-org/organization/members", true, false},
		{"/my-org/my-org/x", "https://tenant.example.com/my-org/", "https://tenant.example.com/my-org/x", true, false},
		{"/meh", "", "", false, false},
		{"/me/../oauth/token", "", "", true, true},
		{"/me/v1/./x", "", "", true, true},
		{"/me//x", "", "", true, true},
		{"/me/a%2fb", "", "", true, true},
		{"/me/a\\b", "", "", true, true},
		{"/other", "", "", false, false},
	} {
		aud, up, ok, bad := c.proxyTarget(tc.path)
		if aud != tc.aud || up != tc.up || ok != tc.ok || bad != tc.bad {
			t.Errorf("%s: got %q %q %v %v", tc.path, aud, up, ok, bad)
		}
	}
	off := newTestClient(t) // proxies are off by default
	if _, _, ok, _ := off.proxyTarget("/me/v1/factors"); ok {
		t.Error("proxy mounted while off")
	}
}

func TestProxyScope(t *testing.T) {
	c := proxyTestClient(t, "https://tenant.example.com/",
		WithAudienceScopes(map[string]string{"https://tenant.example.com/my-org/": "openid read:my_org:members"}))
	for _, tc := range []struct {
		aud, header string
		ok          bool
	}{
		{"https://tenant.example.com/me/", "", true},
		{"https://tenant.example.com/me/", "read:me:factors read:me", true},
		{"https://tenant.example.com/me/", `bad"scope`, false},
		{"https://tenant.example.com/me/", "a\x00b", false},
		{"https://tenant.example.com/me/", strings.Repeat("a", 1025), false},
		{"https://tenant.example.com/my-org/", "read:my_org:members", true},
		{"https://tenant.example.com/my-org/", "delete:my_org:members", false},
	} {
		if _, ok := c.proxyScope(tc.aud, tc.header); ok != tc.ok {
			t.Errorf("%q for %s: %v, want %v", tc.header, tc.aud, ok, tc.ok)
		}
	}
}

// TestProxyUpstreamFailures: an upstream that never answers is 504 after
// the HTTP timeout, an unreachable one 502; never a panic or a lost
// session.
func TestProxyUpstreamFailures(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String() + "/"
	ln.Close()
	for _, tc := range []struct {
		issuer string
		want   int
	}{{slow.URL + "/", http.StatusGatewayTimeout}, {dead, http.StatusBadGateway}} {
		c := proxyTestClient(t, tc.issuer, WithTuning(Tuning{HTTPTimeout: 200 * time.Millisecond}))
		s := &Session{User: User{Sub: "u"}, TokenSet: TokenSet{AccessToken: "a", RefreshToken: "r", ExpiresAt: time.Now().Add(time.Hour).Unix()}}
		s.AccessTokens = []AccessTokenSet{{AccessToken: "t", Audience: c.myAccountAudience(), Scope: "openid profile email offline_access", ExpiresAt: time.Now().Add(time.Hour).Unix()}}
		s.Internal.CreatedAt = time.Now().Unix()
		v, err := c.keys.session.SealSession(s, time.Now().Add(time.Hour).Unix())
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/me/v1/factors", nil)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.AddCookie(&http.Cookie{Name: "__session", Value: v})
		w := httptest.NewRecorder()
		ex := adapter.NewHTTPExchange(w, r)
		res, ok := c.handle(c.Adapter().Bind(context.Background(), ex), ex)
		if !ok || res.Status != tc.want {
			t.Errorf("%s: %v %+v, want %d", tc.issuer, ok, res, tc.want)
		}
	}
}

func FuzzProxyTarget(f *testing.F) {
	c := proxyTestClient(f, "https://tenant.example.com/")
	for _, s := range []string{"/me/v1/x", "/my-org/a/b", "/me/../x", "/me//", "/me/%2e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		_, up, ok, bad := c.proxyTarget(path)
		if !ok || bad {
			return
		}
		if !strings.HasPrefix(up, "https://tenant.example.com/me/v1") && !strings.HasPrefix(up, "https://tenant.example.com/my-org") {
			t.Fatalf("%q mapped outside the APIs: %q", path, up)
		}
		if strings.Contains(up[len("https://"):], "//") || strings.Contains(up, "/../") || strings.HasSuffix(up, "/..") {
			t.Fatalf("%q mapped to %q", path, up)
		}
	})
}
