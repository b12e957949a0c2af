package auth0http

import (
	"net/http"
)

// exchange adapts one net/http request and its ResponseWriter to
// auth0kit.Exchange.
type exchange struct {
	w       http.ResponseWriter
	r       *http.Request
	cookies []*http.Cookie // parsed once, on first use
	parsed  bool
}

func (e *exchange) Method() string            { return e.r.Method }
func (e *exchange) Path() string              { return e.r.URL.Path }
func (e *exchange) RawQuery() string          { return e.r.URL.RawQuery }
func (e *exchange) Host() string              { return e.r.Host }
func (e *exchange) Header(name string) string { return e.r.Header.Get(name) }
func (e *exchange) RemoteAddr() string        { return e.r.RemoteAddr }
func (e *exchange) TLS() bool                 { return e.r.TLS != nil }

func (e *exchange) all() []*http.Cookie {
	if !e.parsed {
		e.cookies, e.parsed = e.r.Cookies(), true
	}
	return e.cookies
}

func (e *exchange) Cookie(name string) (string, bool) {
	for _, c := range e.all() {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

func (e *exchange) VisitCookies(fn func(name, value string)) {
	for _, c := range e.all() {
		fn(c.Name, c.Value)
	}
}

func (e *exchange) FormValue(name string) string { return e.r.PostFormValue(name) }

func (e *exchange) SetCookie(c *http.Cookie) { http.SetCookie(e.w, c) }

func (e *exchange) SetHeader(name, value string) { e.w.Header().Set(name, value) }
