package auth0kit_test

import (
	"net/url"
	"testing"

	auth0kit "github.com/auth0kit/auth0kit/core"
)

// TestSafeReturnToUnderBasePath: with a base URL carrying a path, a
// returnTo outside it is joined under it and one inside it is kept.
func TestSafeReturnToUnderBasePath(t *testing.T) {
	base, _ := url.Parse("https://app.example.com/app")
	cases := []struct{ in, want string }{
		{"/", "/app/"},
		{"/dashboard?tab=1", "/app/dashboard?tab=1"},
		{"/app", "/app"},
		{"/app/dashboard", "/app/dashboard"},
		{"/application", "/app/application"},
		{"https://app.example.com/app/x", "/app/x"},
		{"https://app.example.com/x", "/app/x"},
		{"dashboard", "/app/dashboard"},
	}
	for _, tc := range cases {
		got, ok := auth0kit.SafeReturnTo(tc.in, base)
		if !ok || got != tc.want {
			t.Errorf("SafeReturnTo(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, bad := range []string{"//evil.example/app", "https://evil.example/app/x"} {
		if got, ok := auth0kit.SafeReturnTo(bad, base); ok {
			t.Errorf("SafeReturnTo(%q) = %q, want refused", bad, got)
		}
	}
}
