package auth0kit

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/auth0kit/auth0kit/core/sessionstore"
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

// A cookie value read again is served from the roll cache's remembered
// payload: an independent copy, still subject to expiry and revocation,
// and never for a value that differs anywhere.
func TestRollCacheRemembersPayloads(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	store := sessionstore.NewMemory() // as the revocation list
	c := newTestClient(t, WithTuning(Tuning{Clock: clock}), WithRevocationList(store))
	value, err := GenerateSessionCookie(&Session{User: User{Sub: "u1", Name: "A"}, Internal: SessionInternal{SID: "sid-1"}},
		"fuzz-secret-fuzz-secret-fuzz-secret-0123")
	if err != nil {
		t.Fatal(err)
	}
	read := func(v string) *Session {
		t.Helper()
		ex := &testExchange{method: "GET", path: "/", header: http.Header{}, cookies: []*http.Cookie{{Name: "__session", Value: v}}}
		s, err := c.GetSession(c.Adapter().Bind(context.Background(), ex))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := read(value)
	if first == nil || first.User.Sub != "u1" {
		t.Fatalf("first read = %+v", first)
	}
	if _, ok := c.rolls.decoded(c.rolls.key(value), value); ok {
		t.Fatal("the payload of a value seen once was remembered")
	}
	first = read(value) // the second sight remembers the payload
	if ri, ok := c.rolls.decoded(c.rolls.key(value), value); !ok || ri.sess == nil {
		t.Fatal("the decrypted payload was not remembered")
	}
	first.User.Name = "changed"
	first.AccessTokens = append(first.AccessTokens, AccessTokenSet{AccessToken: "x"})
	second := read(value)
	if second == nil || second.User.Name != "A" || len(second.AccessTokens) != 0 || second == first {
		t.Fatalf("second read shares the first one's changes: %+v", second)
	}

	// Same length and tail, one byte changed in the middle: same key,
	// never the remembered payload.
	mid := len(value) / 2
	b := []byte(value)
	b[mid] ^= 1
	if b[mid] == '.' || value[mid] == '.' {
		b[mid] = 'A'
	}
	if s := read(string(b)); s != nil {
		t.Fatalf("a tampered value read as %+v", s)
	}

	// Revoked by a back-channel logout: no session, remembered or not.
	if err := store.Revoke(context.Background(), sessionstore.LogoutTokenClaims{SID: "sid-1", Sub: "u1"}, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s := read(value); s != nil {
		t.Fatal("a revoked session read from the cache")
	}

	// Past the cookie's expiry: no session.
	other, _ := GenerateSessionCookie(&Session{User: User{Sub: "u2"}, Internal: SessionInternal{SID: "sid-2"}},
		"fuzz-secret-fuzz-secret-fuzz-secret-0123")
	if read(other) == nil {
		t.Fatal("fresh cookie refused")
	}
	now = now.Add(2 * time.Hour)
	if s := read(other); s != nil {
		t.Fatal("an expired cookie read from the cache")
	}
}

// The payloads held are bounded in bytes as well as in entries.
func TestRollCacheBytesBound(t *testing.T) {
	rc := newRollCache()
	big := strings.Repeat("v", 1<<20)
	for i := range 40 {
		v := big + strconv.Itoa(i)
		rc.remember(v, rollInfo{exp: 1, raw: v})
		if rc.bytes > rollCacheBytes {
			t.Fatalf("after %d values the cache holds %d bytes", i+1, rc.bytes)
		}
	}
}

// The cache keeps its own copy of a value read through an adapter whose
// cookie strings share the framework's buffers: when the framework reuses
// the buffer, the remembered value does not change with it.
func TestRollCacheOwnsTransientValues(t *testing.T) {
	c := newTestClient(t)
	value, err := GenerateSessionCookie(&Session{User: User{Sub: "u1"}}, "fuzz-secret-fuzz-secret-fuzz-secret-0123")
	if err != nil {
		t.Fatal(err)
	}
	buf := []byte(value)
	shared := unsafe.String(unsafe.SliceData(buf), len(buf))
	ex := transientExchange{&testExchange{method: "GET", path: "/", header: http.Header{}, cookies: []*http.Cookie{{Name: "__session", Value: shared}}}}
	for range 2 { // the second read remembers the value
		if s, err := c.GetSession(c.Adapter().Bind(context.Background(), ex)); err != nil || s == nil {
			t.Fatalf("read = %v, %v", s, err)
		}
	}
	for i := range buf { // the framework reuses its buffer
		buf[i] = 'x'
	}
	if ri, ok := c.rolls.decoded(c.rolls.key(value), value); !ok || ri.raw != value {
		t.Fatal("the remembered value changed with the adapter's buffer")
	}
}
