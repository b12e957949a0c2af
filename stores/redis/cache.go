package redisstore

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// Cache defaults (see [CacheConfig]).
const (
	// DefaultCacheMaxEntries is how many sessions the cache holds unless
	// [CacheConfig] says otherwise.
	DefaultCacheMaxEntries = 10_000
	// DefaultCacheTTL is how long a session stays cached at most unless
	// [CacheConfig] says otherwise.
	DefaultCacheTTL = time.Minute
)

// cacheShards splits the cache so that concurrent requests rarely wait
// for the same lock.
const cacheShards = 16

// CacheStats describe a store's session cache (see [Store.CacheStats]).
type CacheStats struct {
	// Active reports whether the cache serves reads now: the
	// invalidation connection is up and Redis tracks the session keys
	// for it. When false, every Get reads Redis.
	Active bool
	// Entries is the number of cached sessions.
	Entries int
	// Hits and Misses count the Gets the cache answered and those that
	// read Redis while it was active.
	Hits, Misses uint64
	// Invalidations counts the session keys Redis reported changed.
	Invalidations uint64
	// Flushes counts the times the whole cache was dropped (the
	// invalidation connection lost or re-established, FLUSHALL).
	Flushes uint64
}

// lru is a bounded, sharded least-recently-used map from session id to a
// stored value, with a time to live per entry. A fill is two-phase: a
// pending entry is created before Redis is read, and the value is stored
// only if that very entry is still there afterwards; an invalidation or
// a flush in between removes it, so a value read before an invalidation
// is never cached after it.
type lru struct {
	seed    maphash.Seed
	shards  [cacheShards]lruShard
	perShrd int
	ttl     time.Duration

	hits, misses, invalidations, flushes atomic.Uint64
}

type lruShard struct {
	mu   sync.Mutex
	m    map[string]*lruEntry
	head lruEntry // sentinel of the recency list: head.next is the newest
}

type lruEntry struct {
	id         string
	val        []byte
	exp        time.Time // monotonic
	ready      bool      // false while the fill reads Redis
	prev, next *lruEntry
}

func newLRU(maxEntries int, ttl time.Duration) *lru {
	c := &lru{seed: maphash.MakeSeed(), perShrd: max(1, (maxEntries+cacheShards-1)/cacheShards), ttl: ttl}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.m = make(map[string]*lruEntry)
		sh.head.prev, sh.head.next = &sh.head, &sh.head
	}
	return c
}

func (c *lru) shard(id string) *lruShard {
	return &c.shards[maphash.String(c.seed, id)%cacheShards]
}

func (sh *lruShard) unlink(e *lruEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (sh *lruShard) pushFront(e *lruEntry) {
	e.prev, e.next = &sh.head, sh.head.next
	sh.head.next.prev = e
	sh.head.next = e
}

func (sh *lruShard) remove(e *lruEntry) {
	sh.unlink(e)
	delete(sh.m, e.id)
}

// get returns the cached value of id, or nil.
func (c *lru) get(id string, now time.Time) []byte {
	sh := c.shard(id)
	sh.mu.Lock()
	e := sh.m[id]
	if e == nil || !e.ready {
		sh.mu.Unlock()
		return nil
	}
	if !now.Before(e.exp) {
		sh.remove(e)
		sh.mu.Unlock()
		return nil
	}
	if sh.head.next != e {
		sh.unlink(e)
		sh.pushFront(e)
	}
	v := e.val
	sh.mu.Unlock()
	return v
}

// begin starts a fill of id and returns its token, or nil when another
// fill of id is under way (the caller then just reads Redis).
func (c *lru) begin(id string) *lruEntry {
	sh := c.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old := sh.m[id]; old != nil {
		if !old.ready {
			return nil
		}
		sh.remove(old)
	}
	e := &lruEntry{id: id}
	sh.m[id] = e
	sh.pushFront(e)
	for len(sh.m) > c.perShrd {
		sh.remove(sh.head.prev)
	}
	return e
}

// finish completes the fill e with val, living ttl at most (0: drop the
// fill). It stores nothing if e was invalidated or evicted meanwhile.
func (c *lru) finish(e *lruEntry, val []byte, ttl time.Duration, now time.Time) {
	sh := c.shard(e.id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m[e.id] != e {
		return
	}
	ttl = min(ttl, c.ttl)
	if val == nil || ttl <= 0 {
		sh.remove(e)
		return
	}
	e.val, e.exp, e.ready = val, now.Add(ttl), true
}

// evict drops id (cached or being filled).
func (c *lru) evict(id string) {
	sh := c.shard(id)
	sh.mu.Lock()
	if e := sh.m[id]; e != nil {
		sh.remove(e)
	}
	sh.mu.Unlock()
}

// flush drops every entry, pending fills included.
func (c *lru) flush() {
	c.flushes.Add(1)
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.head.prev, sh.head.next = &sh.head, &sh.head
		sh.mu.Unlock()
	}
}

func (c *lru) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
