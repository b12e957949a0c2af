package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeSessionAccepts(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		want    Session
		exp     int64
		// lossy marks payloads whose re-encoding is not the same generic
		// JSON value (dropped unknown members of typed objects, fractional
		// or absent typed numbers).
		lossy bool
	}{
		{
			name:    "minimal",
			payload: `{"user":{"sub":"u"},"tokenSet":{"accessToken":"a","expiresAt":5},"internal":{"sid":"s","createdAt":7},"exp":9}`,
			want:    Session{User: User{Sub: "u"}, TokenSet: TokenSet{AccessToken: "a", ExpiresAt: 5}, Internal: Internal{SID: "s", CreatedAt: 7}},
			exp:     9,
		},
		{
			name:    "any order and whitespace",
			payload: " \n{ \"exp\" : 9 ,\t\"internal\":{ \"createdAt\":7,\"sid\":\"s\"},\r\n\"tokenSet\" : { \"expiresAt\" : 5 , \"accessToken\" : \"a\" } , \"user\" : { \"sub\" : \"u\" } }\n",
			want:    Session{User: User{Sub: "u"}, TokenSet: TokenSet{AccessToken: "a", ExpiresAt: 5}, Internal: Internal{SID: "s", CreatedAt: 7}},
			exp:     9,
		},
		{
			name:    "escapes",
			payload: `{"user":{"sub":"a\/b","name":"\u00e9\ud83d\ude00\"\\\b\f\n\r\t","nickname":"\ud800x"},"tokenSet":{},"internal":{}}`,
			want:    Session{User: User{Sub: "a/b", Name: "é😀\"\\\b\f\n\r\t", Nickname: "\uFFFDx"}},
		},
		{
			name:    "escaped keys",
			payload: `{"\u0075ser":{"n\u0061me":"x","sub":"s"},"tokenSet":{"\u0061ccessToken":"t"},"internal":{},"\u0065xp":3}`,
			want:    Session{User: User{Sub: "s", Name: "x"}, TokenSet: TokenSet{AccessToken: "t"}},
			exp:     3,
		},
		{
			name:    "floats and nulls",
			lossy:   true,
			payload: `{"user":null,"tokenSet":{"accessToken":null,"expiresAt":1.7e9,"scope":null},"internal":{"sid":null,"createdAt":1700000000.5,"sessionExpiresAt":null},"accessTokens":null,"exp":-1.5E+1}`,
			want:    Session{TokenSet: TokenSet{ExpiresAt: 1700000000}, Internal: Internal{CreatedAt: 1700000000}},
			exp:     -15,
		},
		{
			name:    "internal.mcd as nextjs-auth0 writes it",
			payload: `{"user":{"sub":"u"},"tokenSet":{"accessToken":"a","expiresAt":2},"internal":{"sid":"s","createdAt":1,"mcd":{"domain":"brand.example.com","issuer":"https://brand.example.com/"}}}`,
			want: Session{User: User{Sub: "u"}, TokenSet: TokenSet{AccessToken: "a", ExpiresAt: 2},
				Internal: Internal{SID: "s", CreatedAt: 1, MCDDomain: "brand.example.com", MCDIssuer: "https://brand.example.com/"}},
		},
		{
			name:    "exp null means absent",
			payload: `{"exp":null}`,
		},
		{
			name:    "empty object",
			payload: `{}`,
		},
		{
			name:    "unknown keys",
			lossy:   true,
			payload: `{"user":{"sub":"u","act":{"sub":"x"},"urn:x":[1,{"a":null}],"n":-0.5e-3},"tokenSet":{"foo":{"deep":[[]]},"accessToken":"a"},"internal":{"mcd":{"domain":"d","issuer":"i"},"sid":"s"},"custom":{"a":[true,false,null]},"connectionTokenSets":[],"exp":1}`,
			want: Session{
				User: User{Sub: "u", Extra: map[string]json.RawMessage{
					"act": json.RawMessage(`{"sub":"x"}`), "urn:x": json.RawMessage(`[1,{"a":null}]`), "n": json.RawMessage(`-0.5e-3`),
				}},
				TokenSet: TokenSet{AccessToken: "a"},
				Internal: Internal{SID: "s", MCDDomain: "d", MCDIssuer: "i"},
				Extra: map[string]json.RawMessage{
					"custom": json.RawMessage(`{"a":[true,false,null]}`), "connectionTokenSets": json.RawMessage(`[]`),
				},
			},
			exp: 1,
		},
		{
			name:    "known claims that typed fields cannot hold",
			payload: `{"user":{"sub":null,"name":"","email":5,"email_verified":false,"picture":{"x":1},"org_id":"o"}}`,
			want: Session{User: User{OrgID: "o", Extra: map[string]json.RawMessage{
				"sub": json.RawMessage(`null`), "name": json.RawMessage(`""`), "email": json.RawMessage(`5`),
				"email_verified": json.RawMessage(`false`), "picture": json.RawMessage(`{"x":1}`),
			}}},
		},
		{
			name:    "duplicate keys: last wins",
			payload: `{"user":{"name":"a","name":3,"email":1,"email":"e","email_verified":true,"email_verified":false},"user2":1,"user2":2,"exp":1,"exp":2}`,
			want: Session{
				User:  User{Email: "e", Extra: map[string]json.RawMessage{"name": json.RawMessage(`3`), "email_verified": json.RawMessage(`false`)}},
				Extra: map[string]json.RawMessage{"user2": json.RawMessage(`2`)},
			},
			exp: 2,
		},
		{
			name:    "duplicate objects replace",
			payload: `{"tokenSet":{"accessToken":"a","scope":"s"},"tokenSet":{"accessToken":"b"},"user":{"sub":"x","name":"n"},"user":{"sub":"y"}}`,
			want:    Session{User: User{Sub: "y"}, TokenSet: TokenSet{AccessToken: "b"}},
		},
		{
			name:    "accessTokens",
			lossy:   true,
			payload: `{"accessTokens":[{"accessToken":"a","audience":"b","expiresAt":3,"scope":"s","requestedScope":"r","token_type":"bearer","x":1},null],"accessTokens":[{"audience":"z"}]}`,
			want:    Session{AccessTokens: []AccessTokenSet{{Audience: "z"}}},
		},
		{
			name:    "empty accessTokens is nil",
			payload: `{"accessTokens":[ ]}`,
		},
		{
			name:    "invalid utf8 is replaced",
			payload: "{\"user\":{\"sub\":\"a\xffb\",\"name\":\"\xc3\"}}",
			want:    Session{User: User{Sub: "a\uFFFDb", Name: "\uFFFD"}},
		},
		{
			name:    "big integers",
			payload: `{"tokenSet":{"expiresAt":9223372036854775807},"internal":{"createdAt":-9223372036854775808,"sessionExpiresAt":123456789012345678}}`,
			want:    Session{TokenSet: TokenSet{ExpiresAt: 9223372036854775807}, Internal: Internal{CreatedAt: -9223372036854775808, SessionExpiresAt: 123456789012345678}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, exp, err := DecodeSession([]byte(c.payload))
			if err != nil {
				t.Fatal(err)
			}
			if exp != c.exp {
				t.Errorf("exp = %d, want %d", exp, c.exp)
			}
			if !sessionsEqual(s, &c.want) {
				t.Errorf("got  %#v\nwant %#v", *s, c.want)
			}
			// Re-encoding keeps the generic value (plus the members
			// EncodeSession always writes).
			if !c.lossy {
				if !reflect.DeepEqual(genericNoExp(t, EncodeSession(nil, s, exp)), withDefaults(genericNoExp(t, []byte(c.payload)))) {
					t.Errorf("re-encoded %s", EncodeSession(nil, s, exp))
				}
			}
			s2, exp2, err := DecodeSession(EncodeSession(nil, s, exp))
			if err != nil || exp2 != exp || !sessionsEqual(s, s2) {
				t.Errorf("round trip: %v %d %#v", err, exp2, s2)
			}
		})
	}
}

// withDefaults adds the members EncodeSession always writes (user.sub,
// tokenSet.expiresAt, internal.sid/createdAt) to a generic payload.
func withDefaults(v any) any {
	m := v.(map[string]any)
	obj := func(k string) map[string]any {
		o, _ := m[k].(map[string]any)
		if o == nil {
			o = map[string]any{}
			m[k] = o
		}
		return o
	}
	def := func(o map[string]any, k string, d any) {
		if _, ok := o[k]; !ok {
			o[k] = d
		}
	}
	def(obj("user"), "sub", "")
	def(obj("tokenSet"), "expiresAt", 0.0)
	in := obj("internal")
	def(in, "sid", "")
	def(in, "createdAt", 0.0)
	if a, ok := m["accessTokens"].([]any); ok && len(a) == 0 {
		delete(m, "accessTokens")
	}
	return m
}

func TestDecodeSessionRejects(t *testing.T) {
	bad := []string{
		``, ` `, `null`, `[]`, `"x"`, `1`, `{`, `}`, `{"user"}`, `{"user":}`, `{"user":{}`, `{"user":{}}}`,
		`{"user":{}} x`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`, `{'a':1}`, `{a:1}`, `{"a":01}`, `{"a":1.}`,
		`{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":1e+}`, `{"a":+1}`, `{"a":0x10}`, `{"a":NaN}`, `{"a":Infinity}`,
		`{"a":tru}`, `{"a":nul}`, `{"a":True}`, `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12g4"}`,
		"{\"a\":\"\x01\"}", "{\"a\":\"\t\"}", "{\"user\":{\"sub\":\"\n\"}}", `{"a":"unterminated}`, `{"a":[1,]}`, `{"a":[,1]}`,
		`{"a":[1 2]}`, `{"a":{"b"}}`, `{"a":{"b":1,}}`, `{"a":{1:2}}`, "\xef\xbb\xbf{}", `{"a":1}{}`,
		`{"user":[]}`, `{"user":"x"}`, `{"user":1}`, `{"tokenSet":[]}`, `{"tokenSet":{"accessToken":1}}`,
		`{"tokenSet":{"expiresAt":"1"}}`, `{"tokenSet":{"expiresAt":true}}`, `{"internal":"x"}`, `{"internal":{"sid":1}}`,
		`{"internal":{"createdAt":{}}}`, `{"accessTokens":{}}`, `{"accessTokens":[1]}`, `{"accessTokens":["a"]}`,
		`{"accessTokens":[{"expiresAt":"x"}]}`, `{"exp":"1"}`, `{"exp":true}`, `{"exp":1e400}`, `{"exp":9223372036854775808}`,
		`{"exp":-9.3e18}`, `{"user":{"email_verified":tru}}`, `{"user":{"sub":"a"b"}}`, `{"user":{"name":"\ud83d\u"}}`,
		`{"tokenSet":{"x":[}}`, `{"internal":{"x":{]}}`,
		strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
		`{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + "}",
	}
	for _, p := range bad {
		s, _, err := DecodeSession([]byte(p))
		if !errors.Is(err, ErrMalformed) || s != nil {
			name := p
			if len(name) > 60 {
				name = name[:60] + "..."
			}
			t.Errorf("DecodeSession(%q) = %v, %v; want ErrMalformed", name, s, err)
		}
	}
}

func TestDecodeSessionDepthLimit(t *testing.T) {
	ok := `{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + "}"
	if _, _, err := DecodeSession([]byte(ok)); err != nil {
		t.Fatalf("depth 10000: %v", err)
	}
}

func TestDecodeSessionDoesNotRetainInput(t *testing.T) {
	in := []byte(`{"user":{"sub":"abc","x":"y"},"k":[1]}`)
	s, _, err := DecodeSession(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = '#'
	}
	if s.User.Sub != "abc" || string(s.User.Extra["x"]) != `"y"` || string(s.Extra["k"]) != `[1]` {
		t.Fatalf("session changed with its input: %+v", s)
	}
	// Extra values have clipped capacity: appending copies.
	raw := s.User.Extra["x"]
	_ = append(raw, "zzzzzzzzzzzzzzzz"...)
	if s.User.Sub != "abc" {
		t.Fatal("append to Extra value overwrote the buffer")
	}
}

func TestEncodeSessionEscaping(t *testing.T) {
	var ctl strings.Builder
	for c := 0; c < 0x20; c++ {
		ctl.WriteByte(byte(c))
	}
	s := &Session{User: User{
		Sub:  ctl.String(),
		Name: `"quoted" \back\slash / <tag> & é 😀 ` + "\u2028\u2029\x7f",
		// Invalid UTF-8 is replaced by U+FFFD, like encoding/json.
		Nickname: "bad\xff\xc3(",
	}}
	out := EncodeSession(nil, s, 1)
	if !json.Valid(out) {
		t.Fatalf("invalid JSON: %q", out)
	}
	wantSub := `"sub":"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"`
	if !strings.Contains(string(out), wantSub) {
		t.Errorf("control characters: %s", out)
	}
	if !strings.Contains(string(out), `"name":"\"quoted\" \\back\\slash / <tag> & é 😀 `+"\u2028\u2029\x7f"+`"`) {
		t.Errorf("name: %s", out)
	}
	if !strings.Contains(string(out), `"nickname":"bad\ufffd\ufffd("`) {
		t.Errorf("invalid UTF-8: %s", out)
	}
	var g struct {
		User struct{ Sub, Name, Nickname string }
	}
	if err := json.Unmarshal(out, &g); err != nil || g.User.Sub != s.User.Sub || g.User.Name != s.User.Name || g.User.Nickname != "bad\uFFFD\uFFFD(" {
		t.Errorf("encoding/json reads back %+v, %v", g, err)
	}
}

func TestEncodeSessionShape(t *testing.T) {
	s := &Session{
		User:         User{Sub: "u", EmailVerified: true, Extra: map[string]json.RawMessage{"b": json.RawMessage(`2`), "a": json.RawMessage(`1`), "e": nil}},
		TokenSet:     TokenSet{AccessToken: "at", IDToken: "id", RefreshToken: "rt", Scope: "s", RequestedScope: "rs", Audience: "aud", TokenType: "bearer", ExpiresAt: 10},
		AccessTokens: []AccessTokenSet{{AccessToken: "x", Audience: "y", ExpiresAt: 11}, {AccessToken: "p", Audience: "q", Scope: "s", RequestedScope: "r", TokenType: "dpop", ExpiresAt: 12}},
		Internal:     Internal{SID: "sid", CreatedAt: 5, SessionExpiresAt: 6},
		Extra: map[string]json.RawMessage{
			"z": json.RawMessage(`{"k":[1]}`), "user": json.RawMessage(`"shadowed"`), "exp": json.RawMessage(`0`), "internal": json.RawMessage(`1`),
		},
	}
	got := string(EncodeSession([]byte("prefix:"), s, 99))
	want := `prefix:{"user":{"sub":"u","email_verified":true,"a":1,"b":2,"e":null},` +
		`"tokenSet":{"accessToken":"at","idToken":"id","scope":"s","requestedScope":"rs","refreshToken":"rt","expiresAt":10,"audience":"aud","token_type":"bearer"},` +
		`"accessTokens":[{"accessToken":"x","audience":"y","expiresAt":11},{"accessToken":"p","scope":"s","requestedScope":"r","audience":"q","expiresAt":12,"token_type":"dpop"}],` +
		`"internal":{"sid":"sid","createdAt":5,"sessionExpiresAt":6},"z":{"k":[1]},"exp":99}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := string(EncodeSession(nil, nil, 1)); got != `{"user":{"sub":""},"tokenSet":{"expiresAt":0},"internal":{"sid":"","createdAt":0},"exp":1}` {
		t.Fatalf("nil session: %s", got)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	fx, _ := fixtureSession(t)
	sessions := []*Session{
		fx,
		goVectorSession(t),
		{},
		{User: User{Sub: "", Extra: map[string]json.RawMessage{"sub": json.RawMessage(`null`)}}},
		{User: User{Name: "n", Extra: map[string]json.RawMessage{"name": json.RawMessage(`""`), "email_verified": json.RawMessage(`false`)}}},
		{Internal: Internal{SessionExpiresAt: -1, CreatedAt: -2}, TokenSet: TokenSet{ExpiresAt: -9223372036854775808}},
		{User: User{Sub: "\x00\u2028é😀\\\"", Extra: map[string]json.RawMessage{"\x01k\"": json.RawMessage(`"v"`)}}},
	}
	for i, s := range sessions {
		out := EncodeSession(nil, s, int64(i))
		s2, exp, err := DecodeSession(out)
		if err != nil || exp != int64(i) {
			t.Fatalf("%d: %v %d (%s)", i, err, exp, out)
		}
		// A non-zero typed field shadows an Extra entry of the same name.
		want := *s
		if want.User.Name != "" && want.User.Extra["name"] != nil {
			want.User.Extra = map[string]json.RawMessage{"email_verified": json.RawMessage(`false`)}
		}
		if !sessionsEqual(s2, &want) {
			t.Errorf("%d: round trip\n got %#v\nwant %#v", i, s2, want)
		}
	}
}

func TestDecodeAliasesPayload(t *testing.T) {
	// Strings without escapes alias the owned buffer: decoding the fixture
	// allocates little (the Session, the user Extra map).
	v := loadNextjsVectors(t)
	payload := []byte(v.Vectors[1].Payload)
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, _, err := decodeSession(payload); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 5 {
		t.Fatalf("decodeSession allocs = %v", allocs)
	}
}
