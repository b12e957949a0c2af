package sessionstore

import (
	"context"
	"time"
)

// StoredSession describes one session kept by a [Store], as listed by
// [Lister].
type StoredSession struct {
	ID        string    // the store key (the value inside the session cookie)
	SID       string    // the provider's session id (Internal.SID)
	Sub       string    // the user
	CreatedAt time.Time // login time (Internal.CreatedAt)
	ExpiresAt time.Time // when the store drops it
}

// Lister is implemented by stores that can enumerate a user's
// sessions through an index (never a keyspace scan), for "sign out
// everywhere" pages. Deleting them all is DeleteByLogoutToken with only
// Sub set.
type Lister interface {
	ListSessions(ctx context.Context, sub string) ([]StoredSession, error)
}

// RevocationList records back-channel logouts for stateless (cookie)
// sessions, which no server can delete: a cookie whose sid (or whose sub,
// for sessions created before the logout) is on the list reads as no
// session. Entries only need to live as long as the longest session
// (until).
type RevocationList interface {
	// Revoke records that sessions ended: the session with claims.SID, or,
	// when SID is empty, every session of claims.Sub created at or before
	// at. Entries only grow (a late, older token never shortens one).
	Revoke(ctx context.Context, claims LogoutTokenClaims, at, until time.Time) error
	// Revoked reports whether a session with this sid and sub, created at
	// createdAt, was ended by a back-channel logout.
	Revoked(ctx context.Context, sid, sub string, createdAt time.Time) (bool, error)
}

// Locker is implemented by stores that can hold a short distributed lock,
// so that instances sharing the store refresh a session's tokens once, not
// once per instance. Lock blocks until it holds key or ctx ends; the lock
// expires by itself after ttl if unlock is never called.
type Locker interface {
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error)
}

// ReplayCache is implemented by stores that can remember one-time values
// (the jti of accepted back-channel logout tokens) for all instances that
// share the store; without it each process remembers them alone. Keys are
// short printable strings chosen by the SDK (at most 80 bytes).
type ReplayCache interface {
	// Used reports whether key was marked and has not expired yet.
	Used(ctx context.Context, key string) (bool, error)
	// MarkUsed records key until the given time and reports whether it was
	// new (false: it was already marked and had not expired).
	MarkUsed(ctx context.Context, key string, until time.Time) (first bool, err error)
}
