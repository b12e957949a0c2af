package auth0kit

import (
	"strconv"
	"strings"

	"net/url"
)

// An APP_BASE_URL with a path ("https://example.com/app") mounts the SDK
// under that path, as nextjs-auth0 does with a base path: the routes answer
// at /app/auth/*, the session and transaction cookies default to Path=/app,
// redirect_uri is /app/auth/callback, guards redirect to /app/auth/login,
// and a returnTo outside /app (or the default SignInReturnToPath) is joined
// under it. The configured [Routes] stay relative to the base path.

// basePathOf returns the path shared by the base URLs ("" for the root).
// Base URLs with different paths are refused: routes and cookie paths
// would then depend on the request, and a cookie set under one path would
// not reach the other.
func basePathOf(bases []*url.URL) (string, error) {
	if len(bases) == 0 {
		return "", nil
	}
	p := bases[0].Path
	for _, b := range bases[1:] {
		if b.Path != p {
			return "", invalid("AppBaseURL (APP_BASE_URL)", "every base URL must have the same path: "+
				strconv.Quote(bases[0].String())+" and "+strconv.Quote(b.String())+" differ")
		}
	}
	if strings.ContainsAny(p, ";,\t\r\n ") {
		return "", invalid("AppBaseURL (APP_BASE_URL)", "the path cannot be a cookie path: "+strconv.Quote(p))
	}
	return p, nil
}

// underBasePath reports whether the path (with optional query) is the
// base path itself or below it.
func underBasePath(p, base string) bool {
	if !strings.HasPrefix(p, base) {
		return false
	}
	rest := p[len(base):]
	return rest == "" || rest[0] == '/' || rest[0] == '?' || rest[0] == '#'
}

// routePath strips the base path from a request path for route matching;
// ok is false when the request is outside the base path.
func (c *Client) routePath(path string) (string, bool) {
	bp := c.s.basePath
	if bp == "" {
		return path, true
	}
	if !strings.HasPrefix(path, bp) || len(path) == len(bp) || path[len(bp)] != '/' {
		return "", false
	}
	return path[len(bp):], true
}
