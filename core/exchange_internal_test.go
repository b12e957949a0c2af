package auth0kit

import (
	"net/http"
	"net/url"
)

// testExchange is a minimal adapter.Exchange over plain values, for unit tests,
// fuzzing and benchmarks of the core alone. Adapters are tested for real
// by the conformance suite.
type testExchange struct {
	method, path, rawQuery, host, remote string
	cookies                              []*http.Cookie
	set                                  []*http.Cookie
	header                               http.Header
	form                                 url.Values
}

func (e *testExchange) Method() string   { return e.method }
func (e *testExchange) Path() string     { return e.path }
func (e *testExchange) RawQuery() string { return e.rawQuery }
func (e *testExchange) Host() string     { return e.host }
func (e *testExchange) Header(n string) string {
	return e.header.Get(n)
}
func (e *testExchange) RemoteAddr() string { return e.remote }
func (e *testExchange) TLS() bool          { return false }
func (e *testExchange) Cookie(name string) (string, bool) {
	for _, c := range e.cookies {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}
func (e *testExchange) VisitCookies(fn func(string, string)) {
	for _, c := range e.cookies {
		fn(c.Name, c.Value)
	}
}
func (e *testExchange) FormValue(n string) string { return e.form.Get(n) }
func (e *testExchange) SetCookie(c *http.Cookie)  { e.set = append(e.set, c) }
func (e *testExchange) SetHeader(n, v string) {
	if e.header == nil {
		e.header = http.Header{}
	}
	e.header.Set(n, v)
}
