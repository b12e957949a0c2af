package auth0kit

import (
	"net/url"
	"strings"
)

// parseOrigins validates and normalises the allow-list.
func parseOrigins(origins []string) (map[string]bool, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	set := make(map[string]bool, len(origins))
	for _, raw := range origins {
		u, err := url.Parse(strings.TrimSuffix(raw, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
			return nil, invalid("LogoutReturnToOrigins (AUTH0_LOGOUT_RETURN_TO_ORIGINS)", "not an origin (scheme://host[:port]): "+strqa(raw))
		}
		set[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	return set, nil
}

// allowedLogoutReturn returns raw when it is an absolute http(s) URL of an
// allowed logout origin, with the same hygiene as [SafeReturnTo].
func (c *Client) allowedLogoutReturn(raw string) (string, bool) {
	if c.s.logoutOrigins == nil || raw == "" || len(raw) > maxReturnToLength {
		return "", false
	}
	for i := 0; i < len(raw); i++ {
		if b := raw[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return "", false
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	if !c.s.logoutOrigins[strings.ToLower(u.Scheme+"://"+u.Host)] {
		return "", false
	}
	if strings.HasPrefix(u.Path, "//") {
		return "", false
	}
	return u.String(), true
}
