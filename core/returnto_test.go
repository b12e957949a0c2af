package auth0kit_test

import (
	"net/url"
	"strings"
	"testing"

	auth0kit "github.com/auth0kit/auth0kit/core"
)

var testBase = &url.URL{Scheme: "https", Host: "app.example.com"}

func TestSafeReturnTo(t *testing.T) {
	cases := []struct {
		in   string
		want string // "" = refused
	}{
		{"/dashboard", "/dashboard"},
		{"/dashboard?tab=1#top", "/dashboard?tab=1#top"},
		{"https://app.example.com/x?y=1", "/x?y=1"},
		{"HTTPS://APP.EXAMPLE.COM/x", "/x"},
		{"/", "/"},
		{"", ""},
		{"//evil.com", ""},
		{"//evil.com/path", ""},
		{"///evil.com", ""},
		{"https://evil.com", ""},
		{"http://app.example.com/x", ""}, // scheme downgrade is another origin
		{"https://app.example.com:8443/x", ""},
		{"https://app.example.com.evil.com/", ""},
		{"https://user@evil.com", ""},
		{"https://app.example.com@evil.com", ""},
		{"/\\evil.com", ""},
		{"\\\\evil.com", ""},
		{"/\t/evil.com", ""},
		{"/%09/evil.com", ""},
		{"/%2F/evil.com", ""},
		{"%2F%2Fevil.com", ""},
		{"javascript:alert(1)", ""},
		{"JAVASCRIPT:alert(1)", ""},
		{"data:text/html,x", ""},
		{"https:evil.com", ""},
		{"/" + strings.Repeat("a", 3000), ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := auth0kit.SafeReturnTo(tc.in, testBase)
			if tc.want == "" {
				if ok {
					t.Fatalf("SafeReturnTo(%q) = %q, want refusal", tc.in, got)
				}
				return
			}
			if !ok || got != tc.want {
				t.Fatalf("SafeReturnTo(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
			}
		})
	}
}

// FuzzSafeReturnTo checks that nothing accepted can leave the origin,
// whatever a browser does with it.
func FuzzSafeReturnTo(f *testing.F) {
	for _, s := range []string{"/a", "//evil.com", "/\\evil", "https://app.example.com/x", "javascript:x", "%2F%2Fx", "/\t/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := auth0kit.SafeReturnTo(in, testBase)
		if !ok {
			return
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\t\r\n") {
			t.Fatalf("SafeReturnTo(%q) = %q", in, got)
		}
		u, err := url.Parse("https://app.example.com" + got)
		if err != nil || u.Host != "app.example.com" || strings.HasPrefix(u.Path, "//") {
			t.Fatalf("SafeReturnTo(%q) = %q resolves off-origin", in, got)
		}
		if len(got) > 2048 {
			t.Fatalf("SafeReturnTo(%q) longer than the cap", in)
		}
	})
}
