package auth0kit

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// cookie builds a Set-Cookie for value with the template's attributes. A
// maxAge of zero with a non-transient template, or a negative maxAge,
// deletes the cookie (Max-Age=0, attributes mirrored so browsers match it).
func (t cookieTemplate) cookie(name, value string, maxAge time.Duration, now time.Time) *http.Cookie {
	ck := &http.Cookie{
		Name: name, Value: value, Path: t.path, Domain: t.domain,
		Secure: t.secure, HttpOnly: true, SameSite: t.sameSite,
	}
	switch {
	case maxAge <= 0:
		ck.Value = ""
		ck.MaxAge = -1
	case t.transient:
	default:
		secs := int(maxAge / time.Second)
		if secs < 1 {
			secs = 1
		}
		ck.MaxAge = secs
		ck.Expires = now.Add(time.Duration(secs) * time.Second).UTC()
	}
	return ck
}

// deletion returns a Set-Cookie that removes name.
func (t cookieTemplate) deletion(name string) *http.Cookie {
	return t.cookie(name, "", -1, time.Time{})
}

// cookieValue reads a request cookie and percent-decodes it, as the JS
// SDKs' cookie libraries do (a transaction cookie's ':' travels as %3A).
func cookieValue(ex adapter.Exchange, name string) (string, bool) {
	v, ok := ex.Cookie(name)
	if !ok {
		return "", false
	}
	return percentDecode(v), true
}

func percentDecode(v string) string {
	if !strings.Contains(v, "%") {
		return v
	}
	if d, err := url.QueryUnescape(strings.ReplaceAll(v, "+", "%2B")); err == nil {
		return d
	}
	return v
}
