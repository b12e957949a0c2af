package auth0kit

import (
	"hash/maphash"
	"sync"
)

// rollCache remembers, for recently seen session cookie values, what their
// decrypted payload said about expiry. Rolling needs only that, so a
// request whose handler never reads the session costs no decryption. An
// entry is added only after the value decrypted and authenticated; a
// collision of the 64-bit keyed hash could at worst skip one rolling
// extension, never grant a session (reads always decrypt).
type rollCache struct {
	seed maphash.Seed
	mu   sync.Mutex
	m    map[uint64]rollInfo
}

type rollInfo struct {
	exp, createdAt, sessionExpiresAt int64
}

// rollCacheSize bounds the cache; when full it is emptied.
const rollCacheSize = 8192

func newRollCache() *rollCache {
	return &rollCache{seed: maphash.MakeSeed(), m: make(map[uint64]rollInfo)}
}

func (rc *rollCache) lookup(value string) (rollInfo, bool) {
	k := maphash.String(rc.seed, value)
	rc.mu.Lock()
	ri, ok := rc.m[k]
	rc.mu.Unlock()
	return ri, ok
}

func (rc *rollCache) remember(value string, ri rollInfo) {
	rc.rememberKey(rc.key(value), ri)
}

// key is the cache key of a cookie value.
func (rc *rollCache) key(value string) uint64 { return maphash.String(rc.seed, value) }

// known reports whether the value of key k was remembered.
func (rc *rollCache) known(k uint64) bool {
	rc.mu.Lock()
	_, ok := rc.m[k]
	rc.mu.Unlock()
	return ok
}

// rememberKey is remember with the key already computed.
func (rc *rollCache) rememberKey(k uint64, ri rollInfo) {
	rc.mu.Lock()
	if len(rc.m) >= rollCacheSize {
		clear(rc.m)
	}
	rc.m[k] = ri
	rc.mu.Unlock()
}
