package auth0kit

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
)

// rollCache remembers, for recently seen session cookie values, what their
// decrypted payload said about expiry. Rolling needs only that, so a
// request whose handler never reads the session costs no decryption. An
// entry is added only after the value decrypted and authenticated, or was
// written by us. Entries are keyed by [rollCache.key], a keyed hash of the
// value's length and tail only (the JWE's GCM tag), so the check costs the
// same for any cookie size; a collision could at worst skip one rolling
// extension or the foreign-client check of a value that decrypted under
// our secret, never grant a session (reads always decrypt).
//
// It also remembers the decoded payload of values it wrote or decrypted a
// second time (a value seen once costs no copies), so that a returning
// cookie costs a lookup, a comparison of the whole value and a copy of the
// session instead of base64, AES-GCM and JSON (about 5 µs for a 3 KB
// cookie). A payload is returned only for a
// byte-identical value that was authenticated before, and every other
// check (expiry, absolute cap, revocation, domain) still runs per request.
type rollCache struct {
	seed  maphash.Seed
	mu    sync.Mutex
	m     map[uint64]rollInfo
	bytes int // held by remembered payloads
	// keyOnly keeps payloads out (benchmarks of a first read use it).
	keyOnly bool
}

type rollInfo struct {
	exp, createdAt, sessionExpiresAt int64
	// raw is the whole cookie value when the decoded payload is
	// remembered too (sess for a stateless session, id for a stateful
	// one): a request that brings exactly raw again skips the decryption
	// (see [rollCache.decoded]).
	raw  string
	sess *Session // never handed out: readers get a copy
	id   string
}

// rollCacheSize bounds the number of entries and rollCacheBytes the
// bytes held by remembered payloads (about twice the cookie value's
// length each); when either is reached the cache is emptied.
const (
	rollCacheSize  = 8192
	rollCacheBytes = 16 << 20
)

func newRollCache() *rollCache {
	return &rollCache{seed: maphash.MakeSeed(), m: make(map[uint64]rollInfo)}
}

func (rc *rollCache) lookup(value string) (rollInfo, bool) {
	k := rc.key(value)
	rc.mu.Lock()
	ri, ok := rc.m[k]
	rc.mu.Unlock()
	return ri, ok
}

func (rc *rollCache) remember(value string, ri rollInfo) {
	rc.rememberKey(rc.key(value), ri)
}

// rollKeyTail is how many trailing bytes of a cookie value the key
// covers: the base64url GCM tag of a compact JWE (22 characters), its dot
// and the end of the ciphertext.
const rollKeyTail = 32

// key is the cache key of a cookie value: a keyed hash (per-process seed)
// of its length and its last rollKeyTail bytes. The GCM tag authenticates
// the whole JWE and, with a random IV per encryption, differs between any
// two values we or another application ever issued; only a holder of the
// secret could make two values share a tail, and such a holder can forge
// any session anyway. Hashing the whole value cost ~1 µs per request for
// a 3 KB cookie; this costs the same ~10 ns for any size.
func (rc *rollCache) key(value string) uint64 {
	var buf [8 + rollKeyTail]byte
	binary.LittleEndian.PutUint64(buf[:8], uint64(len(value)))
	n := 8 + copy(buf[8:], value[max(0, len(value)-rollKeyTail):])
	return maphash.Bytes(rc.seed, buf[:n])
}

// known reports whether the value of key k was remembered.
func (rc *rollCache) known(k uint64) bool {
	rc.mu.Lock()
	_, ok := rc.m[k]
	rc.mu.Unlock()
	return ok
}

// rememberKey is remember with the key already computed.
func (rc *rollCache) rememberKey(k uint64, ri rollInfo) {
	if rc.keyOnly {
		ri.raw, ri.sess, ri.id = "", nil, ""
	}
	rc.mu.Lock()
	if old, ok := rc.m[k]; ok {
		rc.bytes -= 2 * len(old.raw)
	}
	if len(rc.m) >= rollCacheSize || rc.bytes+2*len(ri.raw) > rollCacheBytes {
		clear(rc.m)
		rc.bytes = 0
	}
	rc.m[k] = ri
	rc.bytes += 2 * len(ri.raw)
	rc.mu.Unlock()
}

// decoded returns what was remembered for the value raw of key k, when
// its payload was remembered and the value is byte for byte the same.
func (rc *rollCache) decoded(k uint64, raw string) (rollInfo, bool) {
	rc.mu.Lock()
	ri, ok := rc.m[k]
	rc.mu.Unlock()
	if !ok || ri.raw != raw || ri.raw == "" {
		return rollInfo{}, false
	}
	return ri, true
}
