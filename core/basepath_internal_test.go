package auth0kit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// TestBasePathSettings: an APP_BASE_URL with a path moves the routes, the
// cookie paths, the guards' login redirect and the default landing page
// under it; explicit cookie paths win.
func TestBasePathSettings(t *testing.T) {
	cases := []struct {
		name                       string
		opts                       []Option
		basePath, cookie, txn, rtp string
	}{
		{name: "root", opts: []Option{WithAppBaseURL("https://a.example")}, cookie: "/", txn: "/", rtp: "/"},
		{name: "path", opts: []Option{WithAppBaseURL("https://a.example/app/")}, basePath: "/app", cookie: "/app", txn: "/app", rtp: "/app/"},
		{name: "two hosts one path", opts: []Option{WithAppBaseURL("https://a.example/app", "https://b.example/app")},
			basePath: "/app", cookie: "/app", txn: "/app", rtp: "/app/"},
		{name: "explicit cookie path", opts: []Option{WithAppBaseURL("https://a.example/app"),
			WithSession(SessionOptions{Cookie: CookieOptions{Path: "/"}}), WithSignInReturnTo("/app/home")},
			basePath: "/app", cookie: "/", txn: "/app", rtp: "/app/home"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, tc.opts...)
			if c.s.basePath != tc.basePath || c.s.sessionCookie.path != tc.cookie || c.s.txnCookie.path != tc.txn ||
				c.cfg.SignInReturnToPath != tc.rtp {
				t.Fatalf("basePath %q cookie %q txn %q signIn %q; want %q %q %q %q", c.s.basePath, c.s.sessionCookie.path,
					c.s.txnCookie.path, c.cfg.SignInReturnToPath, tc.basePath, tc.cookie, tc.txn, tc.rtp)
			}
			login := tc.basePath + "/auth/login"
			if !c.isRoute(login) || (tc.basePath != "" && c.isRoute("/auth/login")) || c.isRoute(tc.basePath+"x/auth/login") {
				t.Fatalf("route matching under %q is wrong", tc.basePath)
			}
			if got := c.loginURL("/p"); !strings.HasPrefix(got, login+"?") {
				t.Fatalf("loginURL = %q, want under %q", got, login)
			}
			w := httptest.NewRecorder()
			cb := tc.basePath + "/auth/callback" // no state: answered 400 without network
			r := httptest.NewRequest(http.MethodGet, "https://a.example"+cb, nil)
			res, ok := c.handle(context.Background(), adapter.NewHTTPExchange(w, r))
			if !ok || res.Status != http.StatusBadRequest {
				t.Fatalf("handle(%s) = %v, %v", cb, res, ok)
			}
		})
	}
}
