package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("callback/failures-are-400-and-leave-no-session", testCallbackFailures)
	register("callback/replayed-callback-refused", testReplayedCallback)
	register("callback/silent-login-required-is-typed", testSilentLogin)
	register("callback/hooks", testHooks)
	register("callback/max-age-auth-time", testMaxAge)
	register("callback/provider-key-rotation", testKeyRotation)
}

func testKeyRotation(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.needDevop("key rotation on demand")
	e.login("") // the JWKS is now cached
	e.op.RotateKeys()
	// An unknown kid refetches the JWKS at most once per 30 s (the key-fetch
	// limiter): the new key is picked up once that cooldown has passed.
	e.clock.Advance(31 * time.Second)
	e.browser = newBrowser(t)
	p := e.login("returnTo=/private")
	if !strings.HasPrefix(p.body, "private ") {
		t.Fatalf("login after key rotation: %d %q", p.StatusCode, p.body)
	}
}

func testCallbackFailures(t *testing.T, h Harness) {
	cases := []struct {
		name   string
		tamper func(*devop.IDToken)
		mangle func(e *env, cb string) string // changes the callback URL
	}{
		{name: "state mismatch", mangle: func(e *env, cb string) string {
			return strings.Replace(cb, "state=", "state=x", 1)
		}},
		{name: "missing state", mangle: func(e *env, cb string) string {
			u := mustURL(cb)
			return withParam(u, "state", "")
		}},
		{name: "wrong code", mangle: func(e *env, cb string) string {
			return withParam(mustURL(cb), "code", "not-a-code")
		}},
		{name: "wrong iss parameter", mangle: func(e *env, cb string) string {
			return withParam(mustURL(cb), "iss", "https://evil.example/")
		}},
		{name: "wrong nonce", tamper: func(tk *devop.IDToken) { tk.Claims["nonce"] = "another-nonce" }},
		{name: "missing nonce", tamper: func(tk *devop.IDToken) { delete(tk.Claims, "nonce") }},
		{name: "bad signature", tamper: func(tk *devop.IDToken) { tk.ForeignKey = true }},
		{name: "alg none", tamper: func(tk *devop.IDToken) { tk.Alg = "none" }},
		{name: "alg HS256 with client secret", tamper: func(tk *devop.IDToken) { tk.Alg = "HS256" }},
		{name: "wrong aud", tamper: func(tk *devop.IDToken) { tk.Claims["aud"] = "another-client" }},
		{name: "wrong iss", tamper: func(tk *devop.IDToken) { tk.Claims["iss"] = "https://evil.example/" }},
		{name: "wrong azp", tamper: func(tk *devop.IDToken) { tk.Claims["azp"] = "another-client" }},
		{name: "expired", tamper: func(tk *devop.IDToken) { tk.Claims["exp"] = time.Now().Add(-time.Hour).Unix() }},
		{name: "issued in the future", tamper: func(tk *devop.IDToken) { tk.Claims["iat"] = time.Now().Add(time.Hour).Unix() }},
		{name: "no sub", tamper: func(tk *devop.IDToken) { delete(tk.Claims, "sub") }},
	}
	e := setup(t, h, devop.Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			if tc.tamper != nil {
				e.needDevop("ID token tampering")
			}
			e.browser = newBrowser(t)
			cb := e.authorize("returnTo=/private").String()
			if tc.tamper != nil {
				e.op.TamperNextIDToken(tc.tamper)
			}
			if tc.mangle != nil {
				cb = tc.mangle(e, cb)
			}
			p := e.browser.hit(cb)
			if p.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %q", p.StatusCode, p.body)
			}
			if findCookie(p, "__session") != nil && findCookie(p, "__session").MaxAge >= 0 {
				t.Fatal("a session cookie was set")
			}
			if e.loggedIn() {
				t.Fatal("logged in after a failed callback")
			}
		})
	}
}

func testReplayedCallback(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	cb := e.authorize("").String()
	if p := e.browser.get(cb); p.StatusCode != http.StatusOK {
		t.Fatalf("first callback: %d %s", p.StatusCode, p.body)
	}
	p := e.browser.hit(cb)
	if p.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed callback: %d, want 400", p.StatusCode)
	}
	if !e.loggedIn() {
		t.Fatal("a replayed callback must not end the existing session")
	}
}

func testSilentLogin(t *testing.T, h Harness) {
	var got error
	e := setup(t, h, devop.Options{AutoLoginEmail: noAutoLogin}, auth0kit.WithHooks(auth0kit.Hooks{
		OnCallback: func(_ context.Context, err error, _ auth0kit.CallbackInfo, _ *auth0kit.Session) (string, error) {
			got = err
			return "", nil
		},
	}))
	p := e.browser.get(e.appURL + "/auth/login?prompt=none")
	if p.StatusCode != http.StatusBadRequest {
		t.Fatalf("silent login without provider session: %d %q, want 400", p.StatusCode, p.body)
	}
	if !errors.Is(got, auth0kit.ErrLoginRequired) {
		t.Fatalf("OnCallback got %v, want an error matching ErrLoginRequired", got)
	}
	var oe *auth0kit.OAuthError
	if !errors.As(got, &oe) || oe.Code != "login_required" {
		t.Fatalf("OnCallback got %v, want *OAuthError login_required", got)
	}
}

func testHooks(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithHooks(auth0kit.Hooks{
		BeforeSessionSaved: func(_ context.Context, s *auth0kit.Session, idToken string) (*auth0kit.Session, error) {
			if idToken == "" {
				return nil, errors.New("no id token")
			}
			if s.User.Extra == nil {
				s.User.Extra = map[string]json.RawMessage{}
			}
			s.User.Extra["role"] = json.RawMessage(`"admin"`)
			s.Internal.SID = "forged" // must be restored
			return s, nil
		},
		OnCallback: func(_ context.Context, err error, info auth0kit.CallbackInfo, s *auth0kit.Session) (string, error) {
			if err != nil || s == nil {
				return "", err
			}
			return "/api/me?from=hook", nil
		},
	}))
	p := e.login("returnTo=/private")
	if p.Request.URL.RequestURI() != "/api/me?from=hook" {
		t.Errorf("OnCallback redirect ignored: landed on %s", p.Request.URL)
	}
	prof := e.browser.get(e.appURL + "/auth/profile")
	if !strings.Contains(prof.body, `"role":"admin"`) {
		t.Errorf("BeforeSessionSaved change lost: %s", prof.body)
	}
	if !strings.Contains(prof.body, `"iss"`) {
		t.Errorf("with a BeforeSessionSaved hook the claims are not filtered, got %s", prof.body)
	}
	if sess := e.browser.get(e.appURL + "/api/me"); !strings.Contains(sess.body, `"sid":"`) || strings.Contains(sess.body, "forged") {
		t.Errorf("a hook must not change internal data: %s", sess.body)
	}
}

func testMaxAge(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.needDevop("ID token tampering")
	cb := e.authorize("max_age=60").String()
	e.op.TamperNextIDToken(func(tk *devop.IDToken) { tk.Claims["auth_time"] = time.Now().Add(-time.Hour).Unix() })
	if p := e.browser.hit(cb); p.StatusCode != http.StatusBadRequest {
		t.Fatalf("stale auth_time with max_age: %d, want 400", p.StatusCode)
	}
	e.browser = newBrowser(t)
	cb = e.authorize("max_age=60").String()
	e.op.TamperNextIDToken(func(tk *devop.IDToken) { delete(tk.Claims, "auth_time") })
	if p := e.browser.hit(cb); p.StatusCode != http.StatusBadRequest {
		t.Fatalf("missing auth_time with max_age: %d, want 400", p.StatusCode)
	}
}
