package auth0kit

import (
	"testing"
	"time"
)

func TestDiscoveryCache(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	p1, p2, p3 := &provider{}, &provider{}, &provider{}
	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"hit within ttl", func(t *testing.T) {
			dc := NewDiscoveryCache(10*time.Second, 2)
			dc.put("a", p1, now)
			if dc.get("a", now.Add(9*time.Second)) != p1 {
				t.Fatal("miss within TTL")
			}
		}},
		{"expired after ttl", func(t *testing.T) {
			dc := NewDiscoveryCache(10*time.Second, 2)
			dc.put("a", p1, now)
			if dc.get("a", now.Add(10*time.Second)) != nil {
				t.Fatal("hit after TTL")
			}
		}},
		{"lru eviction", func(t *testing.T) {
			dc := NewDiscoveryCache(time.Minute, 2)
			dc.put("a", p1, now)
			dc.put("b", p2, now)
			dc.get("a", now) // a is now most recently used
			dc.put("c", p3, now)
			if dc.get("b", now) != nil || dc.get("a", now) != p1 || dc.get("c", now) != p3 {
				t.Fatal("wrong entry evicted")
			}
		}},
		{"ttl zero disables reuse", func(t *testing.T) {
			dc := NewDiscoveryCache(0, 2)
			dc.put("a", p1, now)
			if dc.get("a", now) != nil {
				t.Fatal("TTL 0 reused an entry")
			}
		}},
		{"defaults", func(t *testing.T) {
			dc := NewDiscoveryCache(-1, -1)
			if dc.ttl != 600*time.Second || dc.maxEntries != 100 {
				t.Fatalf("defaults %v %d", dc.ttl, dc.maxEntries)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, tc.run)
	}
}
