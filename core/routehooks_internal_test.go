package auth0kit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/auth0kit/auth0kit/core/adapter"
)

func TestRouteMiddlewareCore(t *testing.T) {
	var got []RouteName
	var query string
	mw := func(next RouteHandler) RouteHandler {
		return func(ctx context.Context, r *RouteRequest) *RouteResponse {
			got = append(got, r.Route())
			q := r.Query()
			q.Set("mutated", "1") // a copy: the route must not see it
			query = r.Query().Encode()
			if r.Route() == RouteProfile {
				return nil // a broken hook: 500, not a panic
			}
			if r.Route() == RouteLogout {
				return &RouteResponse{Status: http.StatusTeapot}
			}
			return next(ctx, r)
		}
	}
	c := newTestClient(t, WithRouteMiddleware(nil, mw), WithRoutes(Routes{NoAccessTokenEndpoint: false}))
	serve := func(method, target string) int {
		r := httptest.NewRequest(method, "https://app.example.com"+target, nil)
		w := httptest.NewRecorder()
		_, res := c.Adapter().Serve(context.Background(), adapter.NewHTTPExchange(w, r))
		if res == nil {
			return 0
		}
		return res.Status
	}
	if s := serve("GET", "/auth/profile"); s != http.StatusInternalServerError {
		t.Errorf("nil answer: %d", s)
	}
	if s := serve("GET", "/auth/logout?%zz"); s != http.StatusTeapot || query != "" {
		t.Errorf("logout: %d, query %q", s, query)
	}
	serve("GET", "/auth/access-token")
	serve("POST", "/auth/backchannel-logout")
	serve("GET", "/auth/callback")
	if s := serve("GET", "/elsewhere"); s != 0 {
		t.Errorf("app route answered %d", s)
	}
	want := []RouteName{RouteProfile, RouteLogout, RouteAccessToken, RouteBackchannelLogout, RouteCallback}
	if len(got) != len(want) {
		t.Fatalf("routes %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("routes %v, want %v", got, want)
		}
	}
	if n := c.routeName("GET", "/auth/other"); n != "/auth/other" {
		t.Errorf("unknown route named %q", n)
	}
}

func TestRouteRequestView(t *testing.T) {
	r := httptest.NewRequest("GET", "https://app.example.com/auth/login?a=1&a=2", nil)
	r.Header.Set("X-A", "h")
	r.AddCookie(&http.Cookie{Name: "c", Value: "a%3Ab"})
	w := httptest.NewRecorder()
	rr := &RouteRequest{name: RouteLogin, ex: adapter.NewHTTPExchange(w, r)}
	if rr.Method() != "GET" || rr.Path() != "/auth/login" || rr.Header("X-A") != "h" || len(rr.Query()["a"]) != 2 {
		t.Fatal("request view")
	}
	if v, ok := rr.Cookie("c"); !ok || v != "a:b" {
		t.Fatalf("cookie %q", v)
	}
	if _, ok := rr.Cookie("missing"); ok {
		t.Fatal("missing cookie found")
	}
	rr.SetHeader("X-B", "1")
	rr.SetCookie(&http.Cookie{Name: "d", Value: "1"})
	if w.Header().Get("X-B") != "1" || len(w.Header()["Set-Cookie"]) != 1 {
		t.Fatalf("response writes: %v", w.Header())
	}
}

func TestLogoutReturnToOrigins(t *testing.T) {
	for _, bad := range []string{"marketing.example.com", "https://m.example.com/path", "ftp://m.example.com", "https://u@m.example.com", "https://m.example.com?x", "https://"} {
		if _, err := New(WithDomain("https://tenant.example.com"), WithClientID("cid"), WithClientSecret("cs"),
			WithSecret("fuzz-secret-fuzz-secret-fuzz-secret-0123"), WithLogout(LogoutConfig{ReturnToOrigins: []string{bad}})); err == nil {
			t.Errorf("origin %q accepted", bad)
		}
	}
	c := newTestClient(t, WithLogout(LogoutConfig{ReturnToOrigins: []string{"https://M.example.com/", "http://localhost:8080"}}))
	for raw, want := range map[string]bool{
		"https://m.example.com/x": true, "http://localhost:8080/": true, "https://m.example.com": true,
		"https://m.example.com:444/": false, "http://m.example.com/": false, "https://m.example.com//evil": false,
		"https://m.example.com/\\x": false, "javascript:alert(1)": false, "": false, "https://m.example.com/\x00": false,
	} {
		if _, ok := c.allowedLogoutReturn(raw); ok != want {
			t.Errorf("%q: %v", raw, ok)
		}
	}
	env := map[string]string{"AUTH0_LOGOUT_RETURN_TO_ORIGINS": "https://a.example.com, https://b.example.com"}
	if cfg := defaultConfig(func(k string) string { return env[k] }); len(cfg.LogoutReturnToOrigins) != 2 {
		t.Fatalf("env: %q", cfg.LogoutReturnToOrigins)
	}
}
