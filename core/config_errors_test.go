package auth0kit_test

import (
	"errors"
	"strings"
	"testing"

	auth0kit "github.com/auth0kit/auth0kit/core"
)

// TestNewReportsEveryBadField: New reports every bad field of one
// configuration at once, in order; errors.As finds the first and
// errors.Is matches ErrInvalidConfiguration.
func TestNewReportsEveryBadField(t *testing.T) {
	t.Setenv("APP_BASE_URL", "")
	cases := []struct {
		name   string
		opts   []auth0kit.Option
		fields []string // in order
	}{
		{name: "one", opts: []auth0kit.Option{auth0kit.WithDomain("tenant.auth0.com"), auth0kit.WithClientID("cid"),
			auth0kit.WithClientSecret("cs"), auth0kit.WithSecret("short"), auth0kit.WithAppBaseURL("https://a.example")},
			fields: []string{"Secret"}},
		{name: "domain client id secret and client auth", opts: []auth0kit.Option{auth0kit.WithDomain(""), auth0kit.WithClientID(""),
			auth0kit.WithClientSecret(""), auth0kit.WithSecret("short"), auth0kit.WithAppBaseURL("https://a.example")},
			fields: []string{"Domain", "ClientID", "Secret", "client authentication"}},
		{name: "base urls routes and logout strategy", opts: []auth0kit.Option{auth0kit.WithDomain("tenant.auth0.com"),
			auth0kit.WithClientID("cid"), auth0kit.WithClientSecret("cs"), auth0kit.WithSecret(strings.Repeat("s", 32)),
			auth0kit.WithAppBaseURL("ftp://x", "https://a.example/?q"), auth0kit.WithLogout(auth0kit.LogoutConfig{Strategy: "sometimes"}),
			auth0kit.WithRoutes(auth0kit.Routes{Login: "login"}), auth0kit.WithSignInReturnTo("//evil.example")},
			fields: []string{"AppBaseURL", "AppBaseURL", "LogoutStrategy", "Routes", "SignInReturnToPath"}},
		{name: "base urls with different paths", opts: []auth0kit.Option{auth0kit.WithDomain("tenant.auth0.com"),
			auth0kit.WithClientID("cid"), auth0kit.WithClientSecret("cs"), auth0kit.WithSecret(strings.Repeat("s", 32)),
			auth0kit.WithAppBaseURL("https://a.example/app", "https://b.example/other"),
			auth0kit.WithClientAuth(auth0kit.ClientAuth{Method: "magic"})},
			fields: []string{"AppBaseURL", "TokenEndpointAuthMethod"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := auth0kit.New(tc.opts...)
			if !errors.Is(err, auth0kit.ErrInvalidConfiguration) {
				t.Fatalf("err = %v, want ErrInvalidConfiguration", err)
			}
			var first *auth0kit.InvalidConfigurationError
			if !errors.As(err, &first) || !strings.Contains(first.Field, tc.fields[0]) {
				t.Fatalf("errors.As found %v, want the field %q first", first, tc.fields[0])
			}
			var got []*auth0kit.InvalidConfigurationError
			var walk func(error)
			walk = func(e error) {
				if ice, ok := e.(*auth0kit.InvalidConfigurationError); ok {
					got = append(got, ice)
					return
				}
				if j, ok := e.(interface{ Unwrap() []error }); ok {
					for _, e := range j.Unwrap() {
						walk(e)
					}
				}
			}
			walk(err)
			if len(got) != len(tc.fields) {
				t.Fatalf("got %d errors, want %d:\n%v", len(got), len(tc.fields), err)
			}
			for i, f := range tc.fields {
				if !strings.Contains(got[i].Field, f) {
					t.Errorf("error %d names %q, want %q", i, got[i].Field, f)
				}
				if !strings.Contains(err.Error(), got[i].Error()) {
					t.Errorf("the message does not list %q", got[i].Error())
				}
			}
		})
	}
}
