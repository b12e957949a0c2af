package devop

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// user is an end-user, derived entirely from an e-mail address.
type user struct {
	sub        string
	email      string
	name       string
	givenName  string
	familyName string
	updatedAt  time.Time
}

const avatarURL = "https://example.invalid/avatar.png"

// normalizeEmail validates a bare e-mail address and lower-cases it.
func normalizeEmail(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", errors.New("not a valid e-mail address")
	}
	return strings.ToLower(s), nil
}

// subjectFor returns the sub claim for a normalized e-mail address.
func subjectFor(email string) string {
	h := sha256.Sum256([]byte(email))
	return "devop|" + hex.EncodeToString(h[:])[:24]
}

// userFor returns the user for a normalized e-mail address, creating it
// (with updated_at = now) the first time. Callers hold p.mu.
func (p *Provider) userFor(email string, now time.Time) *user {
	if u, ok := p.users[email]; ok {
		return u
	}
	local, _, _ := strings.Cut(email, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool {
		return r == '.' || r == '_' || r == '-' || r == '+'
	})
	u := &user{
		sub:       subjectFor(email),
		email:     email,
		name:      local,
		updatedAt: now.Truncate(time.Second),
	}
	if len(parts) > 0 {
		u.givenName = capitalize(parts[0])
	}
	if len(parts) > 1 {
		u.familyName = capitalize(parts[len(parts)-1])
	}
	p.users[email] = u
	return u
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// claims returns the user's claims allowed by scope: sub always, profile
// claims with "profile" and email claims with "email" (OIDC Core §5.4).
func (u *user) claims(scope []string) map[string]any {
	c := map[string]any{"sub": u.sub}
	for _, s := range scope {
		switch s {
		case "profile":
			c["name"] = u.name
			c["nickname"] = u.name
			c["picture"] = avatarURL
			c["updated_at"] = u.updatedAt.Unix()
			if u.givenName != "" {
				c["given_name"] = u.givenName
			}
			if u.familyName != "" {
				c["family_name"] = u.familyName
			}
		case "email":
			c["email"] = u.email
			c["email_verified"] = true
		}
	}
	return c
}
