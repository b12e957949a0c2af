package conformance

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

func init() {
	register("session/guards-without-session", testGuardsWithoutSession)
	register("session/garbled-cookies-read-as-no-session", testGarbledCookies)
	register("session/rotated-secret-still-readable", testRotatedSecret)
	register("session/nextjs-generated-cookie-readable", testGeneratedCookie)
	register("session/chunked-cookie-reassembly-and-cleanup", testChunkedCookies)
	register("session/rolling-extension-with-threshold", testRolling)
	register("session/absolute-expiry", testAbsoluteExpiry)
	register("session/update-session", testUpdateSession)
	register("session/stateful-memory-store", testStatefulStore)
	register("session/no-set-cookie-on-plain-requests", testNoChurn)
}

func testGuardsWithoutSession(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	p := e.browser.hit(e.appURL + "/auth/profile")
	e.expectStatus(p, http.StatusUnauthorized)
	g := e.browser.hit(e.appURL + "/private?a=1&b=2")
	e.expectStatus(g, http.StatusFound)
	if got, want := g.Header.Get("Location"), "/auth/login?returnTo=%2Fprivate%3Fa%3D1%26b%3D2"; got != want {
		t.Errorf("page guard Location = %q, want %q", got, want)
	}
	a := e.browser.hit(e.appURL + "/api/me")
	e.expectStatus(a, http.StatusUnauthorized)
	var body struct{ Error string }
	if json.Unmarshal([]byte(a.body), &body) != nil || body.Error != "not_authenticated" {
		t.Errorf("API guard body %q", a.body)
	}
	if home := e.browser.get(e.appURL + "/"); home.body != "hello anonymous" {
		t.Errorf("home %q", home.body)
	}
}

func testGarbledCookies(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.login("")
	good := e.browser.cookie(e.appURL, "__session")
	if good == "" {
		t.Fatal("no __session after login")
	}
	foreign, err := auth0kit.GenerateSessionCookie(&auth0kit.Session{User: auth0kit.User{Sub: "mallory"}},
		"another-secret-another-secret-another-secret")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	flip := func(s string) string {
		if s == "" {
			return "A"
		}
		b := []byte(s)
		if b[len(b)/2] == 'A' {
			b[len(b)/2] = 'B'
		} else {
			b[len(b)/2] = 'A'
		}
		return string(b)
	}
	cases := map[string]string{
		"garbage":             "not-a-jwe",
		"empty parts":         "....",
		"foreign secret":      foreign,
		"tampered ciphertext": strings.Join([]string{parts[0], parts[1], parts[2], flip(parts[3]), parts[4]}, "."),
		"tampered tag":        strings.Join([]string{parts[0], parts[1], parts[2], parts[3], flip(parts[4])}, "."),
		"tampered header":     strings.Join([]string{flip(parts[0]), parts[1], parts[2], parts[3], parts[4]}, "."),
		"percent junk":        "%zz%",
		"huge":                strings.Repeat("A", 3400),
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			e.t = t
			e.browser.setCookie(e.appURL, "__session", v)
			if e.loggedIn() {
				t.Fatal("a bad cookie was accepted")
			}
			if p := e.browser.hit(e.appURL + "/"); p.StatusCode != http.StatusOK {
				t.Fatalf("bad cookie on a public page: %d", p.StatusCode)
			}
		})
	}
}

func testRotatedSecret(t *testing.T, h Harness) {
	old := "the-previous-secret-0123456789-abcdefghijklmn"
	e := setup(t, h, devop.Options{}, auth0kit.WithSecret(secret, old))
	v, err := auth0kit.GenerateSessionCookie(&auth0kit.Session{
		User:     auth0kit.User{Sub: "auth0|rotated", Name: "Old Secret"},
		Internal: auth0kit.SessionInternal{SID: "s1", CreatedAt: e.clock.Now().Unix()},
	}, old)
	if err != nil {
		t.Fatal(err)
	}
	e.browser.setCookie(e.appURL, "__session", v)
	p := e.browser.get(e.appURL + "/auth/profile")
	e.expectStatus(p, http.StatusOK)
	if !strings.Contains(p.body, "auth0|rotated") {
		t.Errorf("profile %s", p.body)
	}
}

// testGeneratedCookie reads a cookie written by @auth0/nextjs-auth0's
// generateSessionCookie (captured in devop-independent testdata).
func testGeneratedCookie(t *testing.T, h Harness) {
	// The vector was made in 2023 (createdAt 1700000000): lift the
	// absolute cap so only its own exp (2100) counts.
	e := setup(t, h, devop.Options{}, auth0kit.WithSecret(nextjsVectorSecret),
		auth0kit.WithSession(auth0kit.SessionOptions{AbsoluteDuration: -1}))
	e.browser.setCookie(e.appURL, "__session", nextjsVectorCookie)
	p := e.browser.get(e.appURL + "/auth/profile")
	e.expectStatus(p, http.StatusOK)
	if !strings.Contains(p.body, `"sub":"user_123"`) {
		t.Errorf("profile %s", p.body)
	}
}

func testChunkedCookies(t *testing.T, h Harness) {
	big := strings.Repeat("x", 6000)
	grow := true
	e := setup(t, h, devop.Options{}, auth0kit.WithHooks(auth0kit.Hooks{
		BeforeSessionSaved: func(_ context.Context, s *auth0kit.Session, _ string) (*auth0kit.Session, error) {
			if grow {
				s.User.Extra = map[string]json.RawMessage{"blob": json.RawMessage(`"` + big + `"`)}
			} else {
				s.User.Extra = nil
			}
			return s, nil
		},
	}))
	p := e.login("")
	_ = p
	names := e.browser.cookieNames(e.appURL)
	var chunks int
	for _, n := range names {
		if strings.HasPrefix(n, "__session__") {
			chunks++
		}
		if n == "__session" {
			t.Error("unchunked __session present beside chunks")
		}
	}
	if chunks < 2 {
		t.Fatalf("cookies %v: want __session__0, __session__1, …", names)
	}
	prof := e.browser.get(e.appURL + "/auth/profile")
	e.expectStatus(prof, http.StatusOK)
	if !strings.Contains(prof.body, big) {
		t.Error("chunked session lost data")
	}
	// A smaller session replaces the chunks with one cookie.
	grow = false
	e.login("")
	for _, n := range e.browser.cookieNames(e.appURL) {
		if strings.HasPrefix(n, "__session__") {
			t.Errorf("stale chunk %s left after the session shrank", n)
		}
	}
	if !e.loggedIn() {
		t.Fatal("not logged in after shrinking")
	}
	// A missing middle chunk reads as no session, not an error.
	grow = true
	e.login("")
	e.browser.setCookie(e.appURL, "__session__1", "")
	if p := e.browser.hit(e.appURL + "/auth/profile"); p.StatusCode != http.StatusUnauthorized {
		t.Errorf("broken chunk set: %d, want 401", p.StatusCode)
	}
	e.login("")
	e.browser.get(e.appURL + "/auth/logout")
	for _, n := range e.browser.cookieNames(e.appURL) {
		if strings.HasPrefix(n, "__session") {
			t.Errorf("cookie %s left after logout", n)
		}
	}
}

func testRolling(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithSession(auth0kit.SessionOptions{
		InactivityDuration: time.Hour, AbsoluteDuration: 10 * time.Hour, RollingThreshold: 5 * time.Minute,
	}))
	e.login("")
	e.clock.Advance(time.Minute)
	p := e.browser.hit(e.appURL + "/")
	if findCookie(p, "__session") != nil {
		t.Error("cookie re-sent although the threshold was not reached")
	}
	e.clock.Advance(10 * time.Minute)
	p = e.browser.hit(e.appURL + "/")
	ck := findCookie(p, "__session")
	if ck == nil {
		t.Fatal("rolling session not extended after the threshold")
	}
	if ck.MaxAge < 3590 || ck.MaxAge > 3600 {
		t.Errorf("rolled Max-Age = %d, want the inactivity window (3600)", ck.MaxAge)
	}
	if !strings.Contains(p.Header.Get("Cache-Control"), "no-store") {
		t.Error("a response that sets the session cookie must not be cacheable")
	}
	// Activity keeps the session alive past the first inactivity window…
	for i := 0; i < 3; i++ {
		e.clock.Advance(50 * time.Minute)
		e.browser.hit(e.appURL + "/")
	}
	if !e.loggedIn() {
		t.Fatal("active session expired")
	}
	// …and inactivity ends it.
	e.clock.Advance(61 * time.Minute)
	if e.loggedIn() {
		t.Fatal("session survived the inactivity window")
	}
}

func testAbsoluteExpiry(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, auth0kit.WithSession(auth0kit.SessionOptions{
		InactivityDuration: time.Hour, AbsoluteDuration: 2 * time.Hour,
	}))
	e.login("")
	for i := 0; i < 4; i++ {
		e.clock.Advance(30 * time.Minute)
		e.browser.hit(e.appURL + "/")
	}
	if e.loggedIn() {
		t.Fatal("session outlived its absolute duration")
	}
}

func testUpdateSession(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	if p := e.browser.hit(e.appURL + "/update"); p.StatusCode != http.StatusUnauthorized {
		t.Errorf("update without session: %d, want 401", p.StatusCode)
	}
	e.login("")
	p := e.browser.get(e.appURL + "/update")
	e.expectStatus(p, http.StatusOK)
	me := e.browser.get(e.appURL + "/api/me")
	if !strings.Contains(me.body, `"updated":true`) {
		t.Errorf("updated session not persisted: %s", me.body)
	}
}

func testStatefulStore(t *testing.T, h Harness) {
	store := sessionstore.NewMemory()
	e := setup(t, h, devop.Options{}, auth0kit.WithSessionStore(store))
	e.login("")
	v := e.browser.cookie(e.appURL, "__session")
	if v == "" || len(v) > 300 {
		t.Fatalf("stateful cookie %d bytes, want a short id cookie", len(v))
	}
	if store.Len() != 1 {
		t.Fatalf("store holds %d sessions, want 1", store.Len())
	}
	if !e.loggedIn() {
		t.Fatal("not logged in")
	}
	// A new login replaces the record (session fixation defence).
	e.login("")
	if nv := e.browser.cookie(e.appURL, "__session"); nv == v {
		t.Error("session id cookie not renewed on login")
	}
	if store.Len() != 1 {
		t.Errorf("store holds %d sessions after re-login, want 1", store.Len())
	}
	e.browser.get(e.appURL + "/auth/logout")
	if store.Len() != 0 {
		t.Errorf("store holds %d sessions after logout", store.Len())
	}
}

func testNoChurn(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.login("")
	for _, path := range []string{"/", "/private", "/api/me"} {
		p := e.browser.hit(e.appURL + path)
		if len(p.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("GET %s re-sent cookies: %v", path, p.Header.Values("Set-Cookie"))
		}
	}
}
