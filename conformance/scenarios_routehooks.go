package conformance

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("routehooks/before-login-short-circuit", testRouteHookBeforeLogin)
	register("routehooks/after-callback-header-and-cookie", testRouteHookAfterCallback)
	register("routehooks/request-view-and-order", testRouteHookRequestView)
	register("logout/return-to-allowed-origins", testLogoutReturnToOrigins)
}

// testRouteHookBeforeLogin: a hook answers instead of /auth/login, and no
// transaction is started; without the trigger the login proceeds.
func testRouteHookBeforeLogin(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithRouteMiddleware(func(next auth0kit.RouteHandler) auth0kit.RouteHandler {
		return func(ctx context.Context, r *auth0kit.RouteRequest) *auth0kit.RouteResponse {
			if r.Route() == auth0kit.RouteLogin && r.Query().Get("invite") == "closed" {
				r.SetHeader("X-Hook", "before-login")
				return &auth0kit.RouteResponse{Status: http.StatusForbidden, ContentType: "text/plain; charset=utf-8", Body: []byte("sign-ups are closed\n")}
			}
			return next(ctx, r)
		}
	}))
	p := e.browser.hit(e.appURL + e.client.Routes().Login + "?invite=closed")
	e.expectStatus(p, http.StatusForbidden)
	if !strings.Contains(p.body, "sign-ups are closed") || p.Header.Get("X-Hook") != "before-login" {
		t.Fatalf("hook answer not served: %q %v", p.body, p.Header)
	}
	for _, ck := range p.Cookies() {
		if strings.HasPrefix(ck.Name, "__txn") {
			t.Fatalf("short-circuited login still set %s", ck.Name)
		}
	}
	e.login("")
	if !e.loggedIn() {
		t.Fatal("login without the trigger failed")
	}
}

// testRouteHookAfterCallback: code after the callback sees the new session
// and adds a header and a cookie to the callback's redirect.
func testRouteHookAfterCallback(t *testing.T, h Harness) {
	var client *auth0kit.Client
	e := setup(t, h, devop.Options{}, auth0kit.WithRouteMiddleware(func(next auth0kit.RouteHandler) auth0kit.RouteHandler {
		return func(ctx context.Context, r *auth0kit.RouteRequest) *auth0kit.RouteResponse {
			res := next(ctx, r)
			if r.Route() != auth0kit.RouteCallback || res.Status >= 400 {
				return res
			}
			s, err := client.GetSession(ctx)
			if err != nil || s == nil {
				return res
			}
			r.SetHeader("X-Hook-Sub", s.User.Sub)
			r.SetCookie(&http.Cookie{Name: "after_callback", Value: "seen", Path: "/", HttpOnly: true})
			return res
		}
	}))
	client = e.client
	cb := e.authorize("")
	p := e.browser.hit(cb.String())
	e.expectStatus(p, http.StatusTemporaryRedirect)
	if p.Header.Get("X-Hook-Sub") == "" {
		t.Fatalf("no X-Hook-Sub header after the callback: %v", p.Header)
	}
	if got := e.browser.cookie(e.appURL, "after_callback"); got != "seen" {
		t.Fatalf("after_callback cookie = %q", got)
	}
	if sub := e.profileSub(); sub != p.Header.Get("X-Hook-Sub") {
		t.Fatalf("hook saw %q, profile says %q", p.Header.Get("X-Hook-Sub"), sub)
	}
}

// testRouteHookRequestView: every SDK route passes through the chain (the
// first middleware outermost) with its name, method, path, query, headers
// and cookies; an application route does not.
func testRouteHookRequestView(t *testing.T, h Harness) {
	var mu sync.Mutex
	var seen []string
	record := func(tag string) auth0kit.RouteMiddleware {
		return func(next auth0kit.RouteHandler) auth0kit.RouteHandler {
			return func(ctx context.Context, r *auth0kit.RouteRequest) *auth0kit.RouteResponse {
				mu.Lock()
				if tag == "outer" {
					ck, _ := r.Cookie("probe")
					seen = append(seen, strings.Join([]string{tag, string(r.Route()), r.Method(), r.Path(), r.Query().Get("q"), r.Header("X-Probe"), ck}, "|"))
				} else {
					seen = append(seen, tag+"|"+string(r.Route()))
				}
				mu.Unlock()
				return next(ctx, r)
			}
		}
	}
	e := setup(t, h, devop.Options{}, auth0kit.WithRouteMiddleware(record("outer"), record("inner")))
	e.login("")
	e.browser.setCookie(e.appURL, "probe", "c1")
	e.browser.get(e.appURL+"/auth/profile?q=v", "X-Probe", "h1")
	e.browser.get(e.appURL + "/")
	mu.Lock()
	defer mu.Unlock()
	want := "outer|profile|GET|/auth/profile|v|h1|c1"
	if !slices.Contains(seen, want) {
		t.Fatalf("request view: want %q in %q", want, seen)
	}
	for _, name := range []string{"login", "callback"} {
		i, j := slices.IndexFunc(seen, func(s string) bool { return strings.HasPrefix(s, "outer|"+name+"|") }),
			slices.Index(seen, "inner|"+name)
		if i < 0 || j < 0 || i > j {
			t.Fatalf("%s: outer at %d, inner at %d: %q", name, i, j, seen)
		}
	}
	for _, s := range seen {
		if strings.Contains(s, "|/|") {
			t.Fatalf("application route went through the route middleware: %q", s)
		}
	}
}

// testLogoutReturnToOrigins: an allowed origin passes to the provider's
// logout as is; other origins still fall back to the application.
func testLogoutReturnToOrigins(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithLogout(auth0kit.LogoutConfig{ReturnToOrigins: []string{"https://marketing.example.com"}}))
	cases := []struct{ returnTo, want string }{
		{"https://marketing.example.com/bye?x=1", "https://marketing.example.com/bye?x=1"},
		{"https://MARKETING.example.com/", "https://MARKETING.example.com/"},
		{"https://evil.example.com/bye", e.appURL},
		{"http://marketing.example.com/bye", e.appURL},
		{"https://marketing.example.com.evil.com/", e.appURL},
		{"https://user@marketing.example.com/", e.appURL},
		{"/after", e.appURL + "/after"},
	}
	for _, tc := range cases {
		e.login("")
		p := e.browser.hit(e.appURL + "/auth/logout?returnTo=" + url.QueryEscape(tc.returnTo))
		e.expectStatus(p, http.StatusTemporaryRedirect)
		got := p.location(t).Query().Get("post_logout_redirect_uri")
		if strings.TrimSuffix(got, "/") != strings.TrimSuffix(tc.want, "/") {
			t.Errorf("returnTo %q: post_logout_redirect_uri %q, want %q", tc.returnTo, got, tc.want)
		}
	}
}
