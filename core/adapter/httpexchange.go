package adapter

import (
	"io"
	"net/http"
)

// HTTPExchange is the [Exchange] of frameworks built on net/http (net/http
// itself, Gin, Echo): one *http.Request and its http.ResponseWriter.
// Adapters over those frameworks use it instead of writing their own.
// Cookies are read straight from the Cookie header without allocating.
type HTTPExchange struct {
	R *http.Request
	W http.ResponseWriter
}

// NewHTTPExchange returns the exchange of one request.
func NewHTTPExchange(w http.ResponseWriter, r *http.Request) *HTTPExchange {
	return &HTTPExchange{R: r, W: w}
}

// Method implements [Exchange].
func (e *HTTPExchange) Method() string { return e.R.Method }

// Path implements [Exchange].
func (e *HTTPExchange) Path() string { return e.R.URL.Path }

// RawQuery implements [Exchange].
func (e *HTTPExchange) RawQuery() string { return e.R.URL.RawQuery }

// Host implements [Exchange].
func (e *HTTPExchange) Host() string { return e.R.Host }

// Header implements [Exchange].
func (e *HTTPExchange) Header(name string) string { return e.R.Header.Get(name) }

// RemoteAddr implements [Exchange].
func (e *HTTPExchange) RemoteAddr() string { return e.R.RemoteAddr }

// TLS implements [Exchange].
func (e *HTTPExchange) TLS() bool { return e.R.TLS != nil }

// Cookie implements [Exchange].
func (e *HTTPExchange) Cookie(name string) (string, bool) {
	return CookieHeader(e.R.Header["Cookie"]).Get(name)
}

// VisitCookies implements [Exchange].
func (e *HTTPExchange) VisitCookies(fn func(name, value string)) {
	CookieHeader(e.R.Header["Cookie"]).Visit(fn)
}

// FormValue implements [Exchange]: the url-encoded POST body only, never
// the query string.
func (e *HTTPExchange) FormValue(name string) string { return e.R.PostFormValue(name) }

// SetCookie implements [Exchange] with http.SetCookie (one Set-Cookie
// header per call; the value is not re-escaped).
func (e *HTTPExchange) SetCookie(c *http.Cookie) { http.SetCookie(e.W, c) }

// SetHeader implements [Exchange].
func (e *HTTPExchange) SetHeader(name, value string) { e.W.Header().Set(name, value) }

// RequestBody is the request body ([BodyExchange]).
func (e *HTTPExchange) RequestBody() io.Reader { return e.R.Body }
