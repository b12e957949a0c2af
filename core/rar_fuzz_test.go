package auth0kit

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzLoginExtensions feeds /auth/login's organization, invitation and
// authorization_details query values: never a panic, and an accepted
// authorization_details is a compact JSON array of typed objects.
func FuzzLoginExtensions(f *testing.F) {
	for _, s := range []string{`[{"type":"a"}]`, `[]`, `{"type":"a"}`, `[{"type":1}]`, `[{"type":"a"}] x`, strings.Repeat("[", 100), ""} {
		f.Add(s, "org_1", "inv")
	}
	f.Fuzz(func(t *testing.T, details, org, inv string) {
		params := map[string]string{"authorization_details": details, "organization": org, "invitation": inv}
		if err := loginExtensions(params, LoginOptions{}); err != nil {
			if HTTPStatus(err) != 400 {
				t.Fatalf("status %d for %v", HTTPStatus(err), err)
			}
			return
		}
		var list []map[string]json.RawMessage
		if json.Unmarshal([]byte(params["authorization_details"]), &list) != nil || len(list) == 0 {
			t.Fatalf("accepted %q as %q", details, params["authorization_details"])
		}
	})
}

// FuzzSameOriginURL: an accepted per-call redirect_uri is always on the
// base URL's origin.
func FuzzSameOriginURL(f *testing.F) {
	for _, s := range []string{"/cb", "https://app.example.com/cb", "//evil.example", "https://evil.example/", "/\\evil", "https://app.example.com@evil.example/"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://app.example.com")
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := sameOriginURL(raw, base)
		if err != nil {
			return
		}
		u, perr := url.Parse(got)
		if perr != nil || !strings.EqualFold(u.Host, base.Host) || u.Scheme != "https" || u.User != nil {
			t.Fatalf("%q accepted as %q", raw, got)
		}
	})
}
