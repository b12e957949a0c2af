package auth0http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	auth0http "github.com/auth0kit/auth0kit/adapters/nethttp"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

// benchFixture builds a client and a logged-in cookie from
// ../shared/reference/fixtures/session.json.
func benchFixture(b *testing.B) (*auth0kit.Client, *http.Cookie) {
	raw, err := os.ReadFile("../../../shared/reference/fixtures/session.json")
	if err != nil {
		b.Skip("fixture not available:", err)
	}
	var fx struct {
		Secret, ClientID, Issuer, IDToken, AccessToken, RefreshToken, Scope, SID string
		ExpiresAt                                                                int64
		User                                                                     struct {
			Sub, Name, Nickname, Email, Picture string
			GivenName                           string `json:"given_name"`
			FamilyName                          string `json:"family_name"`
			EmailVerified                       bool   `json:"email_verified"`
		}
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		b.Fatal(err)
	}
	c, err := auth0kit.New(auth0kit.WithDomain(fx.Issuer), auth0kit.WithClientID(fx.ClientID),
		auth0kit.WithSecret(fx.Secret), auth0kit.WithAppBaseURL("http://127.0.0.1:3000"))
	if err != nil {
		b.Fatal(err)
	}
	u := fx.User
	v, err := auth0kit.GenerateSessionCookie(&auth0kit.Session{
		User: auth0kit.User{Sub: u.Sub, Name: u.Name, Nickname: u.Nickname, GivenName: u.GivenName,
			FamilyName: u.FamilyName, Picture: u.Picture, Email: u.Email, EmailVerified: u.EmailVerified},
		TokenSet: auth0kit.TokenSet{AccessToken: fx.AccessToken, IDToken: fx.IDToken,
			RefreshToken: fx.RefreshToken, Scope: fx.Scope, ExpiresAt: fx.ExpiresAt},
		Internal: auth0kit.SessionInternal{SID: fx.SID, CreatedAt: time.Now().Unix()},
	}, fx.Secret)
	if err != nil {
		b.Fatal(err)
	}
	// Let the middleware roll it once, as a browser's first request would:
	// the cookie it sends from then on is the rolled one.
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/", nil)
	req.AddCookie(&http.Cookie{Name: "__session", Value: v})
	w := httptest.NewRecorder()
	auth0http.Middleware(c)(hello).ServeHTTP(w, req)
	for _, ck := range w.Result().Cookies() {
		if ck.Name == "__session" {
			return c, &http.Cookie{Name: ck.Name, Value: ck.Value}
		}
	}
	b.Fatal("the first request did not roll the session")
	return nil, nil
}

var hello = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	_, _ = io.WriteString(w, "hello")
})

// helloUser reads the session, as a page that greets the user does.
var helloUser = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "hello "+auth0http.UserFrom(r.Context()).Name)
})

func benchHandler(b *testing.B, h http.Handler, ck *http.Cookie) {
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/", nil)
	if ck != nil {
		req.AddCookie(ck)
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkMiddleware compares a hello-world handler without and with the
// session middleware on a logged-in request (fixture session cookie).
func BenchmarkMiddleware(b *testing.B) {
	c, ck := benchFixture(b)
	mw := auth0http.Middleware(c)
	b.Run("bare", func(b *testing.B) { benchHandler(b, hello, ck) })
	b.Run("middleware", func(b *testing.B) { benchHandler(b, mw(hello), ck) })
	b.Run("middleware+UserFrom", func(b *testing.B) { benchHandler(b, mw(helloUser), ck) })
}
