package adapter

import (
	"io"
	"net/http"
	"sync"
)

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
	// Header, when set, are further response headers (a proxied answer's).
	Header http.Header
	// Stream, when set, is the body instead of Body: copied to the client
	// as it arrives, then closed (a proxied answer's body).
	Stream io.ReadCloser
}

// BodyExchange is implemented by exchanges that can stream the request
// body (the API proxy routes need it).
type BodyExchange interface {
	// RequestBody is the request body, read once.
	RequestBody() io.Reader
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
	for k, v := range r.Header {
		w.Header()[k] = v
	}
	if r.Stream != nil {
		defer r.Stream.Close()
		w.WriteHeader(r.Status)
		return copyFlushing(w, r.Stream)
	}
	w.WriteHeader(r.Status)
	if len(r.Body) > 0 {
		_, err := w.Write(r.Body)
		return err
	}
	return nil
}

// copyBufs are copyFlushing's buffers.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyFlushing copies a streamed body. A body of unknown length (no
// Content-Length: a stream) is flushed after each read so a slow
// upstream's bytes reach the client as they come, as
// httputil.ReverseProxy does.
func copyFlushing(w http.ResponseWriter, src io.Reader) error {
	flush := w.Header().Get("Content-Length") == ""
	rc := http.NewResponseController(w)
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			if flush {
				_ = rc.Flush()
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
