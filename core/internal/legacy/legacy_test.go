package legacy

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

type vectors struct {
	GeneratedAt int64  `json:"generatedAt"`
	Secret      string `json:"secret"`
	OldSecret   string `json:"oldSecret"`
	Cases       []struct {
		Name, Format string
		Cookies      map[string]string
	} `json:"cases"`
}

func load(t testing.TB) *vectors {
	b, err := os.ReadFile("testdata/legacy-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

func joined(cookies map[string]string, base string) string {
	if v, ok := cookies[base]; ok {
		return v
	}
	var b strings.Builder
	for i := 0; ; i++ {
		v, ok := cookies[base+"."+string(rune('0'+i))]
		if !ok {
			return b.String()
		}
		b.WriteString(v)
	}
}

// TestNotesVector is the auth0-server-js golden vector of the reference
// notes (HKDF salt = identifier + kid).
func TestNotesVector(t *testing.T) {
	const tok = "eyJlbmMiOiJBMjU2Q0JDLUhTNTEyIiwiYWxnIjoiZGlyIiwia2lkIjoiMDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAwIn0..mkShG5KGaVbkoSpA7N3ppw.Qv7LvjWFc_fAos_Qbqlf4s6LU7knEAebaU0OPN198UYrp4bkID9F6prwjAvxw2vugTIy7GbmdZVFta8oaqZ_PMfHVMs1sEincF7eFvdvbD6X0qwIdoeRiMm7P2tHDItYhUb5NOh3pbNA_hW4adH0fA5Y6D-cQkh63nkMeeYmH8RdD6H1qzD40CZM6QB1GkfM.0G--tXeX9F8t8EvElkHJ5fRSt1PReLlkEWxK-cjwWDs"
	payload, exp, err := Open(ServerJS, tok, []string{"wrong-secret-0123456789abcdefghijklmnop", "test-secret-0123456789abcdefghijklmnop"}, 1700000000)
	if err != nil || exp != 4102444800 {
		t.Fatalf("exp %d err %v", exp, err)
	}
	const want = `{"user":{"sub":"auth0|v"},"tokenSet":{"idToken":"x","refreshToken":"r","expiresAt":0},"internal":{"sid":"s","createdAt":1700000000}}`
	if string(payload) != want {
		t.Fatalf("payload %s", payload)
	}
}

func TestOpenVectors(t *testing.T) {
	v := load(t)
	for _, tc := range v.Cases {
		val := joined(tc.Cookies, BaseName(tc.Format))
		p, exp, err := Open(tc.Format, val, []string{v.Secret, v.OldSecret}, v.GeneratedAt)
		if err != nil || exp <= v.GeneratedAt || !strings.Contains(string(p), `"sub":"auth0|`) {
			t.Errorf("%s: exp %d err %v", tc.Name, exp, err)
		}
		if _, _, err := Open(tc.Format, val, []string{v.Secret + "x"}, v.GeneratedAt); !errors.Is(err, ErrDecrypt) {
			t.Errorf("%s: wrong secret: %v", tc.Name, err)
		}
		if _, _, err := Open(tc.Format, val, []string{v.Secret, v.OldSecret}, exp+16); !errors.Is(err, ErrExpired) {
			t.Errorf("%s: expired: %v", tc.Name, err)
		}
		other := ServerJS
		if tc.Format == ServerJS {
			other = NextjsV3
		}
		if _, _, err := Open(other, val, []string{v.Secret, v.OldSecret}, v.GeneratedAt); err == nil {
			t.Errorf("%s read as %s", tc.Name, other)
		}
	}
}

func seal(t *testing.T, enc jose.ContentEncryption, key []byte, hdr map[jose.HeaderKey]any, plain string) string {
	t.Helper()
	opts := &jose.EncrypterOptions{ExtraHeaders: hdr}
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: jose.DIRECT, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.Encrypt([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := o.CompactSerialize()
	return s
}

func TestOpenRefused(t *testing.T) {
	const secret = "secret-secret-secret-secret-secret-00"
	sjKey := func(kid string) []byte {
		k, _ := hkdf.Key(sha256.New, []byte(secret), []byte(ServerJSCookie+kid), serverJSInfo, 64)
		return k
	}
	v3Key, _ := hkdf.Key(sha256.New, []byte(secret), nil, "JWE CEK", 32)
	kid := map[jose.HeaderKey]any{"kid": "k1"}
	cases := []struct {
		name, format, token string
		want                error
	}{
		{"unknown format", "express", "x", ErrMalformed},
		{"not a JWE", ServerJS, "a.b.c", ErrMalformed},
		{"no kid", ServerJS, seal(t, jose.A256CBC_HS512, sjKey(""), nil, `{"user":{"sub":"u"}}`), ErrMalformed},
		{"no user", ServerJS, seal(t, jose.A256CBC_HS512, sjKey("k1"), kid, `{"exp":4102444800}`), ErrMalformed},
		{"not JSON", ServerJS, seal(t, jose.A256CBC_HS512, sjKey("k1"), kid, `nope`), ErrMalformed},
		{"bad exp", ServerJS, seal(t, jose.A256CBC_HS512, sjKey("k1"), kid, `{"user":{"sub":"u"},"exp":-1}`), ErrMalformed},
		{"wrong kid in salt", ServerJS, seal(t, jose.A256CBC_HS512, sjKey("k2"), kid, `{"user":{"sub":"u"}}`), ErrDecrypt},
		{"v3 without iat", NextjsV3, seal(t, jose.A256GCM, v3Key, nil, `{"user":{"sub":"u"}}`), ErrMalformed},
		{"v3 no user", NextjsV3, seal(t, jose.A256GCM, v3Key, map[jose.HeaderKey]any{"iat": 1}, `{}`), ErrMalformed},
		{"v3 expired", NextjsV3, seal(t, jose.A256GCM, v3Key, map[jose.HeaderKey]any{"iat": 1, "exp": 2}, `{"user":{"sub":"u"}}`), ErrExpired},
		{"v3 wrong key", NextjsV3, seal(t, jose.A256GCM, sjKey("k")[:32], map[jose.HeaderKey]any{"iat": 1}, `{"user":{"sub":"u"}}`), ErrDecrypt},
		{"v3 as server-js", ServerJS, seal(t, jose.A256GCM, v3Key, map[jose.HeaderKey]any{"iat": 1}, `{"user":{"sub":"u"}}`), ErrMalformed},
	}
	for _, tc := range cases {
		if _, _, err := Open(tc.format, tc.token, []string{secret}, 100); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Accepted: no exp (the JS SDKs accept it), server-js "default" audience,
	// connection token sets kept.
	p, exp, err := Open(ServerJS, seal(t, jose.A256CBC_HS512, sjKey("k1"), kid,
		`{"user":{"sub":"u"},"tokenSets":[{"audience":"default","accessToken":"a","expiresAt":5},{"audience":"default","accessToken":"b"}],"connectionTokenSets":[{"connection":"c"}],"sessionExpiresAt":9}`), []string{secret}, 100)
	if err != nil || exp != 0 || string(p) != `{"user":{"sub":"u"},"tokenSet":{"accessToken":"a","expiresAt":5},"internal":{"sid":"","createdAt":0,"sessionExpiresAt":9},"connectionTokenSets":[{"connection":"c"}]}` {
		t.Fatalf("%s %d %v", p, exp, err)
	}
}

func TestChunkIndex(t *testing.T) {
	for name, want := range map[string]int{"appSession": -1, "appSession.0": 0, "appSession.12": 12} {
		if i, ok := ChunkIndex("appSession", name); !ok || i != want {
			t.Errorf("%s: %d %v", name, i, ok)
		}
	}
	for _, name := range []string{"appSession.", "appSession.01", "appSession.x", "appSession.99", "appSession.100", "appSessionX", "__session"} {
		if _, ok := ChunkIndex("appSession", name); ok {
			t.Errorf("%s accepted", name)
		}
	}
	if v, ok := Join("b", false, "", []string{"a", "b"}, []bool{true, false}); ok || v != "" {
		t.Error("gap accepted")
	}
	if v, ok := Join("b", true, "x", nil, nil); !ok || v != "x" {
		t.Error("base refused")
	}
	if _, ok := Join("b", false, "", nil, nil); ok {
		t.Error("nothing accepted")
	}
}

// FuzzOpen: untrusted cookie values never panic.
func FuzzOpen(f *testing.F) {
	v := load(f)
	for _, tc := range v.Cases {
		f.Add(tc.Format == NextjsV3, joined(tc.Cookies, BaseName(tc.Format)))
	}
	f.Add(false, "eyJhbGciOiJkaXIifQ....")
	f.Fuzz(func(t *testing.T, v3 bool, token string) {
		format := ServerJS
		if v3 {
			format = NextjsV3
		}
		_, _, _ = Open(format, token, []string{v.Secret}, v.GeneratedAt)
	})
}
