package auth0kit

import "github.com/auth0kit/auth0kit/core/adapter"

// noStore marks a response as never cacheable: nextjs-auth0's cache headers
// for any response that carries a session or user data.
func noStore(ex adapter.Exchange) {
	ex.SetHeader("Cache-Control", "private, no-cache, no-store, must-revalidate, max-age=0")
	ex.SetHeader("Pragma", "no-cache")
	ex.SetHeader("Expires", "0")
}

// sdkHeaders marks every answer the SDK itself writes (its routes, the
// guards' redirects and 401s, middleware errors) with
// X-Content-Type-Options: nosniff, so that no browser ever renders an
// error body as anything but its declared type.
func sdkHeaders(ex adapter.Exchange) {
	if ex != nil {
		ex.SetHeader("X-Content-Type-Options", "nosniff")
	}
}
