package wire

import (
	"strings"
	"testing"
)

func TestChunkName(t *testing.T) {
	if got := ChunkName("__session", 0); got != "__session__0" {
		t.Fatal(got)
	}
	if got := ChunkName("x", 12); got != "x__12" {
		t.Fatal(got)
	}
}

func TestSplitJoinRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 3499, 3500, 3501, 7000, 7001, 20000} {
		value := strings.Repeat("abcdefghij", n/10+1)[:n]
		chunks := SplitChunks(value, 0)
		wantChunks := 1
		if n > MaxChunkSize {
			wantChunks = (n + MaxChunkSize - 1) / MaxChunkSize
		}
		if len(chunks) != wantChunks {
			t.Fatalf("n=%d: %d chunks, want %d", n, len(chunks), wantChunks)
		}
		jar := map[string]string{}
		if len(chunks) == 1 {
			jar["__session"] = chunks[0]
		} else {
			for i, c := range chunks {
				if len(c) > MaxChunkSize || len(c) == 0 {
					t.Fatalf("n=%d: chunk %d has %d bytes", n, i, len(c))
				}
				jar[ChunkName("__session", i)] = c
			}
		}
		got, count, ok := JoinChunks("__session", lookupIn(jar))
		if n == 0 {
			if ok {
				t.Fatal("empty value joined")
			}
			continue
		}
		if !ok || got != value {
			t.Fatalf("n=%d: join failed (%v)", n, ok)
		}
		if wantCount := len(chunks); len(chunks) == 1 && count != 0 || len(chunks) > 1 && count != wantCount {
			t.Fatalf("n=%d: count %d", n, count)
		}
	}
	if got := SplitChunks("abcdefg", 3); strings.Join(got, "|") != "abc|def|g" {
		t.Fatal(got)
	}
}

func lookupIn(jar map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) { v, ok := jar[name]; return v, ok }
}

func TestJoinChunks(t *testing.T) {
	cases := []struct {
		name  string
		jar   map[string]string
		value string
		count int
		ok    bool
	}{
		{"none", map[string]string{}, "", 0, false},
		{"base", map[string]string{"__session": "v"}, "v", 0, true},
		{"base wins over chunks", map[string]string{"__session": "v", "__session__0": "a"}, "v", 0, true},
		{"empty base falls back to chunks", map[string]string{"__session": "", "__session__0": "a", "__session__1": "b"}, "ab", 2, true},
		{"contiguous", map[string]string{"__session__0": "a", "__session__1": "b", "__session__2": "c"}, "abc", 3, true},
		{"gap stops", map[string]string{"__session__0": "a", "__session__1": "b", "__session__3": "d"}, "ab", 2, true},
		{"missing zero", map[string]string{"__session__1": "b", "__session__2": "c"}, "", 0, false},
		{"empty chunks", map[string]string{"__session__0": "", "__session__1": ""}, "", 0, false},
		{"other names ignored", map[string]string{"__session_0": "x", "__session__00": "y", "appSession": "z"}, "", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, n, ok := JoinChunks("__session", lookupIn(c.jar))
			if v != c.value || n != c.count || ok != c.ok {
				t.Fatalf("= %q, %d, %v", v, n, ok)
			}
		})
	}
	// A lookup that finds every name cannot make JoinChunks loop forever.
	calls := 0
	if _, _, ok := JoinChunks("b", func(name string) (string, bool) {
		calls++
		return "x", name != "b"
	}); ok || calls > MaxChunks+2 {
		t.Fatalf("unbounded lookup: ok=%v calls=%d", ok, calls)
	}
}

func TestParseChunkIndex(t *testing.T) {
	cases := []struct {
		name string
		i    int
		ok   bool
	}{
		{"__session__0", 0, true},
		{"__session__12", 12, true},
		{"__session__007", 7, true},
		{"__session__", 0, false},
		{"__session", 0, false},
		{"__session_1", 0, false},
		{"__session__1a", 0, false},
		{"__session__-1", 0, false},
		{"__session__+1", 0, false},
		{"__session__ 1", 0, false},
		{"__session__1 ", 0, false},
		{"__session__١", 0, false}, // non-ASCII digit
		{"x__session__1", 0, false},
		{"__sessionX__1", 0, false},
		{"__session__99999999999999999999999", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		i, ok := ParseChunkIndex("__session", c.name)
		if i != c.i || ok != c.ok {
			t.Errorf("ParseChunkIndex(%q) = %d, %v", c.name, i, ok)
		}
	}
	if i, ok := ParseChunkIndex("__FC", "__FC__3"); !ok || i != 3 {
		t.Error("other base")
	}
}
