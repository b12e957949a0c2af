package auth0kit

import (
	"iter"
	"math/bits"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// A visitor controls the Cookie header, so nothing read from it may grow
// with it: a request carrying thousands of junk "__session__N" or
// "__txn_…" cookies must cost no more than a legitimate one, and never
// answer with thousands of deletion Set-Cookie headers.

// chunkSet is the set of session chunk indexes a request carries, from 0
// to wire.MaxChunks: the reader never joins more chunks than that
// (nextjs-auth0's reassembly needs them contiguous from 0), so a higher
// index is neither read nor deleted, and a name sent many times counts
// once. At most wire.MaxChunks+1 chunk deletions are ever sent.
type chunkSet [2]uint64

// add records index i and reports whether it is in range and new.
func (s *chunkSet) add(i int) bool {
	if i < 0 || i > wire.MaxChunks || s.has(i) {
		return false
	}
	s[i>>6] |= 1 << (i & 63)
	return true
}

// has reports whether index i was recorded.
func (s *chunkSet) has(i int) bool {
	return i >= 0 && i <= wire.MaxChunks && s[i>>6]&(1<<(i&63)) != 0
}

// empty reports whether no index was recorded.
func (s *chunkSet) empty() bool { return s[0]|s[1] == 0 }

// fill records the indexes 0..n-1 (capped like add).
func (s *chunkSet) fill(n int) {
	for i := range min(n, wire.MaxChunks+1) {
		s.add(i)
	}
}

// all yields the recorded indexes in ascending order.
func (s *chunkSet) all() iter.Seq[int] {
	return func(yield func(int) bool) {
		for w, word := range s {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				if !yield(w<<6 | b) {
					return
				}
				word &^= 1 << b
			}
		}
	}
}

// maxTxnCookies bounds how many transaction cookies of a request are
// looked at, for the 3500-byte FIFO eviction at login and for the
// deletions at logout. Legitimate ones stay under 3500 bytes together (a
// handful); junk beyond the bound is ignored and expires on its own.
const maxTxnCookies = 16

// visitTxnCookies calls fn for the request's transaction cookies: the
// first maxTxnCookies distinct names that a transaction could have (the
// prefix followed by a valid state, or the single-transaction name), in
// header order.
func (c *Client) visitTxnCookies(ex adapter.Exchange, fn func(name, value string)) {
	prefix := c.s.txnCookie.name
	var seen [maxTxnCookies]string
	n := 0
	ex.VisitCookies(func(name, value string) {
		if n == maxTxnCookies || !strings.HasPrefix(name, prefix) {
			return
		}
		if name != prefix && !validState(name[len(prefix):]) {
			return
		}
		for _, s := range seen[:n] {
			if s == name {
				return
			}
		}
		seen[n] = name
		n++
		fn(name, value)
	})
}
