package auth0kit

import (
	"hash/maphash"
	"sync"
)

// audCache remembers [Client.issuedToUs] verdicts per stored ID token:
// a stateful session is read from the store, and checked, on every
// request, and decoding the token's payload with encoding/json cost about
// a tenth of a Redis round trip. Keys are a keyed hash of the whole token
// (the store's records are the SDK's own writes, so nobody chooses them to
// collide); the cache is emptied when it reaches audCacheSize entries.
type audCache struct {
	seed maphash.Seed
	mu   sync.Mutex
	m    map[uint64]bool
}

const audCacheSize = 4096

func newAudCache() *audCache {
	return &audCache{seed: maphash.MakeSeed(), m: make(map[uint64]bool)}
}

// issuedToUsCached is issuedToUs, remembered per ID token.
func (c *Client) issuedToUsCached(s *Session) bool {
	idt := s.TokenSet.IDToken
	if idt == "" {
		return c.issuedToUs(s)
	}
	ac := c.auds
	k := maphash.String(ac.seed, idt)
	ac.mu.Lock()
	ok, found := ac.m[k]
	ac.mu.Unlock()
	if found {
		return ok
	}
	ok = c.issuedToUs(s)
	ac.mu.Lock()
	if len(ac.m) >= audCacheSize {
		clear(ac.m)
	}
	ac.m[k] = ok
	ac.mu.Unlock()
	return ok
}
