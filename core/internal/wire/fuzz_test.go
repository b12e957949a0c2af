package wire

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// seedTokens returns every committed cookie plus damaged variants.
func seedTokens(f *testing.F) []string {
	v := loadNextjsVectors(f)
	var gv goVector
	readJSONFile(f, "testdata/go-vector.json", &gv)
	toks := []string{notesSession, notesStatefulID, v.Vectors[0].Cookie, v.Vectors[1].Cookie, gv.Cookie}
	for _, t := range toks[:2] {
		toks = append(toks, t[:len(t)/2], strings.Replace(t, ".", "..", 1), protectedHeaderAlt+t[len(protectedHeader):],
			b64json(`{"alg":"dir","enc":"A256GCM","zip":"DEF"}`)+t[len(protectedHeader):])
	}
	return append(toks, "", ".", "....", "a.b.c.d.e")
}

// FuzzOpen feeds arbitrary strings to Open and OpenSession: they must never
// panic, and anything they accept must be authentic.
func FuzzOpen(f *testing.F) {
	for _, tok := range seedTokens(f) {
		f.Add(tok)
	}
	v := loadNextjsVectors(f)
	k := mustKeys(f, "fuzz-secret", notesSecret, v.Secret)
	authentic := map[string]bool{}
	for _, tok := range seedTokens(f)[:5] {
		if _, err := k.Open(tok); err != nil {
			f.Fatalf("seed does not open: %v", err)
		}
		authentic[tok] = true
	}
	f.Fuzz(func(t *testing.T, token string) {
		_, err := k.Open(token)
		switch {
		case err == nil && !authentic[token]:
			// Any other token opening would be a forgery or a
			// malleable encoding.
			t.Fatalf("opened a token that was never sealed: %q", token)
		case err != nil && err != ErrMalformed && err != ErrDecrypt:
			t.Fatalf("unexpected error %v", err)
		}
		s, _, err := k.OpenSession(token, 1700000000)
		if (err == nil) != (s != nil) {
			t.Fatalf("OpenSession: session %v with error %v", s, err)
		}
		var m map[string]any
		_ = k.OpenJSON(token, &m, 1700000000)
	})
}

// FuzzDecodeSession feeds arbitrary payloads to DecodeSession. It must never
// panic; it must reject everything encoding/json considers invalid; and
// whatever it accepts must re-encode to valid JSON that decodes to an equal
// session, with strings equal to what encoding/json reads.
func FuzzDecodeSession(f *testing.F) {
	v := loadNextjsVectors(f)
	var gv goVector
	readJSONFile(f, "testdata/go-vector.json", &gv)
	for _, p := range []string{notesPayload, string(v.Vectors[0].Payload), string(v.Vectors[1].Payload), string(gv.Payload),
		`{}`, `{"user":{"sub":"\ud83d\ude00","x":[1,{"y":null}]},"exp":1.5e9}`, `{"user":{"email_verified":false,"name":""}}`,
		`{"accessTokens":[{"accessToken":"a","audience":"b","expiresAt":1},null],"internal":{"mcd":{}}}`,
		`{"internal":{"sid":"s","createdAt":1,"mcd":{"domain":"b.example.com","issuer":"https://b.example.com/","x":[1]}}}`} {
		f.Add([]byte(p))
	}
	for seed := range uint64(20) {
		g := &gen{r: rand.New(rand.NewPCG(seed, 99))}
		f.Add(g.encode(nil, g.session()))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		in := append([]byte(nil), payload...)
		s, exp, err := DecodeSession(in)
		valid := json.Valid(payload)
		if err != nil {
			if err != ErrMalformed {
				t.Fatalf("unexpected error %v", err)
			}
			if s != nil {
				t.Fatal("session returned with error")
			}
			return
		}
		if !valid {
			t.Fatalf("accepted invalid JSON %q", payload)
		}
		enc := EncodeSession(nil, s, exp)
		if !json.Valid(enc) {
			t.Fatalf("encoded invalid JSON %q", enc)
		}
		s2, exp2, err := DecodeSession(enc)
		if err != nil || exp2 != exp || !sessionsEqual(s, s2) {
			t.Fatalf("re-decode differs (%v)\n in: %q\nenc: %q\n s: %#v\ns2: %#v", err, payload, enc, s, s2)
		}
		if enc2 := EncodeSession(nil, s2, exp2); string(enc2) != string(enc) {
			t.Fatalf("encoding not stable\n%q\n%q", enc, enc2)
		}
		// Differential check against encoding/json.
		var std map[string]any
		if err := json.Unmarshal(payload, &std); err != nil {
			t.Fatalf("encoding/json rejects accepted payload: %v", err)
		}
		if u, ok := std["user"].(map[string]any); ok {
			if _, has := u["sub"]; !has {
				u["sub"] = ""
			}
			if got := s.User.Claims(); !reflect.DeepEqual(got, u) {
				t.Fatalf("claims differ\n got %#v\nwant %#v", got, u)
			}
		}
		if ts, ok := std["tokenSet"].(map[string]any); ok {
			for k, got := range map[string]string{"accessToken": s.TokenSet.AccessToken, "idToken": s.TokenSet.IDToken, "scope": s.TokenSet.Scope} {
				if want, _ := ts[k].(string); got != want {
					t.Fatalf("tokenSet.%s = %q, encoding/json %q", k, got, want)
				}
			}
		}
		for k, raw := range s.Extra {
			var got any
			if err := json.Unmarshal(raw, &got); err != nil || !reflect.DeepEqual(got, std[k]) {
				t.Fatalf("extra %q = %s, encoding/json %#v", k, raw, std[k])
			}
		}
	})
}

// FuzzJoinChunks builds cookie jars from arbitrary input and checks
// JoinChunks against a direct model, and SplitChunks/ParseChunkIndex
// round trips.
func FuzzJoinChunks(f *testing.F) {
	f.Add("__session", notesSession, uint16(0), 0)
	f.Add("__session", notesSession, uint16(0b1011), 100)
	f.Add("s", "abc", uint16(0xffff), 1)
	f.Add("", "", uint16(1), 0)
	f.Fuzz(func(t *testing.T, base, value string, mask uint16, max int) {
		if max < 0 || max > 1<<16 {
			max %= 1 << 16
		}
		chunks := SplitChunks(value, max)
		eff := max
		if eff <= 0 {
			eff = MaxChunkSize
		}
		if strings.Join(chunks, "") != value {
			t.Fatal("split lost data")
		}
		for i, c := range chunks {
			if len(c) > eff || (len(chunks) > 1 && len(c) == 0) {
				t.Fatalf("chunk %d has %d bytes (max %d)", i, len(c), eff)
			}
		}
		// Jar: mask bit 15 keeps the base cookie, bit i (< 15) chunk i.
		jar := map[string]string{}
		if mask&(1<<15) != 0 {
			jar[base] = value
		}
		for i, c := range chunks {
			if i < 15 && mask&(1<<i) != 0 {
				jar[ChunkName(base, i)] = c
			}
		}
		got, count, ok := JoinChunks(base, lookupIn(jar))
		// Model.
		var want string
		wantCount, wantOK := 0, false
		if v, has := jar[base]; has && v != "" {
			want, wantOK = v, true
		} else {
			n := 0
			for {
				c, has := jar[ChunkName(base, n)]
				if !has {
					break
				}
				want += c
				n++
			}
			if n > 0 && want != "" {
				wantCount, wantOK = n, true
			} else {
				want = ""
			}
		}
		if got != want || count != wantCount || ok != wantOK {
			t.Fatalf("JoinChunks = %q,%d,%v; model %q,%d,%v", got, count, ok, want, wantCount, wantOK)
		}
		for i := range 3 {
			if idx, ok := ParseChunkIndex(base, ChunkName(base, i*int(mask))); !ok || idx != i*int(mask) {
				t.Fatalf("ParseChunkIndex(ChunkName(%q, %d)) = %d, %v", base, i*int(mask), idx, ok)
			}
		}
		if idx, ok := ParseChunkIndex(base, value); ok && value != ChunkName(base, idx) && !strings.HasPrefix(value[len(base)+2:], "0") {
			t.Fatalf("ParseChunkIndex(%q) = %d", value, idx)
		}
	})
}
