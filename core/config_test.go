package auth0kit_test

import (
	"errors"
	"strings"
	"testing"

	auth0kit "github.com/auth0kit/auth0kit/core"
)

const testSecret = "0123456789abcdef0123456789abcdef-test"

func TestNewValidation(t *testing.T) {
	base := []auth0kit.Option{
		auth0kit.WithDomain("tenant.auth0.com"), auth0kit.WithClientID("cid"),
		auth0kit.WithClientSecret("cs"), auth0kit.WithSecret(testSecret),
		auth0kit.WithAppBaseURL("https://app.example.com"),
	}
	no := false
	cases := []struct {
		name  string
		opts  []auth0kit.Option
		field string // "" means valid
	}{
		{name: "valid"},
		{name: "missing domain", opts: []auth0kit.Option{auth0kit.WithDomain("")}, field: "Domain"},
		{name: "http non-loopback domain", opts: []auth0kit.Option{auth0kit.WithDomain("http://tenant.auth0.com")}, field: "Domain"},
		{name: "http loopback domain", opts: []auth0kit.Option{auth0kit.WithDomain("http://127.0.0.1:4000/")}},
		{name: "http localhost domain", opts: []auth0kit.Option{auth0kit.WithDomain("http://localhost:4000")}},
		{name: "ftp domain", opts: []auth0kit.Option{auth0kit.WithDomain("ftp://tenant.auth0.com")}, field: "Domain"},
		{name: "domain with query", opts: []auth0kit.Option{auth0kit.WithDomain("https://t.auth0.com/?x=1")}, field: "Domain"},
		{name: "missing client id", opts: []auth0kit.Option{auth0kit.WithClientID("")}, field: "ClientID"},
		{name: "missing secret", opts: []auth0kit.Option{auth0kit.WithSecret()}, field: "Secret"},
		{name: "short secret", opts: []auth0kit.Option{auth0kit.WithSecret("too-short")}, field: "Secret"},
		{name: "short rotated secret", opts: []auth0kit.Option{auth0kit.WithSecret(testSecret, "short")}, field: "Secret"},
		{name: "scope without openid", opts: []auth0kit.Option{auth0kit.WithAuthorizationParams(map[string]string{"scope": "profile email"})}, field: "scope"},
		{name: "bad base url", opts: []auth0kit.Option{auth0kit.WithAppBaseURL("not a url")}, field: "AppBaseURL"},
		{name: "base url with query", opts: []auth0kit.Option{auth0kit.WithAppBaseURL("https://a.example/?q")}, field: "AppBaseURL"},
		{name: "insecure cookie with inferred base url", opts: []auth0kit.Option{auth0kit.WithAppBaseURL(),
			auth0kit.WithSession(auth0kit.SessionOptions{Cookie: auth0kit.CookieOptions{Secure: &no}})}, field: "Secure"},
		{name: "bad logout strategy", opts: []auth0kit.Option{auth0kit.WithLogout(auth0kit.LogoutConfig{Strategy: "sometimes"})}, field: "LogoutStrategy"},
		{name: "route without slash", opts: []auth0kit.Option{auth0kit.WithRoutes(auth0kit.Routes{Login: "login"})}, field: "Routes"},
		{name: "protocol-relative sign-in return path", opts: []auth0kit.Option{auth0kit.WithSignInReturnTo("//evil.com")}, field: "SignInReturnToPath"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := auth0kit.New(append(append([]auth0kit.Option{}, base...), tc.opts...)...)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ice *auth0kit.InvalidConfigurationError
			if !errors.As(err, &ice) || !errors.Is(err, auth0kit.ErrInvalidConfiguration) {
				t.Fatalf("err = %v, want *InvalidConfigurationError", err)
			}
			if !strings.Contains(ice.Field, tc.field) {
				t.Fatalf("field = %q, want it to name %q", ice.Field, tc.field)
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	t.Setenv("AUTH0_DOMAIN", "env-tenant.eu.auth0.com")
	t.Setenv("AUTH0_CLIENT_ID", "env-client")
	t.Setenv("AUTH0_CLIENT_SECRET", "env-secret")
	t.Setenv("AUTH0_SECRET", testSecret)
	t.Setenv("APP_BASE_URL", "https://env.example.com")
	c, err := auth0kit.New()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Issuer(); got != "https://env-tenant.eu.auth0.com/" {
		t.Errorf("issuer from env = %q", got)
	}
	// Options beat the environment.
	c, err = auth0kit.New(auth0kit.WithDomain("https://opt.example.com/custom/path"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Issuer(); got != "https://opt.example.com/custom/path" {
		t.Errorf("issuer from option = %q", got)
	}
	t.Setenv("AUTH0_COOKIE_SAME_SITE", "sideways")
	if _, err := auth0kit.New(); !errors.Is(err, auth0kit.ErrInvalidConfiguration) {
		t.Errorf("bad AUTH0_COOKIE_SAME_SITE accepted: %v", err)
	}
}
