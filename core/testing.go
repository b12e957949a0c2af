package auth0kit

import (
	"time"

	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// GenerateSessionCookie encrypts s as a stateless session cookie value
// (the bare JWE, to be sent as "__session=<value>"), like nextjs-auth0's
// generateSessionCookie testing helper: a missing Internal.SID becomes
// "auth0-sid" and a missing Internal.CreatedAt now (a session without
// createdAt is refused on read), and
// the cookie expires in one hour. Use it in tests to make a logged-in
// request without a login flow.
func GenerateSessionCookie(s *Session, secret string) (string, error) {
	keys, err := wire.NewKeys(secret)
	if err != nil {
		return "", err
	}
	cp := *s
	now := time.Now()
	if cp.Internal.SID == "" {
		cp.Internal.SID = "auth0-sid"
	}
	if cp.Internal.CreatedAt == 0 {
		cp.Internal.CreatedAt = now.Unix()
	}
	return keys.SealSession(&cp, now.Add(time.Hour).Unix())
}
