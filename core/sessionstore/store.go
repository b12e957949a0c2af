package sessionstore

import (
	"context"
	"strings"
	"time"

	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// Session is auth0kit's session (auth0kit.Session): nextjs-auth0's
// SessionData.
type Session = wire.Session

// Store keeps sessions server-side (stateful mode). The session
// cookie then holds only an encrypted, opaque session id. Implementations
// must be safe for concurrent use, must return (nil, nil) from Get for an
// unknown or expired id, and must wrap their own failures so that they
// match [ErrUnavailable] (wrap them with [Unavailable]) (the adapters answer those with 503 and leave
// the cookie alone). Stores for Redis and SQL live in stores/redis and
// stores/sql.
type Store interface {
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
		(c.Iss == "" || s.Internal.MCDIssuer == "" || strings.TrimSuffix(s.Internal.MCDIssuer, "/") == strings.TrimSuffix(c.Iss, "/"))
}
