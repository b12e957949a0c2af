package auth0kit

import (
	"errors"

	"context"
	"sync"
	"time"

	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// SessionStore keeps sessions server-side (stateful mode). The session
// cookie then holds only an encrypted, opaque session id. Implementations
// must be safe for concurrent use, must return (nil, nil) from Get for an
// unknown or expired id, and must wrap their own failures so that they
// match [ErrSessionStore] (the adapters answer those with 503 and leave
// the cookie alone). Stores for Redis and SQL live in stores/redis and
// stores/sql.
type SessionStore interface {
	// Get returns the session stored under id, or nil if there is none.
	Get(ctx context.Context, id string) (*Session, error)
	// Set stores s under id until expiresAt, replacing any previous value.
	Set(ctx context.Context, id string, s *Session, expiresAt time.Time) error
	// Delete removes the session stored under id; unknown ids are not an
	// error.
	Delete(ctx context.Context, id string) error
	// DeleteByLogoutToken removes every session matching the claims of a
	// verified back-channel logout token: by sid, by sub, or by both.
	DeleteByLogoutToken(ctx context.Context, claims LogoutTokenClaims) error
}

// LogoutTokenClaims identify the sessions a back-channel logout ends. At
// least one of SID and Sub is set.
type LogoutTokenClaims struct {
	Sub string
	SID string
	Iss string
}

// Matches reports whether the logout token ends session s: same sid (when
// the token has one), same sub (when it has one), and, for a session that
// remembers its custom domain (resolver mode), the same issuer. Stores
// that select candidates by sid or sub use it to decide, so a token from
// one custom domain never ends another's sessions. Empty claims match
// nothing.
func (c LogoutTokenClaims) Matches(s *Session) bool {
	if s == nil || (c.SID == "" && c.Sub == "") {
		return false
	}
	return (c.SID == "" || s.Internal.SID == c.SID) && (c.Sub == "" || s.User.Sub == c.Sub) &&
		(c.Iss == "" || s.Internal.MCDIssuer == "" || sameIssuer(s.Internal.MCDIssuer, c.Iss))
}

// MemoryStore is an in-process [SessionStore] for development, tests and
// single-instance apps. Sessions vanish when the process exits. It also
// implements [SessionLister], [RevocationList] (so it can back
// [WithRevocationList] for stateless sessions), [Locker] and
// [ReplayCache].
type MemoryStore struct {
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

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{data: map[string]memoryEntry{}, now: time.Now}
}

// Get implements [SessionStore].
func (m *MemoryStore) Get(ctx context.Context, id string) (*Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, storeError(err)
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
	return cloneSession(e.s), nil
}

// Set implements [SessionStore].
func (m *MemoryStore) Set(ctx context.Context, id string, s *Session, expiresAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return storeError(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[id] = memoryEntry{s: cloneSession(s), expires: expiresAt}
	return nil
}

// Delete implements [SessionStore].
func (m *MemoryStore) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return storeError(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, id)
	return nil
}

// DeleteByLogoutToken implements [SessionStore].
func (m *MemoryStore) DeleteByLogoutToken(ctx context.Context, c LogoutTokenClaims) error {
	if err := ctx.Err(); err != nil {
		return storeError(err)
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
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.data)
}

func storeError(err error) error {
	return &Error{Code: CodeSessionStoreError, Message: "session store failure", Err: err}
}

// cloneSession copies a session deeply enough that the copy's slices and
// maps can be changed without touching the original.
func cloneSession(s *Session) *Session {
	if s == nil {
		return nil
	}
	cp := *s
	cp.AccessTokens = append([]AccessTokenSet(nil), s.AccessTokens...)
	if s.Extra != nil {
		cp.Extra = make(map[string]jsonRaw, len(s.Extra))
		for k, v := range s.Extra {
			cp.Extra[k] = v
		}
	}
	if s.User.Extra != nil {
		cp.User.Extra = make(map[string]jsonRaw, len(s.User.Extra))
		for k, v := range s.User.Extra {
			cp.User.Extra[k] = v
		}
	}
	return &cp
}

// StoreError wraps a store's own failure (a network error, a driver error)
// so that it matches [ErrSessionStore]: adapters answer 503 and leave the
// session cookie as it was. Store implementations use it.
func StoreError(err error) error {
	if err == nil || errors.Is(err, ErrSessionStore) {
		return err
	}
	return storeError(err)
}

// MarshalSession encodes a session as nextjs-auth0's SessionData JSON (the
// stateful store record format, shared with that SDK).
func MarshalSession(s *Session) []byte {
	return wire.EncodeSession(nil, s, 0)
}

// UnmarshalSession decodes what [MarshalSession] (or nextjs-auth0) wrote.
func UnmarshalSession(data []byte) (*Session, error) {
	s, _, err := wire.DecodeSession(data)
	return s, err
}
