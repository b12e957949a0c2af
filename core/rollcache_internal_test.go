package auth0kit

import (
	"strings"
	"testing"
)

func TestRollCacheKey(t *testing.T) {
	rc := newRollCache()
	jwe := "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXZpdml2aXZpdml2." + strings.Repeat("c", 3000) + ".dGFndGFndGFndGFndGFnAA"
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"same value", jwe, strings.Clone(jwe), true},
		{"other tag", jwe, jwe[:len(jwe)-1] + "B", false},
		{"other length, same tail", jwe, "x" + jwe, false},
		{"short values", "a", "b", false},
		{"empty", "", "", true},
		{"same prefix, other end", jwe, jwe[:len(jwe)-40] + strings.Repeat("d", 40), false},
	}
	for _, tt := range tests {
		if got := rc.key(tt.a) == rc.key(tt.b); got != tt.same {
			t.Errorf("%s: equal keys = %v, want %v", tt.name, got, tt.same)
		}
	}
	rc.remember(jwe, rollInfo{exp: 7})
	if ri, ok := rc.lookup(strings.Clone(jwe)); !ok || ri.exp != 7 {
		t.Fatalf("lookup = %+v %v", ri, ok)
	}
	if _, ok := rc.lookup(jwe[:len(jwe)-1] + "B"); ok {
		t.Fatal("a value with another tag was found")
	}
}

func BenchmarkRollCacheKey(b *testing.B) {
	rc := newRollCache()
	v := strings.Repeat("c", 3300)
	var sink uint64
	for b.Loop() {
		sink += rc.key(v)
	}
	_ = sink
}
