package wire

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"strings"
	"testing"
)

const benchNow = 1767225600

func benchCookie(b *testing.B) (*Keys, string, *Session) {
	s, secret := fixtureSession(b)
	k := mustKeys(b, secret)
	tok, err := k.SealSession(s, 4102444800)
	if err != nil {
		b.Fatal(err)
	}
	return k, tok, s
}

// BenchmarkOpenSession decrypts and decodes the fixture session cookie.
func BenchmarkOpenSession(b *testing.B) {
	k, tok, _ := benchCookie(b)
	b.SetBytes(int64(len(tok)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := k.OpenSession(tok, benchNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenOnly measures the JWE layer alone.
func BenchmarkOpenOnly(b *testing.B) {
	k, tok, _ := benchCookie(b)
	b.SetBytes(int64(len(tok)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealSession encodes and encrypts the fixture session.
func BenchmarkSealSession(b *testing.B) {
	k, _, s := benchCookie(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.SealSession(s, 4102444800); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSession measures the JSON decoder alone.
func BenchmarkDecodeSession(b *testing.B) {
	v := loadNextjsVectors(b)
	payload := []byte(v.Vectors[1].Payload)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeSession(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeSession measures the JSON encoder alone.
func BenchmarkEncodeSession(b *testing.B) {
	s, _ := fixtureSession(b)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = EncodeSession(buf[:0], s, 4102444800)
	}
}

// BenchmarkOpenSessionBaseline is the straightforward implementation this
// package replaces (strings.Split + base64 + AES-GCM + encoding/json into
// maps), for comparison on the same machine.
func BenchmarkOpenSessionBaseline(b *testing.B) {
	_, tok, _ := benchCookie(b)
	_, secret := fixtureSession(b)
	key := DeriveKey(secret)
	block, _ := aes.NewCipher(key[:])
	aead, _ := cipher.NewGCM(block)
	b.ReportAllocs()
	for b.Loop() {
		p := strings.Split(tok, ".")
		iv, _ := b64.DecodeString(p[2])
		ct, _ := b64.DecodeString(p[3])
		tag, _ := b64.DecodeString(p[4])
		pt, err := aead.Open(nil, iv, append(ct, tag...), []byte(p[0]))
		if err != nil {
			b.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(pt, &m); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSealedFixtureCookieSize checks the size of the sealed fixture cookie:
// it is exactly as long as the SDK's own cookie for the same session (the
// payload JSON has the same length as JSON.stringify's) and fits in one
// cookie without chunking.
func TestSealedFixtureCookieSize(t *testing.T) {
	s, secret := fixtureSession(t)
	k := mustKeys(t, secret)
	tok, err := k.SealSession(s, 4102444800)
	if err != nil {
		t.Fatal(err)
	}
	v := loadNextjsVectors(t)
	if len(tok) != len(v.Vectors[1].Cookie) {
		t.Errorf("sealed fixture cookie is %d bytes, the SDK's is %d", len(tok), len(v.Vectors[1].Cookie))
	}
	if len(tok) > MaxChunkSize {
		t.Errorf("sealed fixture cookie is %d bytes > MaxChunkSize", len(tok))
	}
	t.Logf("sealed fixture cookie: %d bytes", len(tok))
}

func TestOpenSessionAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	s, secret := fixtureSession(t)
	k := mustKeys(t, secret)
	tok, _ := k.SealSession(s, 4102444800)
	if a := testing.AllocsPerRun(200, func() { _, _, _ = k.OpenSession(tok, benchNow) }); a > 25 {
		t.Fatalf("OpenSession allocs = %v, want <= 25", a)
	}
}
