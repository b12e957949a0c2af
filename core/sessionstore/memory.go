package sessionstore

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// Memory is an in-process [Store] for development, tests and
// single-instance apps. Sessions vanish when the process exits. It also
// implements [Lister], [RevocationList] (so it can back
// auth0kit.WithRevocationList for stateless sessions), [Locker] and
// [ReplayCache].
type Memory struct {
	mu          sync.Mutex
	data        map[string]memoryEntry
	now         func() time.Time
	revokedSIDs map[string]revocation
	revokedSubs map[string]revocation
	locks       map[string]time.Time
	replays     map[string]time.Time
}

type memoryEntry struct {
	s       *Session
	expires time.Time
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return NewMemoryClock(time.Now) }

// NewMemoryClock returns an empty in-memory store that reads the time from
// now (tests that move a clock; pass the client's Tuning.Clock).
func NewMemoryClock(now func() time.Time) *Memory {
	return &Memory{data: map[string]memoryEntry{}, now: now}
}

// Get implements [Store].
func (m *Memory) Get(ctx context.Context, id string) (*Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, Unavailable(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.data[id]
	if !ok {
		return nil, nil
	}
	if !m.now().Before(e.expires) {
		delete(m.data, id)
		return nil, nil
	}
	return wire.CloneSession(e.s), nil
}

// Set implements [Store].
func (m *Memory) Set(ctx context.Context, id string, s *Session, expiresAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return Unavailable(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[id] = memoryEntry{s: wire.CloneSession(s), expires: expiresAt}
	return nil
}

// Delete implements [Store].
func (m *Memory) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return Unavailable(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, id)
	return nil
}

// DeleteByLogoutToken implements [Store].
func (m *Memory) DeleteByLogoutToken(ctx context.Context, c LogoutTokenClaims) error {
	if err := ctx.Err(); err != nil {
		return Unavailable(err)
	}
	if c.SID == "" && c.Sub == "" {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, e := range m.data {
		// A session that remembers its custom domain (resolver mode) is
		// only ended by its own issuer's tokens.
		if c.Matches(e.s) {
			delete(m.data, id)
		}
	}
	return nil
}

// Len returns the number of stored sessions (expired ones included until
// they are next read).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.data)
}

// ListSessions implements [Lister]. (The in-memory store has no
// index; it is meant for small, single-instance deployments.)
func (m *Memory) ListSessions(ctx context.Context, sub string) ([]StoredSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, Unavailable(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var out []StoredSession
	for id, e := range m.data {
		if e.s.User.Sub == sub && now.Before(e.expires) {
			out = append(out, StoredSession{ID: id, SID: e.s.Internal.SID, Sub: sub,
				CreatedAt: time.Unix(e.s.Internal.CreatedAt, 0), ExpiresAt: e.expires})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

type revocation struct {
	at, until time.Time
}

// Revoke implements [RevocationList]. An entry only ever grows: a late,
// older logout token cannot move a revocation back or shorten it.
func (m *Memory) Revoke(ctx context.Context, c LogoutTokenClaims, at, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return Unavailable(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if !until.After(now) {
		return nil
	}
	if m.revokedSIDs == nil {
		m.revokedSIDs, m.revokedSubs = map[string]revocation{}, map[string]revocation{}
	}
	m.pruneLocked(now)
	merge := func(set map[string]revocation, k string) {
		r := revocation{at, until}
		if old, ok := set[k]; ok && now.Before(old.until) {
			if old.at.After(r.at) {
				r.at = old.at
			}
			if old.until.After(r.until) {
				r.until = old.until
			}
		}
		set[k] = r
	}
	if c.SID != "" {
		merge(m.revokedSIDs, c.SID)
	} else if c.Sub != "" {
		merge(m.revokedSubs, c.Sub)
	}
	return nil
}

// pruneLocked drops expired revocations and locks; m.mu must be held.
func (m *Memory) pruneLocked(now time.Time) {
	for _, set := range []map[string]revocation{m.revokedSIDs, m.revokedSubs} {
		for k, r := range set {
			if !now.Before(r.until) {
				delete(set, k)
			}
		}
	}
	for k, until := range m.locks {
		if !now.Before(until) {
			delete(m.locks, k)
		}
	}
}

// Revoked implements [RevocationList].
func (m *Memory) Revoked(ctx context.Context, sid, sub string, createdAt time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, Unavailable(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if r, ok := m.revokedSIDs[sid]; ok && sid != "" && now.Before(r.until) {
		return true, nil
	}
	if r, ok := m.revokedSubs[sub]; ok && sub != "" && now.Before(r.until) && !createdAt.After(r.at) {
		return true, nil
	}
	return false, nil
}

// Lock implements [Locker] within one process.
func (m *Memory) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, Unavailable(err)
		}
		m.mu.Lock()
		if m.locks == nil {
			m.locks = map[string]time.Time{}
		}
		now := m.now()
		if until, held := m.locks[key]; !held || !now.Before(until) {
			mine := now.Add(ttl)
			m.locks[key] = mine
			m.mu.Unlock()
			return func() {
				m.mu.Lock()
				if m.locks[key].Equal(mine) { // not re-taken after expiry
					delete(m.locks, key)
				}
				m.mu.Unlock()
			}, nil
		}
		m.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, Unavailable(ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Used implements [ReplayCache].
func (m *Memory) Used(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, Unavailable(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.replays[key]
	return ok && m.now().Before(until), nil
}

// MarkUsed implements [ReplayCache].
func (m *Memory) MarkUsed(ctx context.Context, key string, until time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, Unavailable(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.replays == nil {
		m.replays = map[string]time.Time{}
	}
	if old, ok := m.replays[key]; ok && now.Before(old) {
		return false, nil
	}
	for k, t := range m.replays {
		if len(m.replays) < 1024 {
			break
		}
		if !now.Before(t) {
			delete(m.replays, k)
		}
	}
	m.replays[key] = until
	return true, nil
}
