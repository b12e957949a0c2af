package auth0kit

import (
	"context"
	"sort"
	"time"
)

// ListSessions implements [SessionLister]. (The in-memory store has no
// index; it is meant for small, single-instance deployments.)
func (m *MemoryStore) ListSessions(ctx context.Context, sub string) ([]StoredSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, storeError(err)
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
func (m *MemoryStore) Revoke(ctx context.Context, c LogoutTokenClaims, at, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return storeError(err)
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
func (m *MemoryStore) pruneLocked(now time.Time) {
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
func (m *MemoryStore) Revoked(ctx context.Context, sid, sub string, createdAt time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, storeError(err)
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
func (m *MemoryStore) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, storeError(err)
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
			return nil, storeError(ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Used implements [ReplayCache].
func (m *MemoryStore) Used(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, storeError(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.replays[key]
	return ok && m.now().Before(until), nil
}

// MarkUsed implements [ReplayCache].
func (m *MemoryStore) MarkUsed(ctx context.Context, key string, until time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, storeError(err)
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
