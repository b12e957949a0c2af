package auth0http

import (
	"net/http"

	"github.com/auth0kit/auth0kit/core"
)

// exchange adapts one net/http request and its ResponseWriter to
// auth0kit.Exchange.
type exchange struct {
	w http.ResponseWriter
	r *http.Request
}

func (e *exchange) Method() string            { return e.r.Method }
func (e *exchange) Path() string              { return e.r.URL.Path }
func (e *exchange) RawQuery() string          { return e.r.URL.RawQuery }
func (e *exchange) Host() string              { return e.r.Host }
func (e *exchange) Header(name string) string { return e.r.Header.Get(name) }
func (e *exchange) RemoteAddr() string        { return e.r.RemoteAddr }
func (e *exchange) TLS() bool                 { return e.r.TLS != nil }

func (e *exchange) Cookie(name string) (string, bool) {
	return auth0kit.CookieHeader(e.r.Header["Cookie"]).Get(name)
}

func (e *exchange) VisitCookies(fn func(name, value string)) {
	auth0kit.CookieHeader(e.r.Header["Cookie"]).Visit(fn)
}

func (e *exchange) FormValue(name string) string { return e.r.PostFormValue(name) }

func (e *exchange) SetCookie(c *http.Cookie) { http.SetCookie(e.w, c) }

func (e *exchange) SetHeader(name, value string) { e.w.Header().Set(name, value) }
