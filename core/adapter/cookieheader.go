package adapter

import "strings"

// CookieHeader reads cookies straight from raw Cookie request header
// lines without allocating, for adapters over net/http-style requests
// (net/http, Gin, Echo): the session middleware runs on every request, and
// http.Request.Cookies would allocate a *http.Cookie per cookie each time.
// Values are returned as sent (surrounding double quotes removed).
type CookieHeader []string

// Get returns the value of the first cookie named name.
func (h CookieHeader) Get(name string) (string, bool) {
	var val string
	found := false
	h.visit(func(n, v string) bool {
		if n == name {
			val, found = v, true
			return false
		}
		return true
	})
	return val, found
}

// Visit calls fn for every cookie, in header order.
func (h CookieHeader) Visit(fn func(name, value string)) {
	h.visit(func(n, v string) bool { fn(n, v); return true })
}

func (h CookieHeader) visit(fn func(name, value string) bool) {
	for _, line := range h {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.TrimSpace(part)
			name, value, _ := strings.Cut(part, "=")
			if name = strings.TrimSpace(name); name == "" {
				continue
			}
			if len(value) > 1 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			if !fn(name, value) {
				return
			}
		}
	}
}
