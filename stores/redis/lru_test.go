package redisstore

import (
	"strconv"
	"testing"
	"time"
)

// TestLRUFill: a fill stores its value only if nothing invalidated,
// flushed or evicted the key since it began.
func TestLRUFill(t *testing.T) {
	now := time.Now()
	val := []byte("v1")
	for _, c := range []struct {
		name   string
		during func(c *lru)
		cached bool
	}{
		{"undisturbed", func(*lru) {}, true},
		{"invalidated", func(c *lru) { c.evict("id") }, false},
		{"flushed", func(c *lru) { c.flush() }, false},
		{"invalidated and refilled", func(c *lru) { c.evict("id"); c.finish(c.begin("id"), []byte("v2"), time.Minute, now) }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLRU(100, time.Minute)
			fill := l.begin("id")
			if fill == nil {
				t.Fatal("begin refused the first fill")
			}
			if l.begin("id") != nil {
				t.Fatal("a second concurrent fill was allowed")
			}
			c.during(l)
			l.finish(fill, val, time.Hour, now)
			got := l.get("id", now)
			if c.cached != (string(got) == "v1") {
				t.Fatalf("get = %q after the fill, want v1 cached: %v", got, c.cached)
			}
		})
	}
}

// TestLRUBounds: entries expire with the shorter of the record's and the
// cache's TTL, and the least recently read go first.
func TestLRUBounds(t *testing.T) {
	now := time.Now()
	l := newLRU(100, time.Minute)
	l.finish(l.begin("short"), []byte("x"), time.Second, now)
	l.finish(l.begin("long"), []byte("x"), time.Hour, now)
	if l.get("short", now.Add(999*time.Millisecond)) == nil || l.get("short", now.Add(time.Second)) != nil {
		t.Fatal("an entry outlived its record's TTL")
	}
	if l.get("long", now.Add(59*time.Second)) == nil || l.get("long", now.Add(time.Minute)) != nil {
		t.Fatal("an entry outlived the cache's TTL")
	}
	l.finish(l.begin("nil"), nil, time.Hour, now)
	if l.len() != 0 {
		t.Fatalf("%d entries left, want 0", l.len())
	}

	l = newLRU(cacheShards*2, time.Hour)
	for i := range 1000 {
		id := strconv.Itoa(i)
		l.finish(l.begin(id), []byte(id), time.Hour, now)
		_ = l.get("0", now) // kept the most recently read
	}
	if n := l.len(); n > cacheShards*2 {
		t.Fatalf("%d entries, above the bound %d", n, cacheShards*2)
	}
	if l.get("0", now) == nil {
		t.Fatal("the most read entry was evicted")
	}
	if l.get("999", now) == nil {
		t.Fatal("the newest entry was evicted")
	}
}
