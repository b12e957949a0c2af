package auth0kit

import (
	"time"

	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// GenerateSessionCookie encrypts s as a stateless session cookie value
// (the bare JWE, to be sent as "__session=<value>"), exactly like
// nextjs-auth0's generateSessionCookie testing helper: when s has no
// Internal.CreatedAt, sid "auth0-sid" and createdAt now are filled in, and
// the cookie expires in one hour. Use it in tests to make a logged-in
// request without a login flow.
func GenerateSessionCookie(s *Session, secret string) (string, error) {
	keys, err := wire.NewKeys(secret)
	if err != nil {
		return "", err
	}
	cp := *s
	now := time.Now()
	if cp.Internal.CreatedAt == 0 && cp.Internal.SID == "" {
		cp.Internal = SessionInternal{SID: "auth0-sid", CreatedAt: now.Unix()}
	}
	return keys.SealSession(&cp, now.Add(time.Hour).Unix())
}
