package auth0kit

import (
	"net/http"
)

// Exchange is one HTTP request and its response as the core sees them. An
// adapter implements it over its framework's request context (the role of
// auth0-server-js's StoreOptions), so the core never depends on a
// framework. Values returned must stay valid after the call (fasthttp
// adapters copy them).
type Exchange interface {
	// Method is the request method.
	Method() string
	// Path is the request path, not unescaped further than the framework
	// does.
	Path() string
	// RawQuery is the request's query string without '?'.
	RawQuery() string
	// Host is the Host header.
	Host() string
	// Header returns the first value of a request header.
	Header(name string) string
	// RemoteAddr is the peer's "ip:port".
	RemoteAddr() string
	// TLS reports whether the request arrived over TLS.
	TLS() bool
	// Cookie returns a request cookie's raw value (the adapter need not
	// unescape it; the core percent-decodes where the wire format asks).
	Cookie(name string) (string, bool)
	// VisitCookies calls fn for every request cookie.
	VisitCookies(fn func(name, value string))
	// FormValue returns a field of a url-encoded POST body.
	FormValue(name string) string
	// SetCookie adds a Set-Cookie header to the response. Several cookies
	// with one name (a chunk being deleted and rewritten) must all be sent.
	SetCookie(c *http.Cookie)
	// SetHeader sets a response header.
	SetHeader(name, value string)
}

// Response is the answer of a core route, written by the adapter: status,
// optional Location, and a body with its content type. Cookies and headers
// were already set on the [Exchange].
type Response struct {
	Status      int
	Location    string
	ContentType string
	Body        []byte
}

// noStore marks a response as never cacheable: nextjs-auth0's cache headers
// for any response that carries a session or user data.
func noStore(ex Exchange) {
	ex.SetHeader("Cache-Control", "private, no-cache, no-store, must-revalidate, max-age=0")
	ex.SetHeader("Pragma", "no-cache")
	ex.SetHeader("Expires", "0")
}

// sdkHeaders marks every answer the SDK itself writes (its routes, the
// guards' redirects and 401s, middleware errors) with
// X-Content-Type-Options: nosniff, so that no browser ever renders an
// error body as anything but its declared type.
func sdkHeaders(ex Exchange) {
	if ex != nil {
		ex.SetHeader("X-Content-Type-Options", "nosniff")
	}
}
