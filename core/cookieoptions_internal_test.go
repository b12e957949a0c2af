package auth0kit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
)

const cookieTestSecret = "fuzz-secret-fuzz-secret-fuzz-secret-0123"

// writeWith binds a request carrying a session cookie named name, rewrites
// the session with UpdateSession and returns the response cookies.
func writeWith(t *testing.T, c *Client, name string) []*http.Cookie {
	t.Helper()
	s := &Session{User: User{Sub: "u"}, Internal: SessionInternal{SID: "sid", CreatedAt: time.Now().Unix()}}
	v, err := GenerateSessionCookie(s, cookieTestSecret)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "https://app.example.com/", nil)
	r.AddCookie(&http.Cookie{Name: name, Value: v})
	w := httptest.NewRecorder()
	ctx := c.Adapter().Bind(context.Background(), adapter.NewHTTPExchange(w, r))
	got, err := c.GetSession(ctx)
	if err != nil || got == nil {
		t.Fatalf("session under %s: %v %v", name, got, err)
	}
	if err := c.UpdateSession(ctx, got); err != nil {
		t.Fatal(err)
	}
	return (&http.Response{Header: w.Header()}).Cookies()
}

// TestSessionCookieOptions: Name, Domain, Path, Transient and SameSite
// reach the Set-Cookie header; SameSite=None needs Secure.
func TestSessionCookieOptions(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name  string
		ck    CookieOptions
		check func(t *testing.T, ck *http.Cookie)
	}{
		{"defaults", CookieOptions{}, func(t *testing.T, ck *http.Cookie) {
			if ck.Name != "__session" || ck.Path != "/" || ck.Domain != "" || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.MaxAge <= 0 {
				t.Errorf("%+v", ck)
			}
		}},
		{"name domain path", CookieOptions{Name: "acme_sess", Domain: "example.com", Path: "/app"}, func(t *testing.T, ck *http.Cookie) {
			if ck.Name != "acme_sess" || ck.Domain != "example.com" || ck.Path != "/app" {
				t.Errorf("%+v", ck)
			}
		}},
		{"transient", CookieOptions{Transient: true}, func(t *testing.T, ck *http.Cookie) {
			if ck.MaxAge != 0 || !ck.Expires.IsZero() {
				t.Errorf("transient cookie has a lifetime: %+v", ck)
			}
		}},
		{"samesite none", CookieOptions{SameSite: http.SameSiteNoneMode, Secure: &yes}, func(t *testing.T, ck *http.Cookie) {
			if ck.SameSite != http.SameSiteNoneMode || !ck.Secure {
				t.Errorf("%+v", ck)
			}
		}},
		{"strict", CookieOptions{SameSite: http.SameSiteStrictMode}, func(t *testing.T, ck *http.Cookie) {
			if ck.SameSite != http.SameSiteStrictMode {
				t.Errorf("%+v", ck)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, WithSession(SessionOptions{Cookie: tc.ck}))
			name := tc.ck.Name
			if name == "" {
				name = "__session"
			}
			var found *http.Cookie
			for _, ck := range writeWith(t, c, name) {
				if ck.Name == name {
					found = ck
				}
			}
			if found == nil {
				t.Fatal("no session cookie written")
			}
			tc.check(t, found)
		})
	}
	if _, err := New(WithDomain("https://tenant.example.com"), WithClientID("cid"), WithClientSecret("cs"), WithSecret(cookieTestSecret),
		WithAppBaseURL("http://localhost:3000"), WithSession(SessionOptions{Cookie: CookieOptions{SameSite: http.SameSiteNoneMode, Secure: &no}})); err == nil {
		t.Error("SameSite=None without Secure accepted")
	}
	if _, err := New(WithDomain("https://tenant.example.com"), WithClientID("cid"), WithClientSecret("cs"), WithSecret(cookieTestSecret),
		WithAppBaseURL("https://app.example.com"), WithSession(SessionOptions{Cookie: CookieOptions{Name: "bad name"}})); err == nil {
		t.Error("an invalid cookie name accepted")
	}
}

// TestRollingOff: with Rolling=false a request never re-issues the cookie,
// however old it is; with rolling on, an old enough cookie is re-issued.
func TestRollingOff(t *testing.T) {
	no := false
	for _, tc := range []struct {
		name    string
		rolling *bool
		reissue bool
	}{{"rolling off", &no, false}, {"rolling on", nil, true}} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Now()
			c := newTestClient(t, WithSession(SessionOptions{Rolling: tc.rolling}), WithTuning(Tuning{Clock: func() time.Time { return now }}))
			s := &Session{User: User{Sub: "u"}, Internal: SessionInternal{SID: "sid", CreatedAt: now.Add(-2 * time.Hour).Unix()}}
			keys := c.keys.session
			v, err := keys.SealSession(s, now.Add(time.Hour).Unix()) // written long ago: 1 h left of 1 day
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "https://app.example.com/", nil)
			r.AddCookie(&http.Cookie{Name: "__session", Value: v})
			w := httptest.NewRecorder()
			ctx, res := c.Adapter().Serve(context.Background(), adapter.NewHTTPExchange(w, r))
			if res != nil {
				t.Fatalf("answered %d", res.Status)
			}
			if got, _ := c.GetSession(ctx); got == nil {
				t.Fatal("no session")
			}
			if reissued := len(w.Header()["Set-Cookie"]) > 0; reissued != tc.reissue {
				t.Fatalf("re-issued = %v, want %v", reissued, tc.reissue)
			}
		})
	}
}
