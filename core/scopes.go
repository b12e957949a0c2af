package auth0kit

import "strings"

// mergeScopes joins scope strings, dropping duplicates and keeping the
// first-seen order (nextjs-auth0's mergeScopes; not sorted).
func mergeScopes(scopes ...string) string {
	var out []string
	seen := map[string]bool{}
	for _, s := range scopes {
		for f := range strings.FieldsSeq(s) {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return strings.Join(out, " ")
}

// scopeCovers reports whether every scope in want is in have.
func scopeCovers(have, want string) bool {
	for w := range strings.FieldsSeq(want) {
		if !hasScope(have, w) {
			return false
		}
	}
	return true
}

// scopeCount is the number of distinct scopes in s.
func scopeCount(s string) int { return len(strings.Fields(s)) }

// sameScopes reports whether a and b hold the same set of scopes.
func sameScopes(a, b string) bool { return scopeCovers(a, b) && scopeCovers(b, a) }

// scopeFor returns the configured scope for an audience: its entry in
// [WithAudienceScopes], else the global scope.
func (c *Client) scopeFor(audience string) string {
	if s, ok := c.cfg.AudienceScopes[audience]; ok && audience != "" {
		return s
	}
	return c.cfg.AuthorizationParams["scope"]
}
