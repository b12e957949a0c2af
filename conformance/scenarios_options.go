package conformance

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("callback/app-state-round-trip", testAppStateRoundTrip)
	register("callback/on-callback-error-redirect", testOnCallbackErrorRedirect)
}

// testAppStateRoundTrip: LoginOptions.AppState set by code (here a route
// middleware in front of /auth/login calling StartLogin) comes back to the
// OnCallback hook as JSON. /auth/login itself takes no appState from the
// query: the value would be attacker-chosen in a crafted login link, yet
// reach the application as if it had set it.
func testAppStateRoundTrip(t *testing.T, h Harness) {
	var mu sync.Mutex
	var got json.RawMessage
	var client *auth0kit.Client
	e := setup(t, h, devop.Options{},
		auth0kit.WithRouteMiddleware(func(next auth0kit.RouteHandler) auth0kit.RouteHandler {
			return func(ctx context.Context, r *auth0kit.RouteRequest) *auth0kit.RouteResponse {
				if r.Route() != auth0kit.RouteLogin || r.Query().Get("cart") == "" {
					return next(ctx, r)
				}
				loc, err := client.StartLogin(ctx, auth0kit.LoginOptions{ReturnTo: "/checkout",
					AppState: map[string]any{"cart": r.Query().Get("cart"), "n": 3}})
				if err != nil {
					return &auth0kit.RouteResponse{Status: auth0kit.HTTPStatus(err)}
				}
				return &auth0kit.RouteResponse{Status: http.StatusTemporaryRedirect, Location: loc}
			}
		}),
		auth0kit.WithHooks(auth0kit.Hooks{OnCallback: func(_ context.Context, err error, info auth0kit.CallbackInfo, _ *auth0kit.Session) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			got = info.AppState
			return "", err
		}}))
	client = e.client
	p := e.login("cart=c-42&appState=forged")
	if !e.loggedIn() {
		t.Fatal("login failed")
	}
	if !strings.HasSuffix(p.Request.URL.Path, "/checkout") {
		t.Errorf("landed on %s, want /checkout", p.Request.URL)
	}
	mu.Lock()
	var st map[string]any
	err := json.Unmarshal(got, &st)
	mu.Unlock()
	if err != nil || st["cart"] != "c-42" || st["n"] != float64(3) {
		t.Fatalf("OnCallback AppState = %s", got)
	}

	// Plain /auth/login with an appState parameter: none reaches the hook.
	e2 := setup(t, h, devop.Options{}, auth0kit.WithHooks(auth0kit.Hooks{OnCallback: func(_ context.Context, err error, info auth0kit.CallbackInfo, _ *auth0kit.Session) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		got = info.AppState
		return "", err
	}}))
	e2.login("appState=%7B%22admin%22%3Atrue%7D")
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 0 {
		t.Fatalf("appState from the query reached the hook: %s", got)
	}
}

// testOnCallbackErrorRedirect: a failed callback (here a silent login the
// provider refuses) whose OnCallback hook returns a path redirects there
// instead of answering 400; an absolute URL of another origin is not
// followed.
func testOnCallbackErrorRedirect(t *testing.T, h Harness) {
	for _, tc := range []struct{ target, want string }{
		{"/login-failed?reason=login_required", "/login-failed?reason=login_required"},
		{"https://evil.example.com/", "/"},
	} {
		e := setup(t, h, devop.Options{AutoLoginEmail: noAutoLogin}, auth0kit.WithHooks(auth0kit.Hooks{
			OnCallback: func(_ context.Context, err error, _ auth0kit.CallbackInfo, _ *auth0kit.Session) (string, error) {
				if err != nil {
					return tc.target, nil
				}
				return "", nil
			},
		}))
		cb := e.authorize("prompt=none")
		p := e.browser.hit(cb.String())
		e.expectStatus(p, http.StatusTemporaryRedirect)
		loc := p.location(t)
		if got := loc.RequestURI(); loc.Host != strings.TrimPrefix(strings.TrimPrefix(e.appURL, "http://"), "https://") || got != tc.want {
			t.Errorf("hook target %q: redirected to %s, want %s on the app", tc.target, loc, tc.want)
		}
		if e.loggedIn() {
			t.Error("a failed callback created a session")
		}
	}
}
