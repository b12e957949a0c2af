package auth0kit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/wire"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// legacyVectors is core/internal/legacy/testdata/legacy-vectors.json,
// produced by the real @auth0/auth0-server-js and @auth0/nextjs-auth0 v3.
type legacyVectors struct {
	GeneratedAt int64  `json:"generatedAt"`
	Secret      string `json:"secret"`
	OldSecret   string `json:"oldSecret"`
	Fixture     struct {
		Sub, SID, IDToken, AccessToken, RefreshToken, Scope, Audience, ClientID, Issuer string
		ExpiresAt                                                                       int64
	} `json:"fixture"`
	Cases []struct {
		Name, Format, SecretUsed string
		Cookies                  map[string]string
	} `json:"cases"`
}

func loadLegacyVectors(t testing.TB) *legacyVectors {
	t.Helper()
	b, err := os.ReadFile("internal/legacy/testdata/legacy-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v legacyVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	// The JSON keys of fixture are camelCase; map them by hand.
	var raw struct {
		Fixture map[string]any `json:"fixture"`
	}
	_ = json.Unmarshal(b, &raw)
	f := raw.Fixture
	v.Fixture.Sub, v.Fixture.SID = f["sub"].(string), f["sid"].(string)
	v.Fixture.IDToken, v.Fixture.AccessToken = f["idToken"].(string), f["accessToken"].(string)
	v.Fixture.RefreshToken, v.Fixture.Scope = f["refreshToken"].(string), f["scope"].(string)
	v.Fixture.Audience, v.Fixture.ClientID = f["audience"].(string), f["clientId"].(string)
	v.Fixture.ExpiresAt = int64(f["expiresAt"].(float64))
	return &v
}

func legacyClient(t testing.TB, v *legacyVectors, opts ...Option) *Client {
	t.Helper()
	now := time.Unix(v.GeneratedAt+60, 0)
	c, err := New(append([]Option{
		WithDomain("https://tenant.example.com"), WithClientID(v.Fixture.ClientID), WithClientSecret("cs"),
		WithSecret(v.Secret, v.OldSecret), WithAppBaseURL("https://app.example.com"),
		WithTuning(Tuning{Clock: func() time.Time { return now }}),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serveWith runs the middleware on GET /page with the cookies and returns
// the session the app sees and the response cookies.
func serveWith(t testing.TB, c *Client, cookies map[string]string) (*Session, []*http.Cookie) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "https://app.example.com/page", nil)
	names := make([]string, 0, len(cookies))
	for n := range cookies {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		r.AddCookie(&http.Cookie{Name: n, Value: cookies[n]})
	}
	w := httptest.NewRecorder()
	ctx, res := c.Adapter().Serve(context.Background(), adapter.NewHTTPExchange(w, r))
	if res != nil {
		t.Fatalf("middleware answered %d", res.Status)
	}
	s, err := c.GetSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s, (&http.Response{Header: w.Header()}).Cookies()
}

func TestMigrateLegacySessions(t *testing.T) {
	v := loadLegacyVectors(t)
	for _, tc := range v.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			c := legacyClient(t, v, WithSessionMigration(tc.Format))
			s, set := serveWith(t, c, tc.Cookies)
			if s == nil {
				t.Fatal("legacy cookie read as no session")
			}
			fx := v.Fixture
			if s.User.Sub != fx.Sub || s.Internal.SID != fx.SID || s.TokenSet.IDToken != fx.IDToken ||
				s.TokenSet.AccessToken != fx.AccessToken || s.TokenSet.RefreshToken != fx.RefreshToken ||
				s.TokenSet.Scope != fx.Scope || s.TokenSet.ExpiresAt != fx.ExpiresAt {
				t.Fatalf("session = %+v", s)
			}
			if s.Internal.CreatedAt < v.GeneratedAt-5 || s.Internal.CreatedAt > v.GeneratedAt+5 {
				t.Errorf("createdAt = %d, generated at %d", s.Internal.CreatedAt, v.GeneratedAt)
			}
			if tc.Format == MigrateAuth0ServerJS {
				if s.TokenSet.Audience != fx.Audience || len(s.AccessTokens) != 1 || s.AccessTokens[0].Audience != "https://other.example.com/" {
					t.Errorf("token sets = %+v / %+v", s.TokenSet, s.AccessTokens)
				}
			}
			// Rewritten in our format, legacy cookies deleted.
			jar := map[string]string{}
			deleted := map[string]bool{}
			for _, ck := range set {
				if ck.MaxAge < 0 {
					deleted[ck.Name] = true
					continue
				}
				jar[ck.Name] = ck.Value
			}
			for name := range tc.Cookies {
				if !deleted[name] {
					t.Errorf("legacy cookie %s not deleted", name)
				}
			}
			joined := jar["__session"]
			for i := 0; jar[wire.ChunkName("__session", i)] != ""; i++ {
				joined += jar[wire.ChunkName("__session", i)]
			}
			if joined == "" {
				t.Fatalf("no __session written (%d cookies)", len(set))
			}
			s2, set2 := serveWith(t, c, jar)
			if s2 == nil || s2.User.Sub != fx.Sub || s2.TokenSet.RefreshToken != fx.RefreshToken || s2.Internal.CreatedAt != s.Internal.CreatedAt {
				t.Fatalf("migrated cookie reads as %+v", s2)
			}
			for _, ck := range set2 {
				if strings.HasPrefix(ck.Name, "__session") && ck.MaxAge < 0 {
					t.Errorf("migrated cookie %s deleted on the next request", ck.Name)
				}
			}
			if out := os.Getenv("LEGACY_MIGRATED_OUT"); out != "" {
				appendMigrated(t, out, v.Secret, tc.Name, joined)
			}
		})
	}
}

// appendMigrated records a migrated cookie for gen-legacy-vectors.mjs
// decrypt-v4.
func appendMigrated(t testing.TB, path, secret, from, value string) {
	var doc struct {
		Secret  string              `json:"secret"`
		Cookies []map[string]string `json:"cookies"`
	}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &doc)
	}
	doc.Secret = secret
	doc.Cookies = append(doc.Cookies, map[string]string{"name": "__session", "from": from, "value": value})
	b, _ := json.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateLegacyRefused(t *testing.T) {
	v := loadLegacyVectors(t)
	byName := map[string]map[string]string{}
	for _, tc := range v.Cases {
		byName[tc.Name] = tc.Cookies
	}
	tests := []struct {
		name    string
		opts    []Option
		cookies map[string]string
	}{
		{"off", nil, byName["server-js"]},
		{"off-v3", nil, byName["nextjs-v3"]},
		{"other-format-enabled", []Option{WithSessionMigration(MigrateNextjsV3)}, byName["server-js"]},
		{"other-format-enabled-v3", []Option{WithSessionMigration(MigrateAuth0ServerJS)}, byName["nextjs-v3"]},
		{"wrong-secret", []Option{WithSessionMigration(MigrateAuth0ServerJS), WithSecret(strings.Repeat("z", 40))}, byName["server-js"]},
		{"wrong-secret-v3", []Option{WithSessionMigration(MigrateNextjsV3), WithSecret(strings.Repeat("z", 40))}, byName["nextjs-v3"]},
		{"missing-chunk", []Option{WithSessionMigration(MigrateAuth0ServerJS)}, map[string]string{"__a0_session.0": byName["server-js-chunked"]["__a0_session.0"], "__a0_session.2": byName["server-js-chunked"]["__a0_session.2"]}},
		{"garbage", []Option{WithSessionMigration(MigrateAuth0ServerJS, MigrateNextjsV3)}, map[string]string{"__a0_session": "a.b.c.d.e", "appSession": "eyJhbGciOiJkaXIifQ..x.y.z"}},
		{"v4-cookie-as-v3", []Option{WithSessionMigration(MigrateNextjsV3)}, map[string]string{"appSession": mustV4Cookie(t, v.Secret)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := legacyClient(t, v, tc.opts...)
			s, set := serveWith(t, c, tc.cookies)
			if s != nil {
				t.Fatalf("session = %+v", s)
			}
			for _, ck := range set {
				if ck.Name == "__session" && ck.MaxAge >= 0 {
					t.Errorf("session cookie written: %v", ck)
				}
			}
		})
	}
}

func mustV4Cookie(t testing.TB, secret string) string {
	ck, err := GenerateSessionCookie(&Session{User: User{Sub: "u"}}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

// TestMigrateLegacyExpired: the JS SDKs' exp (15 s tolerance) holds.
func TestMigrateLegacyExpired(t *testing.T) {
	v := loadLegacyVectors(t)
	for _, tc := range v.Cases[:1] {
		late := time.Unix(v.GeneratedAt+11*365*24*3600, 0)
		c := legacyClient(t, v, WithSessionMigration(tc.Format), WithTuning(Tuning{Clock: func() time.Time { return late }}))
		if s, _ := serveWith(t, c, tc.Cookies); s != nil {
			t.Fatal("expired legacy cookie read")
		}
	}
}

// TestMigrateStatefulStore: a legacy cookie becomes a store record.
func TestMigrateStatefulStore(t *testing.T) {
	v := loadLegacyVectors(t)
	c := legacyClient(t, v, WithSessionMigration(MigrateNextjsV3), WithSessionStore(sessionstore.NewMemory()))
	s, set := serveWith(t, c, v.Cases[3].Cookies)
	if s == nil {
		t.Fatal("no session")
	}
	jar := map[string]string{}
	for _, ck := range set {
		if ck.MaxAge >= 0 {
			jar[ck.Name] = ck.Value
		}
	}
	if s2, _ := serveWith(t, c, jar); s2 == nil || s2.User.Sub != v.Fixture.Sub {
		t.Fatalf("stateful migrated session = %+v", s2)
	}
}

func TestMigrateConfig(t *testing.T) {
	env := map[string]string{"AUTH0_SECRET": " a ,b,, c", "AUTH0_MIGRATE_SESSIONS": "auth0-server-js, nextjs-v3"}
	cfg := defaultConfig(func(k string) string { return env[k] })
	if !slices.Equal(cfg.Secrets, []string{"a", "b", "c"}) || !slices.Equal(cfg.MigrateSessions, []string{MigrateAuth0ServerJS, MigrateNextjsV3}) {
		t.Fatalf("secrets %q migrate %q", cfg.Secrets, cfg.MigrateSessions)
	}
	if _, err := New(WithDomain("https://tenant.example.com"), WithClientID("cid"), WithSecret(strings.Repeat("s", 32)),
		WithAppBaseURL("https://app.example.com"), WithSessionMigration("nextjs-v2")); err == nil {
		t.Fatal("unknown format accepted")
	}
}

// TestMigratedCookieReadsInNextjsV4 checks the committed round trip:
// testdata/migrated-v4.json holds cookies our migration wrote and what
// nextjs-auth0 v4's decrypt() returned for them.
func TestMigratedCookieReadsInNextjsV4(t *testing.T) {
	b, err := os.ReadFile("testdata/migrated-v4.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Input struct {
			Secret  string              `json:"secret"`
			Cookies []map[string]string `json:"cookies"`
		} `json:"input"`
		Decrypted []struct {
			From    string          `json:"from"`
			Payload json.RawMessage `json:"payload"`
		} `json:"decrypted"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Decrypted) != len(doc.Input.Cookies) || len(doc.Decrypted) == 0 {
		t.Fatal("no decrypted cookies recorded")
	}
	keys, _ := wire.NewKeys(doc.Input.Secret)
	for i, d := range doc.Decrypted {
		if string(d.Payload) == "null" || len(d.Payload) == 0 {
			t.Fatalf("%s: nextjs-auth0 v4 could not decrypt our cookie", d.From)
		}
		js, _, err := wire.DecodeSession(d.Payload)
		if err != nil {
			t.Fatalf("%s: v4 payload: %v", d.From, err)
		}
		pt, err := keys.Open(doc.Input.Cookies[i]["value"])
		if err != nil {
			t.Fatal(err)
		}
		ours, _, err := wire.DecodeSession(pt)
		if err != nil {
			t.Fatal(err)
		}
		if js.User.Sub != ours.User.Sub || js.TokenSet != ours.TokenSet || js.Internal != ours.Internal {
			t.Errorf("%s: v4 saw %+v, we wrote %+v", d.From, js, ours)
		}
	}
}
