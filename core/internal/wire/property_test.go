package wire

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// TestPropertyNextjsPayloads generates random payloads of the shape
// nextjs-auth0 writes (random member order, whitespace and string escapes,
// custom claims and top-level data of any JSON type) and checks that
// decode -> encode gives the same generic JSON value (minus "exp") as
// encoding/json reads from the original, and that decode(encode(s)) == s.
func TestPropertyNextjsPayloads(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	for seed := uint64(0); seed < uint64(n); seed++ {
		g := &gen{r: rand.New(rand.NewPCG(seed, 0x5eed))}
		value := g.session()
		payload := g.encode(nil, value)

		s, exp, err := DecodeSession(payload)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, payload)
		}
		if want := int64(value["exp"].(float64)); exp != want {
			t.Fatalf("seed %d: exp %d, want %d", seed, exp, want)
		}
		enc := EncodeSession(nil, s, exp)
		got, want := genericNoExp(t, enc), genericNoExp(t, payload)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: generic value differs\n in: %s\nout: %s", seed, payload, enc)
		}
		s2, exp2, err := DecodeSession(enc)
		if err != nil || exp2 != exp || !sessionsEqual(s, s2) {
			t.Fatalf("seed %d: decode(encode(s)) differs: %v", seed, err)
		}
	}
}

// gen builds random nextjs-shaped generic values and serialises them with
// random formatting.
type gen struct{ r *rand.Rand }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

var genRunes = []rune("abcXYZ019 _-./:|@+=~\"\\\x00\x01\x1f\x7f\t\n\réüß€😀𝄞\u2028\u2029<>&'")

func (g *gen) str(nonEmpty bool) string {
	n := g.r.IntN(12)
	if nonEmpty && n == 0 {
		n = 1
	}
	var b strings.Builder
	for range n {
		b.WriteRune(genRunes[g.r.IntN(len(genRunes))])
	}
	return b.String()
}

func (g *gen) num() float64 {
	switch g.r.IntN(4) {
	case 0:
		return float64(g.r.IntN(5_000_000_000))
	case 1:
		return -float64(g.r.IntN(1000))
	case 2:
		return g.r.Float64() * 1e6
	default:
		return float64(g.r.Int64N(1 << 53))
	}
}

func (g *gen) value(depth int) any {
	k := g.r.IntN(7)
	if depth > 3 && k >= 5 {
		k = 0
	}
	switch k {
	case 0:
		return g.str(false)
	case 1:
		return g.num()
	case 2:
		return g.chance(0.5)
	case 3:
		return nil
	case 4:
		return g.str(true)
	case 5:
		a := make([]any, g.r.IntN(4))
		for i := range a {
			a[i] = g.value(depth + 1)
		}
		return a
	default:
		m := map[string]any{}
		for range g.r.IntN(4) {
			m[g.str(false)] = g.value(depth + 1)
		}
		return m
	}
}

var knownStringClaims = []string{"sub", "name", "nickname", "given_name", "family_name", "picture", "email", "org_id"}

func (g *gen) user() map[string]any {
	u := map[string]any{"sub": g.str(false)}
	for _, k := range knownStringClaims[1:] {
		switch {
		case g.chance(0.5):
			u[k] = g.str(true)
		case g.chance(0.15):
			u[k] = g.value(1) // empty string, null, number, object, ...
		}
	}
	if g.chance(0.1) {
		u["sub"] = g.value(1)
	}
	switch {
	case g.chance(0.4):
		u["email_verified"] = true
	case g.chance(0.3):
		u["email_verified"] = false
	case g.chance(0.1):
		u["email_verified"] = g.value(1)
	}
	for range g.r.IntN(4) {
		u[g.str(false)] = g.value(1)
	}
	if g.chance(0.3) {
		u["act"] = map[string]any{"sub": g.str(true)}
	}
	return u
}

func (g *gen) optStrings(m map[string]any, keys ...string) {
	for _, k := range keys {
		if g.chance(0.6) {
			m[k] = g.str(true)
		}
	}
}

func (g *gen) session() map[string]any {
	ts := map[string]any{"accessToken": g.str(true), "expiresAt": float64(g.r.Int64N(5_000_000_000))}
	g.optStrings(ts, "idToken", "scope", "requestedScope", "refreshToken", "audience", "token_type")
	in := map[string]any{"sid": g.str(false), "createdAt": float64(g.r.Int64N(5_000_000_000))}
	if g.chance(0.3) {
		in["sessionExpiresAt"] = float64(1 + g.r.Int64N(5_000_000_000))
	}
	s := map[string]any{"user": g.user(), "tokenSet": ts, "internal": in, "exp": float64(g.r.Int64N(5_000_000_000))}
	if g.chance(0.3) {
		ats := make([]any, 1+g.r.IntN(3))
		for i := range ats {
			a := map[string]any{"accessToken": g.str(false), "audience": g.str(false), "expiresAt": float64(g.r.Int64N(5_000_000_000))}
			g.optStrings(a, "scope", "requestedScope", "token_type")
			ats[i] = a
		}
		s["accessTokens"] = ats
	}
	for range g.r.IntN(4) {
		k := g.str(false)
		if isSessionKey(k) {
			continue
		}
		s[k] = g.value(0)
	}
	return s
}

var wsChars = []string{"", "", "", " ", "\n", "\t", "\r\n  "}

func (g *gen) ws(dst []byte) []byte { return append(dst, wsChars[g.r.IntN(len(wsChars))]...) }

// encode serialises v with shuffled members, random whitespace, random
// (valid) escapes and varied number spellings.
func (g *gen) encode(dst []byte, v any) []byte {
	dst = g.ws(dst)
	switch v := v.(type) {
	case nil:
		dst = append(dst, "null"...)
	case bool:
		dst = strconv.AppendBool(dst, v)
	case float64:
		switch {
		case v == float64(int64(v)) && g.chance(0.7):
			dst = strconv.AppendInt(dst, int64(v), 10)
		case g.chance(0.5):
			dst = strconv.AppendFloat(dst, v, 'e', -1, 64)
		default:
			dst = strconv.AppendFloat(dst, v, 'g', -1, 64)
		}
	case string:
		dst = g.encodeString(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(g.ws(dst), ',')
			}
			dst = g.encode(dst, e)
		}
		dst = append(g.ws(dst), ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		g.r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(g.ws(dst), ',')
			}
			dst = g.encodeString(g.ws(dst), k)
			dst = append(g.ws(dst), ':')
			dst = g.encode(dst, v[k])
		}
		dst = append(g.ws(dst), '}')
	default:
		panic(fmt.Sprintf("gen: %T", v))
	}
	return g.ws(dst)
}

func (g *gen) encodeString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			if g.chance(0.5) {
				dst = append(dst, '\\', byte(r))
			} else {
				dst = fmt.Appendf(dst, `\u%04x`, r)
			}
		case r < 0x20 || g.chance(0.1):
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				dst = fmt.Appendf(dst, `\u%04X\u%04x`, r1, r2)
			} else {
				dst = fmt.Appendf(dst, `\u%04x`, r)
			}
		case r == '/' && g.chance(0.5):
			dst = append(dst, '\\', '/')
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return append(dst, '"')
}

// TestPropertyMatchesEncodingJSON cross-checks decoded strings against
// encoding/json on the same random payloads.
func TestPropertyMatchesEncodingJSON(t *testing.T) {
	for seed := uint64(0); seed < 500; seed++ {
		g := &gen{r: rand.New(rand.NewPCG(seed, 7))}
		payload := g.encode(nil, g.session())
		s, _, err := DecodeSession(payload)
		if err != nil {
			t.Fatal(err)
		}
		var std struct {
			User     map[string]any
			TokenSet struct {
				AccessToken, IDToken, Scope string
			}
		}
		if err := json.Unmarshal(payload, &std); err != nil {
			t.Fatal(err)
		}
		if got := s.User.Claims(); !reflect.DeepEqual(got, std.User) {
			t.Fatalf("seed %d: claims\n got %#v\nwant %#v", seed, got, std.User)
		}
		if s.TokenSet.AccessToken != std.TokenSet.AccessToken || s.TokenSet.IDToken != std.TokenSet.IDToken || s.TokenSet.Scope != std.TokenSet.Scope {
			t.Fatalf("seed %d: tokenSet %+v vs %+v", seed, s.TokenSet, std.TokenSet)
		}
	}
}
