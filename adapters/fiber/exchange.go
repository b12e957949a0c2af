package auth0fiber

import (
	"net/http"
	"strings"

	"github.com/auth0kit/auth0kit/core"
	"github.com/gofiber/fiber/v2"
)

// exchange adapts one fiber (fasthttp) request and its response to
// auth0kit.Exchange. fasthttp reuses its buffers once the handler returns,
// so every value handed to the core is copied into a Go string.
type exchange struct {
	c *fiber.Ctx

	// The request's Cookie header lines, copied once on first use.
	cookies     auth0kit.CookieHeader
	cookiesRead bool
	line        [1]string // backing array for the usual single line
}

func (e *exchange) Method() string   { return strings.Clone(e.c.Method()) }
func (e *exchange) Path() string     { return strings.Clone(e.c.Path()) }
func (e *exchange) RawQuery() string { return string(e.c.Request().URI().QueryString()) }
func (e *exchange) Host() string     { return string(e.c.Request().URI().Host()) }
func (e *exchange) Header(name string) string {
	return string(e.c.Request().Header.Peek(name))
}
func (e *exchange) RemoteAddr() string { return e.c.Context().RemoteAddr().String() }
func (e *exchange) TLS() bool          { return e.c.Context().IsTLS() }

// cookieHeader returns the Cookie header lines as Go strings, parsed by
// auth0kit.CookieHeader like every other adapter's.
func (e *exchange) cookieHeader() auth0kit.CookieHeader {
	if !e.cookiesRead {
		e.cookiesRead = true
		e.cookies = e.line[:0]
		for _, v := range e.c.Request().Header.PeekAll(fiber.HeaderCookie) {
			e.cookies = append(e.cookies, string(v))
		}
	}
	return e.cookies
}

func (e *exchange) Cookie(name string) (string, bool) { return e.cookieHeader().Get(name) }

func (e *exchange) VisitCookies(fn func(name, value string)) { e.cookieHeader().Visit(fn) }

func (e *exchange) FormValue(name string) string {
	return string(e.c.Request().PostArgs().Peek(name))
}

// SetCookie adds a Set-Cookie header. fasthttp's own SetCookie keeps one
// cookie per name, but a chunk deleted and rewritten in one response
// needs two, so the header is added as is.
func (e *exchange) SetCookie(ck *http.Cookie) {
	if v := ck.String(); v != "" {
		e.c.Response().Header.Add(fiber.HeaderSetCookie, v)
	}
}

func (e *exchange) SetHeader(name, value string) { e.c.Response().Header.Set(name, value) }
