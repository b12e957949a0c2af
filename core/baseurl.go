package auth0kit

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// CodeUntrustedOrigin is the code of the error returned when the base URL is
// inferred from a request whose origin is not in the APP_BASE_URL list.
const CodeUntrustedOrigin = "untrusted_origin"

// BaseURL returns the application's base URL for this request: the
// configured APP_BASE_URL, or, when none (or a list) is configured, the
// request's origin. The Host header is used as is; X-Forwarded-Host and
// X-Forwarded-Proto are believed only from a trusted proxy
// (Tuning.TrustedProxies). With an APP_BASE_URL list the inferred origin must
// be one of them. The result has no trailing slash.
func (c *Client) BaseURL(ctx context.Context) (*url.URL, error) {
	ex, err := c.requestExchange(ctx)
	if err != nil {
		return nil, err
	}
	return c.baseURL(ex)
}

// baseURL is [Client.BaseURL] for an exchange.
func (c *Client) baseURL(ex adapter.Exchange) (*url.URL, error) {
	if c.s.staticBase != nil {
		return c.s.staticBase, nil
	}
	scheme := "http"
	if ex.TLS() {
		scheme = "https"
	}
	host := ex.Host()
	if c.trustedPeer(ex.RemoteAddr()) {
		if fh := firstValue(ex.Header("X-Forwarded-Host")); fh != "" {
			host = fh
		}
		if fp := strings.ToLower(firstValue(ex.Header("X-Forwarded-Proto"))); fp == "http" || fp == "https" {
			scheme = fp
		}
	}
	if !validHost(host) {
		return nil, &Error{Code: CodeUntrustedOrigin, Message: "the request origin could not be determined"}
	}
	u := &url.URL{Scheme: scheme, Host: strings.ToLower(host)}
	if len(c.s.baseURLs) == 0 {
		return u, nil
	}
	for _, b := range c.s.baseURLs {
		if b.Scheme == u.Scheme && strings.EqualFold(b.Host, u.Host) {
			return b, nil
		}
	}
	// The origin is the request's own: it goes to the logs (Err), never
	// into the answer (Message).
	return nil, &Error{Code: CodeUntrustedOrigin, Message: "the request origin is not in APP_BASE_URL",
		Err: errors.New("untrusted origin " + strconv.Quote(u.String()))}
}

// trustedPeer reports whether the request came from a configured proxy.
func (c *Client) trustedPeer(remoteAddr string) bool {
	if len(c.cfg.TrustedProxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range c.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func firstValue(h string) string {
	if i := strings.IndexByte(h, ','); i >= 0 {
		h = h[:i]
	}
	return strings.TrimSpace(h)
}

// validHost accepts host[:port] made of the characters a DNS name, an IPv4
// or a bracketed IPv6 literal can contain.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		b := h[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		case b == '.', b == '-', b == ':', b == '[', b == ']', b == '_':
		default:
			return false
		}
	}
	return true
}
