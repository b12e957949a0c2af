package sessionstore

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/internal/testclock"
	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// miscStore returns a memory store on clk.
func miscStore(clk *testclock.Clock) *Memory {
	return NewMemoryClock(clk.Now)
}

// canceled returns a context that is already done.
func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func miscSession(sub, sid string, created int64) *Session {
	s := &Session{}
	s.User.Sub, s.Internal.SID, s.Internal.CreatedAt = sub, sid, created
	return s
}

// TestMemoryStoreCanceled: every Memory method refuses a done
// context with an error matching ErrUnavailable.
func TestMemoryStoreCanceled(t *testing.T) {
	m := NewMemory()
	ctx := canceled()
	now := time.Now()
	calls := map[string]func() error{
		"Get":                 func() error { _, err := m.Get(ctx, "x"); return err },
		"Set":                 func() error { return m.Set(ctx, "x", miscSession("u", "s", 1), now.Add(time.Hour)) },
		"Delete":              func() error { return m.Delete(ctx, "x") },
		"DeleteByLogoutToken": func() error { return m.DeleteByLogoutToken(ctx, LogoutTokenClaims{Sub: "u"}) },
		"ListSessions":        func() error { _, err := m.ListSessions(ctx, "u"); return err },
		"Revoke":              func() error { return m.Revoke(ctx, LogoutTokenClaims{SID: "s"}, now, now.Add(time.Hour)) },
		"Revoked":             func() error { _, err := m.Revoked(ctx, "s", "u", now); return err },
		"Lock":                func() error { _, err := m.Lock(ctx, "k", time.Second); return err },
		"Used":                func() error { _, err := m.Used(ctx, "k"); return err },
		"MarkUsed":            func() error { _, err := m.MarkUsed(ctx, "k", now.Add(time.Hour)); return err },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
			t.Errorf("%s on a canceled context: err = %v, want ErrUnavailable wrapping context.Canceled", name, err)
		}
	}
}

// TestMemoryStoreSessions: Get/Set/Delete/expiry, deep copies,
// DeleteByLogoutToken by sid, sub, both and issuer, ListSessions.
func TestMemoryStoreSessions(t *testing.T) {
	clk := testclock.New(time.Unix(1_800_000_000, 0))
	m := miscStore(clk)
	ctx := context.Background()
	exp := clk.Now().Add(time.Hour)

	s := miscSession("u1", "sid-a", clk.Now().Unix()-10)
	s.Extra = map[string]json.RawMessage{"k": json.RawMessage(`1`)}
	s.User.Extra = map[string]json.RawMessage{"c": json.RawMessage(`"v"`)}
	s.AccessTokens = []wire.AccessTokenSet{{AccessToken: "at", Audience: "a"}}
	if err := m.Set(ctx, "id-a", s, exp); err != nil {
		t.Fatal(err)
	}
	// The store keeps its own copy.
	s.Extra["k"] = json.RawMessage(`2`)
	s.User.Extra["c"] = json.RawMessage(`"w"`)
	s.AccessTokens[0].AccessToken = "changed"
	got, err := m.Get(ctx, "id-a")
	if err != nil || got == nil {
		t.Fatalf("Get = %v, %v", got, err)
	}
	if string(got.Extra["k"]) != "1" || string(got.User.Extra["c"]) != `"v"` || got.AccessTokens[0].AccessToken != "at" {
		t.Fatalf("stored session shares memory with the caller: %+v", got)
	}
	got.Extra["k"] = json.RawMessage(`3`)
	if again, _ := m.Get(ctx, "id-a"); string(again.Extra["k"]) != "1" {
		t.Fatal("a Get result shares memory with the store")
	}
	if got, err := m.Get(ctx, "unknown"); got != nil || err != nil {
		t.Fatalf("unknown id: %v, %v", got, err)
	}

	// Several sessions of u1, one of u2, one of u1 from another issuer.
	_ = m.Set(ctx, "id-b", miscSession("u1", "sid-b", clk.Now().Unix()-20), exp)
	_ = m.Set(ctx, "id-c", miscSession("u2", "sid-c", clk.Now().Unix()), exp)
	other := miscSession("u1", "sid-d", clk.Now().Unix())
	other.Internal.MCDIssuer = "https://other.example.com/"
	_ = m.Set(ctx, "id-d", other, exp)
	_ = m.Set(ctx, "id-old", miscSession("u1", "sid-old", 1), clk.Now().Add(-time.Second)) // already expired

	list, err := m.ListSessions(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ss := range list {
		ids = append(ids, ss.ID)
		if ss.Sub != "u1" || !ss.ExpiresAt.Equal(exp) {
			t.Errorf("listed %+v", ss)
		}
	}
	if len(ids) != 3 || ids[0] != "id-b" || ids[1] != "id-a" {
		t.Fatalf("ListSessions(u1) = %v, want id-b, id-a (by creation), id-d", ids)
	}
	if list[0].SID != "sid-b" || list[0].CreatedAt.Unix() != clk.Now().Unix()-20 {
		t.Fatalf("first listed = %+v", list[0])
	}
	if m.Len() != 5 {
		t.Fatalf("Len = %d, want 5", m.Len())
	}
	if got, _ := m.Get(ctx, "id-old"); got != nil || m.Len() != 4 {
		t.Fatalf("expired session returned (%v) or not dropped (Len %d)", got, m.Len())
	}

	// Empty claims delete nothing.
	if err := m.DeleteByLogoutToken(ctx, LogoutTokenClaims{}); err != nil || m.Len() != 4 {
		t.Fatalf("empty claims: %v, Len %d", err, m.Len())
	}
	// A token of the default issuer does not end the other domain's session.
	if err := m.DeleteByLogoutToken(ctx, LogoutTokenClaims{Sub: "u1", Iss: "https://tenant.example.com/"}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"id-a": true, "id-b": true, "id-c": false, "id-d": false} {
		got, _ := m.Get(ctx, id)
		if (got == nil) != want {
			t.Errorf("after sub logout, %s deleted = %v, want %v", id, got == nil, want)
		}
	}
	if err := m.DeleteByLogoutToken(ctx, LogoutTokenClaims{SID: "sid-d", Sub: "u1", Iss: "https://other.example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(ctx, "id-c"); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(ctx, "never-there"); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 0 {
		t.Fatalf("Len = %d after deleting everything", m.Len())
	}
}

// TestLogoutTokenClaimsMatches covers Matches' table.
func TestLogoutTokenClaimsMatches(t *testing.T) {
	s := miscSession("u", "sid", 1)
	mcd := miscSession("u", "sid", 1)
	mcd.Internal.MCDIssuer = "https://a.example.com/"
	tests := []struct {
		name string
		c    LogoutTokenClaims
		s    *Session
		want bool
	}{
		{"nil session", LogoutTokenClaims{Sub: "u"}, nil, false},
		{"empty claims", LogoutTokenClaims{}, s, false},
		{"sid", LogoutTokenClaims{SID: "sid"}, s, true},
		{"other sid", LogoutTokenClaims{SID: "x"}, s, false},
		{"sub", LogoutTokenClaims{Sub: "u"}, s, true},
		{"sid and other sub", LogoutTokenClaims{SID: "sid", Sub: "v"}, s, false},
		{"issuer ignored without MCD", LogoutTokenClaims{Sub: "u", Iss: "https://z/"}, s, true},
		{"same MCD issuer without slash", LogoutTokenClaims{Sub: "u", Iss: "https://a.example.com"}, mcd, true},
		{"other MCD issuer", LogoutTokenClaims{Sub: "u", Iss: "https://b.example.com/"}, mcd, false},
	}
	for _, tt := range tests {
		if got := tt.c.Matches(tt.s); got != tt.want {
			t.Errorf("%s: Matches = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestMemoryStoreRevocations: Revoke/Revoked by sid and by sub
// (sessions created at or before the logout), merging, expiry, pruning.
func TestMemoryStoreRevocations(t *testing.T) {
	clk := testclock.New(time.Unix(1_800_000_000, 0))
	m := miscStore(clk)
	ctx := context.Background()
	now := clk.Now()

	revoked := func(sid, sub string, created time.Time) bool {
		t.Helper()
		r, err := m.Revoked(ctx, sid, sub, created)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if revoked("s1", "u1", now) {
		t.Fatal("revoked on an empty list")
	}
	// An entry already over is not recorded.
	if err := m.Revoke(ctx, LogoutTokenClaims{SID: "gone"}, now, now); err != nil || m.revokedSIDs != nil {
		t.Fatalf("past entry: %v, %v", err, m.revokedSIDs)
	}
	if err := m.Revoke(ctx, LogoutTokenClaims{SID: "s1", Sub: "u1"}, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !revoked("s1", "other", now.Add(time.Minute)) {
		t.Fatal("revoked sid not reported")
	}
	if revoked("s2", "u1", now.Add(-time.Minute)) {
		t.Fatal("a sid revocation revoked the user's other sessions")
	}
	if revoked("", "", now) {
		t.Fatal("empty sid and sub revoked")
	}
	// A sub-only token revokes the sessions created at or before it.
	if err := m.Revoke(ctx, LogoutTokenClaims{Sub: "u2"}, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !revoked("x", "u2", now) || !revoked("x", "u2", now.Add(-time.Hour)) {
		t.Fatal("older session of a revoked sub not reported")
	}
	if revoked("x", "u2", now.Add(time.Second)) {
		t.Fatal("a session created after the logout reported revoked")
	}
	// Merging: an older, shorter token never shortens or moves back the entry.
	if err := m.Revoke(ctx, LogoutTokenClaims{Sub: "u2"}, now.Add(-time.Hour), now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if r := m.revokedSubs["u2"]; !r.at.Equal(now) || !r.until.Equal(now.Add(time.Hour)) {
		t.Fatalf("merged entry = %+v, want at now, until +1h", r)
	}
	// A later, longer one extends it.
	if err := m.Revoke(ctx, LogoutTokenClaims{Sub: "u2"}, now.Add(time.Minute), now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if r := m.revokedSubs["u2"]; !r.at.Equal(now.Add(time.Minute)) || !r.until.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("extended entry = %+v", r)
	}
	// Claims without sid and sub record nothing.
	if err := m.Revoke(ctx, LogoutTokenClaims{Iss: "x"}, now, now.Add(time.Hour)); err != nil || len(m.revokedSIDs)+len(m.revokedSubs) != 2 {
		t.Fatalf("empty claims recorded: %v %v", m.revokedSIDs, m.revokedSubs)
	}

	// After the first hour the sid entry expires; the next Revoke prunes it
	// (and an expired lock).
	if _, err := m.Lock(ctx, "stale", time.Minute); err != nil {
		t.Fatal(err)
	}
	clk.Advance(90 * time.Minute)
	if revoked("s1", "", clk.Now().Add(-2*time.Hour)) {
		t.Fatal("expired sid revocation still reported")
	}
	if err := m.Revoke(ctx, LogoutTokenClaims{SID: "s3"}, clk.Now(), clk.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.revokedSIDs["s1"]; ok {
		t.Fatal("expired sid entry not pruned")
	}
	if _, ok := m.locks["stale"]; ok {
		t.Fatal("expired lock not pruned")
	}
	if _, ok := m.revokedSubs["u2"]; !ok {
		t.Fatal("live sub entry pruned")
	}
	// An expired entry is replaced, not merged.
	clk.Advance(time.Hour)
	if err := m.Revoke(ctx, LogoutTokenClaims{Sub: "u2"}, clk.Now().Add(-time.Hour), clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if r := m.revokedSubs["u2"]; !r.until.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("expired entry merged: %+v", r)
	}
}

// TestMemoryStoreLock: Lock excludes, waits, gives up with the
// context, re-takes an expired lock, and a stale unlock leaves the new
// holder's lock alone.
func TestMemoryStoreLock(t *testing.T) {
	clk := testclock.New(time.Unix(1_800_000_000, 0))
	m := miscStore(clk)
	ctx := context.Background()

	unlock, err := m.Lock(ctx, "k", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// A second caller waits until the context ends.
	wctx, cancel := context.WithTimeout(ctx, 12*time.Millisecond) // mid-poll: the wait sees the deadline
	defer cancel()
	if _, err := m.Lock(wctx, "k", time.Minute); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock while held: err = %v, want a store error wrapping DeadlineExceeded", err)
	}
	// Another key is free.
	u2, err := m.Lock(ctx, "other", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	u2()

	// A waiter gets the lock once it is released.
	got := make(chan error, 1)
	go func() {
		u, err := m.Lock(ctx, "k", time.Minute)
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(10 * time.Millisecond)
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter never got the released lock")
	}

	// An expired lock is taken over; the first holder's late unlock does
	// not release the new holder's lock.
	first, err := m.Lock(ctx, "k", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	second, err := m.Lock(ctx, "k", time.Minute)
	if err != nil {
		t.Fatalf("expired lock not taken over: %v", err)
	}
	first()
	if _, held := m.locks["k"]; !held {
		t.Fatal("a stale unlock released the new holder's lock")
	}
	second()
	if _, held := m.locks["k"]; held {
		t.Fatal("unlock left the lock held")
	}
}

// TestMemoryStoreReplays: Used/MarkUsed, expiry, and the pruning of
// expired keys once the cache holds 1024.
func TestMemoryStoreReplays(t *testing.T) {
	clk := testclock.New(time.Unix(1_800_000_000, 0))
	m := miscStore(clk)
	ctx := context.Background()
	now := clk.Now()
	if used, err := m.Used(ctx, "k"); used || err != nil {
		t.Fatalf("Used on empty = %v, %v", used, err)
	}
	if first, err := m.MarkUsed(ctx, "k", now.Add(time.Minute)); !first || err != nil {
		t.Fatalf("first MarkUsed = %v, %v", first, err)
	}
	if first, _ := m.MarkUsed(ctx, "k", now.Add(time.Hour)); first {
		t.Fatal("second MarkUsed reported first")
	}
	if used, _ := m.Used(ctx, "k"); !used {
		t.Fatal("marked key not used")
	}
	clk.Advance(2 * time.Minute)
	if used, _ := m.Used(ctx, "k"); used {
		t.Fatal("expired key still used")
	}
	if first, _ := m.MarkUsed(ctx, "k", clk.Now().Add(time.Minute)); !first {
		t.Fatal("expired key not re-marked as first")
	}
	// Fill with expired keys; the next MarkUsed prunes down.
	for i := range 1100 {
		m.replays["old-"+string(rune('a'+i%26))+time.Duration(i).String()] = clk.Now().Add(-time.Second)
	}
	if first, _ := m.MarkUsed(ctx, "fresh", clk.Now().Add(time.Minute)); !first {
		t.Fatal("fresh key not first")
	}
	if n := len(m.replays); n > 1024 {
		t.Fatalf("%d replay keys kept, want pruning to below 1024", n)
	}
	if used, _ := m.Used(ctx, "k"); !used {
		t.Fatal("a live key was pruned")
	}
}

// TestMemoryStoreInterfaces: the memory store is every extension.
func TestMemoryStoreInterfaces(t *testing.T) {
	var st any = NewMemory()
	if _, ok := st.(Lister); !ok {
		t.Error("not a Lister")
	}
	if _, ok := st.(RevocationList); !ok {
		t.Error("not a RevocationList")
	}
	if _, ok := st.(Locker); !ok {
		t.Error("not a Locker")
	}
	if _, ok := st.(ReplayCache); !ok {
		t.Error("not a ReplayCache")
	}
}

// TestMemoryHelpers: Unavailable, CloneSession(nil), the Marshal and
// Unmarshal round trip.
func TestMemoryHelpers(t *testing.T) {
	if Unavailable(nil) != nil {
		t.Fatal("Unavailable(nil) != nil")
	}
	base := errors.New("dial tcp: refused")
	wrapped := Unavailable(base)
	if !errors.Is(wrapped, ErrUnavailable) || !errors.Is(wrapped, base) || wrapped.Error() != "session store failure: dial tcp: refused" {
		t.Fatalf("Unavailable = %v", wrapped)
	}
	if Unavailable(wrapped) != wrapped {
		t.Fatal("an error already matching ErrUnavailable was wrapped again")
	}
	if wire.CloneSession(nil) != nil {
		t.Fatal("wire.CloneSession(nil) != nil")
	}
	s := miscSession("u1", "sid-1", 1_700_000_000)
	s.User.Name = "Jane"
	s.TokenSet.AccessToken, s.TokenSet.RefreshToken = "at", "rt"
	s.Extra = map[string]json.RawMessage{"custom": json.RawMessage(`{"a":1}`)}
	b := Marshal(s)
	if !json.Valid(b) {
		t.Fatalf("MarshalSession wrote invalid JSON: %s", b)
	}
	back, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.User.Sub != "u1" || back.User.Name != "Jane" || back.Internal.SID != "sid-1" || back.Internal.CreatedAt != 1_700_000_000 ||
		back.TokenSet.RefreshToken != "rt" || string(back.Extra["custom"]) != `{"a":1}` {
		t.Fatalf("round trip = %+v", back)
	}
	if _, err := Unmarshal([]byte("not json")); err == nil {
		t.Fatal("UnmarshalSession accepted garbage")
	}
}
