package auth0kit

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// The browser-facing proxies of Auth0's My Account API (/me/*) and My
// Organization API (/my-org/*): the server holds the token, the browser
// holds only the session cookie. Off by default (Routes.MyAccountProxy,
// Routes.MyOrgProxy): in Go the application owns its route space.

// Proxy route prefixes.
const (
	ProxyMyAccountPrefix = "/me"
	ProxyMyOrgPrefix     = "/my-org"
)

// maxProxyScopeHeader caps the scope request header.
const maxProxyScopeHeader = 1024

// proxyRequestHeaders are the request headers forwarded upstream
// (nextjs-auth0's allow-list); everything else — Cookie, the client's
// Authorization, hop-by-hop headers — stays here.
var proxyRequestHeaders = []string{
	"Accept", "Accept-Language", "Content-Language", "Content-Type", "User-Agent",
	"Cache-Control", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "Etag",
	"X-Request-Id", "X-Correlation-Id", "Traceparent", "Tracestate",
	"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip",
	"Auth0-Client", "Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers",
}

// proxyResponseHeaders are the upstream response headers passed back;
// Set-Cookie, hop-by-hop headers and anything unknown are dropped.
var proxyResponseHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Content-Encoding": true, "Content-Language": true,
	"Content-Disposition": true, "Content-Range": true, "Accept-Ranges": true,
	"Etag": true, "Last-Modified": true, "Vary": true, "Location": true,
	"Www-Authenticate": true, "Retry-After": true, "Link": true,
	"X-Request-Id": true, "X-Correlation-Id": true, "Traceparent": true, "Tracestate": true,
	"X-Ratelimit-Limit": true, "X-Ratelimit-Remaining": true, "X-Ratelimit-Reset": true,
	"Access-Control-Allow-Origin": true, "Access-Control-Allow-Methods": true, "Access-Control-Allow-Headers": true,
	"Access-Control-Allow-Credentials": true, "Access-Control-Expose-Headers": true, "Access-Control-Max-Age": true,
}

// proxyTarget maps a request path to the upstream API: the audience and
// the upstream URL without query. ok is false for a path the proxies do
// not serve; bad is true for a path they refuse (dot segments, empty
// segments, backslashes).
func (c *Client) proxyTarget(path string) (audience, upstream string, ok, bad bool) {
	issuer := strings.TrimSuffix(c.s.issuer, "/")
	var rest string
	var base []string
	switch {
	case c.s.myAccountProxy && (path == ProxyMyAccountPrefix || strings.HasPrefix(path, ProxyMyAccountPrefix+"/")):
		rest, base, audience = path[len(ProxyMyAccountPrefix):], []string{"me", "v1"}, issuer+"/me/"
	case c.s.myOrgProxy && (path == ProxyMyOrgPrefix || strings.HasPrefix(path, ProxyMyOrgPrefix+"/")):
		rest, base, audience = path[len(ProxyMyOrgPrefix):], []string{"my-org"}, issuer+"/my-org/"
	default:
		return "", "", false, false
	}
	var segs []string
	if rest = strings.TrimPrefix(rest, "/"); rest != "" {
		segs = strings.Split(rest, "/")
	}
	for _, s := range segs {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "\\%") {
			return "", "", true, true
		}
	}
	// Drop the longest overlap of base's tail and the path's head, so
	// /me/v1/x and /me/x both reach me/v1/x.
	for k := min(len(base), len(segs)); k > 0; k-- {
		if strings.Join(base[len(base)-k:], "/") == strings.Join(segs[:k], "/") {
			segs = segs[k:]
			break
		}
	}
	upstream = issuer + "/" + strings.Join(base, "/")
	if len(segs) > 0 {
		upstream += "/" + strings.Join(segs, "/")
	}
	return audience, upstream, true, false
}

// handleProxy serves /me/* and /my-org/*: a session is required (401
// JSON), then a CORS preflight is forwarded without credentials, and any
// other request is sent with the access token for the API's audience (the
// scope request header asks for more scope), its body streamed both ways.
// Upstream status, allowed headers and body come back as they are; an
// upstream that does not answer in time is 504, one that cannot be reached
// 502.
func (c *Client) handleProxy(ctx context.Context, ex adapter.Exchange) *adapter.Response {
	path := ex.Path()
	audience, upstream, _, bad := c.proxyTarget(path)
	if bad {
		return jsonError(http.StatusBadRequest, "invalid_request", "The path is not allowed.")
	}
	s, err := c.getSession(ctx, ex)
	if err != nil {
		return errorResponse(err)
	}
	if s == nil {
		return unauthorizedJSON()
	}
	if q := ex.RawQuery(); q != "" {
		upstream += "?" + q
	}
	preflight := ex.Method() == http.MethodOptions && ex.Header("Access-Control-Request-Method") != ""
	var tok *AccessToken
	if !preflight {
		if !sameOriginRequest(ex) {
			return jsonError(http.StatusForbidden, CodeCrossSiteRequest,
				"The request is not same-origin: send Sec-Fetch-Site: same-origin or the "+AccessTokenRequestHeader+" header.")
		}
		scope, ok := c.proxyScope(audience, ex.Header("Scope"))
		if !ok {
			return jsonError(http.StatusBadRequest, "invalid_scope", "The scope header is not allowed.")
		}
		if tok, err = c.getAccessToken(ctx, ex, AccessTokenOptions{Audience: audience, Scope: scope}); err != nil {
			return c.accessTokenError(err)
		}
	}
	var body io.Reader
	if !preflight {
		switch ex.Method() {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			be, ok := ex.(adapter.BodyExchange)
			if !ok && ex.Header("Content-Length") != "" && ex.Header("Content-Length") != "0" {
				// Never forward a request without the body it announced.
				return jsonError(http.StatusNotImplemented, "not_implemented", "This adapter cannot forward request bodies.")
			}
			if ok && ex.Header("Content-Length") != "0" {
				if body = be.RequestBody(); body == http.NoBody {
					body = nil
				}
			}
		}
	}
	res, err := c.proxySend(ctx, ex, upstream, body, tok)
	if err != nil {
		return err.(*proxyError).response()
	}
	h := make(http.Header, len(res.Header))
	drop := connectionTokens(res.Header)
	for k, v := range res.Header {
		if proxyResponseHeaders[k] && !drop[k] {
			h[k] = v
		}
	}
	// The answer belongs to one user (and may carry a refreshed session).
	h.Set("Cache-Control", "no-store")
	if preflight {
		res.Body.Close()
		return &adapter.Response{Status: res.StatusCode, Header: h}
	}
	return &adapter.Response{Status: res.StatusCode, Header: h, Stream: res.Body}
}

// proxyScope checks the scope request header: scope-tokens (RFC 6749
// §3.3), at most 1 KiB, and within the audience's configured scope when
// the app configured one (AudienceScopes).
func (c *Client) proxyScope(audience, header string) (string, bool) {
	if header == "" {
		return "", true
	}
	if len(header) > maxProxyScopeHeader {
		return "", false
	}
	for i := 0; i < len(header); i++ {
		if b := header[i]; b != ' ' && (b < 0x21 || b == '"' || b == '\\' || b > 0x7e) {
			return "", false
		}
	}
	if allowed, ok := c.cfg.AudienceScopes[audience]; ok {
		for _, s := range strings.Fields(header) {
			if !hasScope(allowed, s) {
				return "", false
			}
		}
	}
	return header, true
}

// proxyError is a failed upstream call: unreachable (502) or too slow
// (504).
type proxyError struct {
	timeout bool
	err     error
}

func (e *proxyError) Error() string { return "auth0kit: proxy: " + e.err.Error() }
func (e *proxyError) Unwrap() error { return e.err }

func (e *proxyError) response() *adapter.Response {
	if e.timeout {
		return jsonError(http.StatusGatewayTimeout, "upstream_timeout", "The API did not answer in time.")
	}
	return jsonError(http.StatusBadGateway, "upstream_unreachable", "The API could not be reached.")
}

// proxySend sends the proxied request. The upstream has the client's HTTP
// timeout to send its headers; the body then streams for as long as it
// takes and is cancelled when the response is closed.
func (c *Client) proxySend(ctx context.Context, ex adapter.Exchange, upstream string, body io.Reader, tok *AccessToken) (*http.Response, error) {
	uctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var fired atomic.Bool
	timer := time.AfterFunc(c.s.httpTimeout, func() { fired.Store(true); cancel() })
	req, err := http.NewRequestWithContext(uctx, ex.Method(), upstream, body)
	if err != nil {
		timer.Stop()
		cancel()
		return nil, &proxyError{err: err}
	}
	if body != nil {
		req.ContentLength = -1
		if n, err := strconv.ParseInt(ex.Header("Content-Length"), 10, 64); err == nil && n >= 0 {
			req.ContentLength = n
		}
	}
	for _, k := range proxyRequestHeaders {
		if v := ex.Header(k); v != "" {
			req.Header[k] = []string{v}
		}
	}
	var res *http.Response
	if tok != nil {
		res, err = c.resourceDo(c.proxyClient(), req, tok)
	} else {
		res, err = c.proxyClient().Do(req) // a preflight carries no credentials
	}
	stopped := timer.Stop()
	if err != nil {
		cancel()
		var ne net.Error
		timeout := !stopped && fired.Load() || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
		c.s.logger.Info("auth0kit: proxied call failed", "error", err, "timeout", timeout)
		return nil, &proxyError{timeout: timeout, err: err}
	}
	res.Body = &cancelOnClose{ReadCloser: res.Body, cancel: cancel}
	return res, nil
}

// proxyClient is the injected client's transport without its overall
// timeout (a streamed body may take longer) and without following
// redirects (the browser sees them).
func (c *Client) proxyClient() *http.Client {
	return &http.Client{Transport: c.hc.Transport, Jar: nil,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// connectionTokens are the headers a Connection header names (hop-by-hop
// per RFC 9110 §7.6.1), canonicalised.
func connectionTokens(h http.Header) map[string]bool {
	var m map[string]bool
	for _, v := range h["Connection"] {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				if m == nil {
					m = map[string]bool{}
				}
				m[http.CanonicalHeaderKey(f)] = true
			}
		}
	}
	return m
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
