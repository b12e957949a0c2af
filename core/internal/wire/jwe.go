package wire

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"sync"
)

const (
	// protectedHeader is the base64url of {"enc":"A256GCM","alg":"dir"},
	// the header jose writes for nextjs-auth0 (key order from the SDK).
	protectedHeader = "eyJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiZGlyIn0"
	// protectedHeaderAlt is the base64url of {"alg":"dir","enc":"A256GCM"},
	// the other common encoding, also accepted without parsing.
	protectedHeaderAlt = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0"

	ivSize    = 12
	tagSize   = 16
	ivB64Len  = 16 // base64url length of a 12-byte IV
	tagB64Len = 22 // base64url length of a 16-byte tag

	// maxTokenLen bounds the token length Open accepts (1 MiB), so hostile
	// input cannot make it allocate without limit.
	maxTokenLen = 1 << 20
	// maxHeaderLen bounds a protected header that needs parsing.
	maxHeaderLen = 1024
)

var (
	b64 = base64.RawURLEncoding.Strict()

	// The AAD is the ASCII of the encoded protected header (RFC 7516 §5.1).
	protectedHeaderAAD    = []byte(protectedHeader)
	protectedHeaderAltAAD = []byte(protectedHeaderAlt)
)

// bufPool recycles plaintext scratch buffers for sealing.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledBuf = 64 << 10

func putBuf(bp *[]byte, b []byte) {
	if cap(b) <= maxPooledBuf {
		*bp = b[:0]
		bufPool.Put(bp)
	}
}

// Seal encrypts plaintext with the first secret and returns the compact JWE
// header..iv.ciphertext.tag with the protected header
// {"enc":"A256GCM","alg":"dir"} and a fresh random 12-byte IV. plaintext is
// not modified. The error is always nil today; it is kept for callers that
// must not assume encryption cannot fail.
func (k *Keys) Seal(plaintext []byte) (string, error) {
	bp := bufPool.Get().(*[]byte)
	buf := slices.Grow((*bp)[:0], ivSize+len(plaintext)+tagSize)
	buf = append(buf[:ivSize], plaintext...)
	tok := k.sealInPlace(buf)
	putBuf(bp, buf)
	return tok, nil
}

// sealInPlace encrypts buf[ivSize:] in place, using buf[:ivSize] for the IV,
// and returns the compact serialization. buf may be reused afterwards.
func (k *Keys) sealInPlace(buf []byte) string {
	buf = slices.Grow(buf, tagSize)
	iv := buf[:ivSize:ivSize]
	rand.Read(iv) // never fails (Go 1.24+ crashes the program instead)
	pt := buf[ivSize:]
	sealed := k.aeads[0].Seal(pt[:0], iv, pt, protectedHeaderAAD)
	ct, tag := sealed[:len(sealed)-tagSize], sealed[len(sealed)-tagSize:]

	n := len(protectedHeader) + 2 + ivB64Len + 1 + b64.EncodedLen(len(ct)) + 1 + tagB64Len
	out := make([]byte, n)
	p := copy(out, protectedHeader)
	out[p], out[p+1] = '.', '.'
	p += 2
	b64.Encode(out[p:], iv)
	p += ivB64Len
	out[p] = '.'
	p++
	b64.Encode(out[p:], ct)
	p += b64.EncodedLen(len(ct))
	out[p] = '.'
	p++
	b64.Encode(out[p:], tag)
	return bytesToString(out)
}

// Open authenticates and decrypts a compact JWE produced by Seal or by
// nextjs-auth0 and returns the plaintext, which the caller owns. The
// protected header must be alg "dir" and enc "A256GCM" with no other
// parameter (zip, crit, kid, ... are refused). Each configured secret is
// tried in order. Structural problems return ErrMalformed; a token no
// secret authenticates returns ErrDecrypt. Open never panics.
func (k *Keys) Open(token string) ([]byte, error) {
	if len(token) > maxTokenLen {
		return nil, ErrMalformed
	}
	// header . (empty encrypted key) . iv . ciphertext . tag
	d := strings.IndexByte(token, '.')
	if d < 0 {
		return nil, ErrMalformed
	}
	hdr, rest := token[:d], token[d+1:]
	if len(rest) == 0 || rest[0] != '.' {
		return nil, ErrMalformed // encrypted key must be empty for "dir"
	}
	rest = rest[1:]
	if d = strings.IndexByte(rest, '.'); d != ivB64Len {
		return nil, ErrMalformed
	}
	ivPart, rest := rest[:d], rest[d+1:]
	d = strings.IndexByte(rest, '.')
	if d < 0 {
		return nil, ErrMalformed
	}
	ctPart, tagPart := rest[:d], rest[d+1:]
	if len(tagPart) != tagB64Len || strings.IndexByte(tagPart, '.') >= 0 {
		return nil, ErrMalformed
	}
	// The base64 decoder silently skips CR and LF; refuse them. (In the
	// fixed-length IV and tag they are caught by the decoded length.)
	if strings.IndexByte(ctPart, '\n') >= 0 || strings.IndexByte(ctPart, '\r') >= 0 {
		return nil, ErrMalformed
	}

	var aad []byte
	switch hdr {
	case protectedHeader:
		aad = protectedHeaderAAD
	case protectedHeaderAlt:
		aad = protectedHeaderAltAAD
	default:
		if !validHeader(hdr) {
			return nil, ErrMalformed
		}
		aad = []byte(hdr)
	}

	// One buffer: iv | ciphertext | tag; decrypted in place.
	ctLen := b64.DecodedLen(len(ctPart))
	buf := make([]byte, ivSize+ctLen+tagSize)
	if n, err := b64.Decode(buf[:ivSize], stringBytes(ivPart)); err != nil || n != ivSize {
		return nil, ErrMalformed
	}
	if !decodeCT(buf, ctPart, tagPart) {
		return nil, ErrMalformed
	}
	iv, sealed := buf[:ivSize:ivSize], buf[ivSize:]
	for i, aead := range k.aeads {
		if i > 0 {
			// A failed Open may have overwritten the ciphertext in place.
			decodeCT(buf, ctPart, tagPart)
		}
		if pt, err := aead.Open(sealed[:0], iv, sealed, aad); err == nil {
			return pt[:len(pt):len(pt)], nil
		}
	}
	return nil, ErrDecrypt
}

// decodeCT decodes the ciphertext and tag parts into buf after the IV. It
// reports false if either is not canonical base64url.
func decodeCT(buf []byte, ctPart, tagPart string) bool {
	ctLen := len(buf) - ivSize - tagSize
	if n, err := b64.Decode(buf[ivSize:ivSize+ctLen], stringBytes(ctPart)); err != nil || n != ctLen {
		return false
	}
	n, err := b64.Decode(buf[ivSize+ctLen:], stringBytes(tagPart))
	return err == nil && n == tagSize
}

// validHeader parses a protected header that is not one of the two common
// encodings. It must be a JSON object with exactly the members alg "dir" and
// enc "A256GCM"; zip (compression), crit (extensions we cannot understand)
// and every other member are refused.
func validHeader(h string) bool {
	if len(h) == 0 || len(h) > maxHeaderLen {
		return false
	}
	raw, err := b64.DecodeString(h)
	if err != nil || len(raw) != b64.DecodedLen(len(h)) {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) != 2 {
		return false
	}
	var alg, enc string
	if a, ok := m["alg"]; !ok || json.Unmarshal(a, &alg) != nil || alg != "dir" {
		return false
	}
	if e, ok := m["enc"]; !ok || json.Unmarshal(e, &enc) != nil || enc != "A256GCM" {
		return false
	}
	return true
}
