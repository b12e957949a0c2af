package wire

import (
	"math/rand/v2"
	"testing"
)

// TestSkipPlainMatchesNaive checks the 8-bytes-at-a-time scan against a
// byte loop on buffers dense in boundary values.
func TestSkipPlainMatchesNaive(t *testing.T) {
	interesting := []byte{0x00, 0x1f, 0x20, 0x21, '"', 0x23, 0x5b, '\\', 0x5d, 0x7e, 0x7f, 0x80, 0xa0, 0xc3, 0xff, 'a'}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20000; n++ {
		buf := make([]byte, r.IntN(40))
		for i := range buf {
			if r.IntN(4) == 0 {
				buf[i] = interesting[r.IntN(len(interesting))]
			} else {
				buf[i] = byte(0x20 + r.IntN(0x5f))
				if buf[i] == '"' || buf[i] == '\\' {
					buf[i] = 'x'
				}
			}
		}
		for start := 0; start <= len(buf); start++ {
			want := start
			for want < len(buf) && plain[buf[want]] {
				want++
			}
			if got := skipPlain(buf, start); got != want {
				t.Fatalf("skipPlain(%q, %d) = %d, want %d", buf, start, got, want)
			}
		}
	}
	// Every single byte value in every lane.
	for c := 0; c < 256; c++ {
		for lane := 0; lane < 8; lane++ {
			buf := []byte("aaaaaaaaaaaaaaaa")
			buf[lane] = byte(c)
			want := len(buf)
			if !plain[c] {
				want = lane
			}
			if got := skipPlain(buf, 0); got != want {
				t.Fatalf("byte %#x lane %d: %d, want %d", c, lane, got, want)
			}
		}
	}
}
