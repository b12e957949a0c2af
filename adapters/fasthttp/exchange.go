// Package auth0fasthttp is auth0kit's bridge to fasthttp: the
// adapter.Exchange of one *fasthttp.RequestCtx and the writer of core
// responses. The Fiber v2 and v3 adapters (auth0fiber) are built on it, so
// the fasthttp rules live in one place: fasthttp reuses its buffers once
// the handler returns, so every value handed to the core is copied into a
// Go string, except the cookies (see adapter.TransientCookies: the Cookie
// header is most of a logged-in request's bytes), and several Set-Cookie
// headers with one name must all be sent.
package auth0fasthttp

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"unsafe"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/valyala/fasthttp"
)

// Exchange is the adapter.Exchange of one fasthttp request. Its cookie
// values share fasthttp's request buffers (adapter.TransientCookies).
type Exchange struct {
	ctx *fasthttp.RequestCtx
	// line is the backing array of the usual single Cookie header line.
	line [1]string
}

// NewExchange returns the exchange of ctx's request and response.
func NewExchange(ctx *fasthttp.RequestCtx) *Exchange { return &Exchange{ctx: ctx} }

// TransientCookies implements adapter.TransientCookies.
func (e *Exchange) TransientCookies() {}

// Method implements adapter.Exchange.
func (e *Exchange) Method() string { return method(e.ctx.Method()) }

// method returns m as a string, without allocating for the usual methods.
func method(m []byte) string {
	switch string(m) {
	case http.MethodGet:
		return http.MethodGet
	case http.MethodPost:
		return http.MethodPost
	case http.MethodHead:
		return http.MethodHead
	}
	return string(m)
}

// Path implements adapter.Exchange.
func (e *Exchange) Path() string { return string(e.ctx.Path()) }

// RawQuery implements adapter.Exchange.
func (e *Exchange) RawQuery() string { return string(e.ctx.URI().QueryString()) }

// Host implements adapter.Exchange.
func (e *Exchange) Host() string { return string(e.ctx.Request.URI().Host()) }

// Header implements adapter.Exchange.
func (e *Exchange) Header(name string) string { return string(e.ctx.Request.Header.Peek(name)) }

// RemoteAddr implements adapter.Exchange.
func (e *Exchange) RemoteAddr() string { return e.ctx.RemoteAddr().String() }

// TLS implements adapter.Exchange.
func (e *Exchange) TLS() bool { return e.ctx.IsTLS() }

// cookieHeader returns the Cookie header lines, parsed by
// adapter.CookieHeader like every other adapter's. The strings share
// fasthttp's buffers (no copy of a header of several kilobytes on every
// request): they are valid until application code runs again, which is
// what adapter.TransientCookies promises the engine.
func (e *Exchange) cookieHeader() adapter.CookieHeader {
	lines := e.line[:0]
	for _, v := range e.ctx.Request.Header.PeekAll(fasthttp.HeaderCookie) {
		lines = append(lines, transient(v))
	}
	return lines
}

// transient returns a string sharing b's memory.
func transient(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Cookie implements adapter.Exchange.
func (e *Exchange) Cookie(name string) (string, bool) { return e.cookieHeader().Get(name) }

// VisitCookies implements adapter.Exchange.
func (e *Exchange) VisitCookies(fn func(name, value string)) { e.cookieHeader().Visit(fn) }

// FormValue implements adapter.Exchange: the url-encoded POST body only.
func (e *Exchange) FormValue(name string) string {
	return string(e.ctx.Request.PostArgs().Peek(name))
}

// SetCookie implements adapter.Exchange. fasthttp's own SetCookie keeps
// one cookie per name, but a chunk deleted and rewritten in one response
// needs two, so the header is added as is.
func (e *Exchange) SetCookie(ck *http.Cookie) {
	if v := ck.String(); v != "" {
		e.ctx.Response.Header.Add(fasthttp.HeaderSetCookie, v)
	}
}

// SetHeader implements adapter.Exchange.
func (e *Exchange) SetHeader(name, value string) { e.ctx.Response.Header.Set(name, value) }

// Write sends a core response: Location, Content-Type (none when the
// response has none, as net/http), status and body.
func Write(ctx *fasthttp.RequestCtx, res *adapter.Response) {
	h := &ctx.Response.Header
	if res.Location != "" {
		h.Set(fasthttp.HeaderLocation, res.Location)
	}
	if res.ContentType != "" {
		h.SetContentType(res.ContentType)
	} else {
		h.SetNoDefaultContentType(true)
	}
	size := -1
	for k, vs := range res.Header {
		if http.CanonicalHeaderKey(k) == "Content-Length" {
			if n, err := strconv.Atoi(vs[0]); err == nil && n >= 0 {
				size = n
			}
			continue
		}
		for i, v := range vs {
			if i == 0 {
				h.Set(k, v)
			} else {
				h.Add(k, v)
			}
		}
	}
	ctx.SetStatusCode(res.Status)
	if res.Stream != nil {
		ctx.SetBodyStream(res.Stream, size) // fasthttp closes it once sent
		return
	}
	if len(res.Body) > 0 {
		ctx.SetBody(res.Body)
	}
}

// RequestBody is the request body ([adapter.BodyExchange]): streamed when
// the server was started with StreamRequestBody, else the buffered body.
func (e *Exchange) RequestBody() io.Reader {
	if s := e.ctx.RequestBodyStream(); s != nil {
		return s
	}
	return bytes.NewReader(e.ctx.Request.Body())
}
