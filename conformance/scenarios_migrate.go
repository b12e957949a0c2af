package conformance

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	jose "github.com/go-jose/go-jose/v4"
)

func init() {
	register("migrate/legacy-cookies-rewritten", testMigrateLegacyCookies)
}

// legacyCookie builds a JS SDK session cookie the way the SDKs do (the
// core tests read cookies made by the SDKs themselves; this one exercises
// each adapter's cookie plumbing): auth0-server-js's A256CBC-HS512 with a
// per-kid HKDF key, or nextjs-auth0 v3's A256GCM with iat/uat/exp headers.
func legacyCookie(t *testing.T, format, sub string, now int64) string {
	t.Helper()
	var enc jose.ContentEncryption
	var key []byte
	hdr := map[jose.HeaderKey]any{}
	var payload any
	switch format {
	case auth0kit.MigrateAuth0ServerJS:
		enc, hdr["kid"] = jose.A256CBC_HS512, "9b7e3b1c-0000-4000-8000-000000000001"
		key, _ = hkdf.Key(sha256.New, []byte(secret), []byte("__a0_session"+hdr["kid"].(string)), "derived cookie encryption secret", 64)
		payload = map[string]any{"user": map[string]any{"sub": sub, "sid": "sid-1"}, "idToken": "idt", "refreshToken": "rt",
			"tokenSets": []any{}, "internal": map[string]any{"sid": "sid-1", "createdAt": now}, "exp": now + 3600}
	default:
		enc, hdr["iat"], hdr["uat"], hdr["exp"] = jose.A256GCM, now, now, now+3600
		key, _ = hkdf.Key(sha256.New, []byte(secret), nil, "JWE CEK", 32)
		payload = map[string]any{"user": map[string]any{"sub": sub, "sid": "sid-1"}, "idToken": "idt", "refreshToken": "rt"}
	}
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: jose.DIRECT, Key: key}, &jose.EncrypterOptions{ExtraHeaders: hdr})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(payload)
	o, err := e.Encrypt(b)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := o.CompactSerialize()
	return s
}

// testMigrateLegacyCookies: with migration on, a legacy cookie (whole or in
// chunks) is a session on every adapter; the response rewrites it as
// __session and deletes the legacy cookies, and the next request reads
// the new cookie. A format not enabled is no session.
func testMigrateLegacyCookies(t *testing.T, h Harness) {
	cases := []struct {
		name, format, enabled string
		chunked               bool
	}{
		{"server-js", auth0kit.MigrateAuth0ServerJS, auth0kit.MigrateAuth0ServerJS, true},
		{"nextjs-v3", auth0kit.MigrateNextjsV3, auth0kit.MigrateNextjsV3, false},
		{"nextjs-v3-chunked", auth0kit.MigrateNextjsV3, auth0kit.MigrateNextjsV3, true},
		{"format-not-enabled", auth0kit.MigrateNextjsV3, auth0kit.MigrateAuth0ServerJS, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t, h, devop.Options{}, auth0kit.WithSessionMigration(tc.enabled))
			base := map[string]string{auth0kit.MigrateAuth0ServerJS: "__a0_session", auth0kit.MigrateNextjsV3: "appSession"}[tc.format]
			val := legacyCookie(t, tc.format, "legacy|"+tc.name, e.clock.Now().Unix())
			var names []string
			if tc.chunked {
				half := len(val) / 2
				names = []string{base + ".0", base + ".1"}
				e.browser.setCookie(e.appURL, names[0], val[:half])
				e.browser.setCookie(e.appURL, names[1], val[half:])
			} else {
				names = []string{base}
				e.browser.setCookie(e.appURL, base, val)
			}
			p := e.browser.get(e.appURL + "/")
			if tc.format != tc.enabled {
				if p.body != "hello anonymous" {
					t.Fatalf("a format not enabled read as %q", p.body)
				}
				return
			}
			if p.body != "hello legacy|"+tc.name {
				t.Fatalf("home = %q", p.body)
			}
			deleted := map[string]bool{}
			wrote := false
			for _, ck := range p.Cookies() {
				if ck.MaxAge < 0 {
					deleted[ck.Name] = true
				}
				if strings.HasPrefix(ck.Name, "__session") && ck.MaxAge > 0 {
					wrote = true
				}
			}
			if !wrote {
				t.Fatal("legacy session not rewritten as __session")
			}
			for _, n := range names {
				if !deleted[n] || e.browser.cookie(e.appURL, n) != "" {
					t.Errorf("legacy cookie %s kept", n)
				}
			}
			if api := e.browser.get(e.appURL + "/api/me"); api.StatusCode != http.StatusOK || !strings.Contains(api.body, `"sid":"sid-1"`) {
				t.Fatalf("after migration /api/me = %d %s", api.StatusCode, api.body)
			}
		})
	}
}
