package wire

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestSealOpenRoundTrip(t *testing.T) {
	k := mustKeys(t, "secret-one")
	for _, pt := range [][]byte{nil, []byte("{}"), []byte(`{"a":1}`), bytes.Repeat([]byte("x"), 5000)} {
		orig := bytes.Clone(pt)
		tok, err := k.Seal(pt)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pt, orig) {
			t.Fatal("Seal modified its input")
		}
		if !strings.HasPrefix(tok, protectedHeader+"..") || strings.Count(tok, ".") != 4 {
			t.Fatalf("bad token shape %q", tok)
		}
		got, err := k.Open(tok)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("Open = %q, %v", got, err)
		}
		// Capacity is clipped: appending cannot write past the plaintext.
		if cap(got) != len(got) {
			t.Fatalf("cap %d != len %d", cap(got), len(got))
		}
	}
	a, _ := k.Seal([]byte("same"))
	b, _ := k.Seal([]byte("same"))
	if a == b {
		t.Fatal("two seals produced the same token (IV reuse)")
	}
}

func TestOpenTampered(t *testing.T) {
	k := mustKeys(t, notesSecret)
	parts := strings.Split(notesSession, ".")
	names := []string{"header", "encrypted key", "iv", "ciphertext", "tag"}
	for i, name := range names {
		for _, pos := range []int{0, len(parts[i]) / 2, len(parts[i]) - 1} {
			p := append([]string(nil), parts...)
			if p[i] == "" {
				p[i] = "AA"
			} else {
				b := []byte(p[i])
				b[pos] = flipB64(b[pos])
				p[i] = string(b)
			}
			tok := strings.Join(p, ".")
			_, err := k.Open(tok)
			if err == nil {
				t.Errorf("%s tampered at %d: opened", name, pos)
				continue
			}
			if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrMalformed) {
				t.Errorf("%s tampered at %d: err %v", name, pos, err)
			}
			if (i == 2 || i == 3) && !errors.Is(err, ErrDecrypt) {
				t.Errorf("%s tampered at %d: err %v, want ErrDecrypt", name, pos, err)
			}
		}
	}
}

// flipB64 changes a base64url character into another one that changes the
// decoded bits (or, in a final partial group, makes the encoding
// non-canonical, which the strict decoder rejects).
func flipB64(c byte) byte {
	if c == 'A' {
		return 'B'
	}
	return 'A'
}

func TestOpenWrongSecretAndRotation(t *testing.T) {
	old := mustKeys(t, "old-secret")
	tok, _ := old.Seal([]byte(`{"v":1}`))

	if _, err := mustKeys(t, "other").Open(tok); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("wrong secret: %v", err)
	}
	rotated := mustKeys(t, "new-secret", "other", "old-secret")
	got, err := rotated.Open(tok)
	if err != nil || string(got) != `{"v":1}` {
		t.Fatalf("rotated open = %q, %v", got, err)
	}
	// The first secret encrypts.
	tok2, _ := rotated.Seal([]byte("x"))
	if _, err := mustKeys(t, "new-secret").Open(tok2); err != nil {
		t.Fatalf("new secret cannot open: %v", err)
	}
	if _, err := old.Open(tok2); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("old secret opened a new token: %v", err)
	}
	// Rotation also works for the notes vector, with the key last.
	k := mustKeys(t, "a", "b", "c", notesSecret)
	if _, _, err := k.OpenSession(notesSession, 1700000000); err != nil {
		t.Fatal(err)
	}
}

func TestOpenTruncated(t *testing.T) {
	k := mustKeys(t, notesSecret)
	for n := 0; n < len(notesSession); n++ {
		if _, err := k.Open(notesSession[:n]); err == nil {
			t.Fatalf("prefix of length %d opened", n)
		}
	}
	for n := 1; n < len(notesSession); n++ {
		if _, err := k.Open(notesSession[n:]); err == nil {
			t.Fatalf("suffix from %d opened", n)
		}
	}
}

func b64json(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// resealWithHeader encrypts pt under header h (already encoded) with the
// notes key, so only the header decides whether Open accepts it.
func resealWithHeader(t *testing.T, h string, pt []byte) string {
	t.Helper()
	k := mustKeys(t, notesSecret)
	iv := make([]byte, ivSize)
	sealed := k.aeads[0].Seal(nil, iv, pt, []byte(h))
	return h + ".." + b64.EncodeToString(iv) + "." + b64.EncodeToString(sealed[:len(sealed)-tagSize]) + "." + b64.EncodeToString(sealed[len(sealed)-tagSize:])
}

func TestOpenHeaders(t *testing.T) {
	k := mustKeys(t, notesSecret)
	pt := []byte(`{"x":1,"exp":4102444800}`)
	cases := []struct {
		name   string
		header string
		ok     bool
	}{
		{"sdk order", protectedHeader, true},
		{"alg first", protectedHeaderAlt, true},
		{"whitespace", b64json(`{ "alg" : "dir" , "enc" : "A256GCM" }`), true},
		{"escaped", b64json(`{"alg":"d\u0069r","enc":"A256GCM"}`), true},
		{"alg none", b64json(`{"alg":"none","enc":"A256GCM"}`), false},
		{"enc A128GCM", b64json(`{"alg":"dir","enc":"A128GCM"}`), false},
		{"zip", b64json(`{"alg":"dir","enc":"A256GCM","zip":"DEF"}`), false},
		{"crit", b64json(`{"alg":"dir","enc":"A256GCM","crit":["b64"]}`), false},
		{"kid", b64json(`{"alg":"dir","enc":"A256GCM","kid":"1"}`), false},
		{"legacy v3 claims", b64json(`{"alg":"dir","enc":"A256GCM","iat":1,"uat":1,"exp":2}`), false},
		{"missing enc", b64json(`{"alg":"dir"}`), false},
		{"alg number", b64json(`{"alg":1,"enc":"A256GCM"}`), false},
		{"alg null", b64json(`{"alg":null,"enc":"A256GCM"}`), false},
		{"array", b64json(`["dir","A256GCM"]`), false},
		{"null", b64json(`null`), false},
		{"not json", b64json(`{"alg":"dir","enc":"A256GCM"`), false},
		{"padded", protectedHeader + "=", false},
		{"std alphabet", "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0+", false},
		{"empty", "", false},
		{"huge", strings.Repeat("A", maxHeaderLen+4), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := k.Open(resealWithHeader(t, c.header, pt))
			if c.ok {
				if err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("Open = %q, %v", got, err)
				}
				return
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestOpenMalformedStructure(t *testing.T) {
	k := mustKeys(t, notesSecret)
	p := strings.Split(notesSession, ".")
	join := func(s ...string) string { return strings.Join(s, ".") }
	cases := map[string]string{
		"empty":                "",
		"no dots":              "abc",
		"three parts":          join(p[0], p[2], p[3], p[4]),
		"six parts":            join(p[0], p[1], p[2], p[3], p[4], "x"),
		"non-empty key":        join(p[0], "AAAA", p[2], p[3], p[4]),
		"short iv":             join(p[0], "", p[2][:15], p[3], p[4]),
		"long iv":              join(p[0], "", p[2]+"AAAA", p[3], p[4]),
		"short tag":            join(p[0], "", p[2], p[3], p[4][:21]),
		"long tag":             join(p[0], "", p[2], p[3], p[4]+"A"),
		"bad ct char":          join(p[0], "", p[2], p[3][:10]+"*"+p[3][11:], p[4]),
		"ct len mod 4 == 1":    join(p[0], "", p[2], p[3]+"A", p[4]),
		"newline in ct":        join(p[0], "", p[2], p[3][:8]+"\n"+p[3][8:], p[4]),
		"newline in iv":        join(p[0], "", p[2][:8]+"\n"+p[2][8:15], p[3], p[4]),
		"padding in tag":       join(p[0], "", p[2], p[3], p[4][:20]+"=="),
		"non-canonical tag":    join(p[0], "", p[2], p[3], p[4][:21]+"B"),
		"std base64 plus":      join(p[0], "", p[2], strings.ReplaceAll(p[3], "-", "+"), p[4]),
		"too long":             strings.Repeat("A", maxTokenLen+1),
		"only dots":            "....",
		"header only":          p[0] + "....",
		"json instead of jwe":  `{"user":{}}`,
		"whitespace wrapped":   " " + notesSession,
		"trailing whitespace":  notesSession + " ",
		"trailing dot":         notesSession + ".",
		"quoted":               `"` + notesSession + `"`,
		"percent-encoded dots": strings.ReplaceAll(notesSession, ".", "%2E"),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := k.Open(tok); err == nil {
				t.Fatal("opened")
			} else if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrDecrypt) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestOpenAllocs(t *testing.T) {
	s, secret := fixtureSession(t)
	k := mustKeys(t, secret)
	tok, _ := k.SealSession(s, 4102444800)
	allocs := testing.AllocsPerRun(100, func() { _, _ = k.Open(tok) })
	if allocs > 1 {
		t.Fatalf("Open allocs = %v, want <= 1", allocs)
	}
}
