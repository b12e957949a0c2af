package adapter

import "net/http"

// Exchange is one HTTP request and its response as the core sees them. An
// adapter implements it over its framework's request context (the role of
// auth0-server-js's StoreOptions), so the core never depends on a
// framework. Values returned must stay valid after the call, except the
// cookie values of a [TransientCookies] exchange.
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

// TransientCookies marks an [Exchange] whose Cookie and VisitCookies
// values share the framework's request buffers instead of being copied
// (auth0fasthttp: the Cookie header is most of a logged-in request's
// bytes). Such values are valid only until application code runs again,
// since it may change the request's headers in place. The engine uses them
// within the call that read them, and reads the cookies again when it
// needs them later (a session read by the handler), so nothing is kept
// across application code and nothing needs copying.
type TransientCookies interface {
	Exchange
	// TransientCookies is a marker; it does nothing.
	TransientCookies()
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

// Write sends the response through w: Location and Content-Type headers,
// the status, then the body.
func (r *Response) Write(w http.ResponseWriter) error {
	if r.Location != "" {
		w.Header().Set("Location", r.Location)
	}
	if r.ContentType != "" {
		w.Header().Set("Content-Type", r.ContentType)
	}
	w.WriteHeader(r.Status)
	if len(r.Body) > 0 {
		_, err := w.Write(r.Body)
		return err
	}
	return nil
}
