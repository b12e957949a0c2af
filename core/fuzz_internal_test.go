package auth0kit

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func newTestClient(tb testing.TB, opts ...Option) *Client {
	tb.Helper()
	c, err := New(append([]Option{
		WithDomain("https://tenant.example.com"), WithClientID("cid"), WithClientSecret("cs"),
		WithSecret("fuzz-secret-fuzz-secret-fuzz-secret-0123"), WithAppBaseURL("https://app.example.com"),
	}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// FuzzSessionCookie feeds arbitrary session cookies (whole and chunked) to
// the read path: it must never panic and never return an error (a bad
// cookie is no session).
func FuzzSessionCookie(f *testing.F) {
	c := newTestClient(f)
	good, _ := GenerateSessionCookie(&Session{User: User{Sub: "u"}}, "fuzz-secret-fuzz-secret-fuzz-secret-0123")
	for _, s := range []string{good, "", "a.b.c.d.e", "eyJ..x.y.z", good[:len(good)/2], strings.Repeat(".", 5)} {
		f.Add(s, "")
		f.Add("", s)
	}
	f.Fuzz(func(t *testing.T, whole, chunk string) {
		ex := &testExchange{method: "GET", path: "/"}
		if whole != "" {
			ex.cookies = append(ex.cookies, &http.Cookie{Name: "__session", Value: whole})
		}
		if chunk != "" {
			half := len(chunk) / 2
			ex.cookies = append(ex.cookies, &http.Cookie{Name: "__session__0", Value: chunk[:half]},
				&http.Cookie{Name: "__session__1", Value: chunk[half:]})
		}
		s, err := c.getSession(context.Background(), ex)
		if err != nil {
			t.Fatalf("GetSession error: %v", err)
		}
		_ = s
	})
}

// FuzzCallbackParams checks the callback query parser never panics and
// never yields a state that could break out of a cookie name.
func FuzzCallbackParams(f *testing.F) {
	for _, s := range []string{"code=a&state=b", "state=a&state=b", "error=login_required&state=x", "%zz", "state=%00", "iss=https%3A%2F%2Fx%2F&code=c&state=s"} {
		f.Add(s)
	}
	c := newTestClient(f)
	f.Fuzz(func(t *testing.T, q string) {
		p, err := parseCallbackParams(q)
		if err != nil {
			return
		}
		if validState(p.state) && strings.ContainsAny(p.state, ";=, \t\r\n") {
			t.Fatalf("state %q accepted", p.state)
		}
		// The whole callback must fail cleanly without a transaction.
		ex := &testExchange{method: "GET", path: "/auth/callback", rawQuery: q}
		if _, _, err := c.completeLogin(context.Background(), ex); err == nil {
			t.Fatal("callback without transaction succeeded")
		}
	})
}
