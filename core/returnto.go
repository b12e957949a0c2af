package auth0kit

import (
	"net/url"
	"strings"
)

// maxReturnToLength bounds a stored returnTo, as nextjs-auth0 does.
const maxReturnToLength = 2048

// SafeReturnTo checks a user-supplied returnTo against the application's
// base URL. It accepts a relative path ("/dashboard?tab=1") or an absolute
// URL with the base URL's origin, and returns the path, query and fragment
// to store ("/dashboard?tab=1"). Anything else — another origin,
// protocol-relative "//host", backslashes ("/\host", which browsers read as
// "//host"), control characters, non-http schemes such as "javascript:", or
// more than 2048 bytes — returns ok=false, and the caller falls back to the
// default path. It never returns a value a browser could resolve to another
// origin. When base has a path ("https://example.com/app"), a path outside
// it is joined under it ("/x" becomes "/app/x"; "/app/x" stays).
func SafeReturnTo(raw string, base *url.URL) (path string, ok bool) {
	if raw == "" || len(raw) > maxReturnToLength || base == nil {
		return "", false
	}
	for i := 0; i < len(raw); i++ {
		if b := raw[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return "", false
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil {
		return "", false
	}
	if u.Scheme != "" || u.Host != "" || strings.HasPrefix(raw, "//") {
		if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
			return "", false
		}
	} else if !strings.HasPrefix(raw, "/") {
		// A bare relative reference ("dashboard") resolves against the base
		// path; keep it within the origin.
		u = base.ResolveReference(u)
	}
	// Judge the decoded path too: an app that later redirects with it
	// (or a proxy that decodes it) must not see "//host", "\\" or
	// control characters.
	if strings.HasPrefix(u.Path, "//") || strings.ContainsFunc(u.Path, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == '\\'
	}) {
		return "", false
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return "", false
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	if u.Fragment != "" {
		p += "#" + u.EscapedFragment()
	}
	if bp := strings.TrimSuffix(base.EscapedPath(), "/"); bp != "" && !underBasePath(p, bp) {
		p = bp + p // an app mounted under a path: "/x" is "/app/x"
	}
	if len(p) > maxReturnToLength { // escaping can grow it
		return "", false
	}
	return p, true
}

// absoluteURL joins the base URL's origin with a path from SafeReturnTo.
func absoluteURL(base *url.URL, path string) string {
	return base.Scheme + "://" + base.Host + path
}
