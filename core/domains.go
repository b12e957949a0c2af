package auth0kit

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// RequestInfo is what a [DomainResolver] sees of the current request. Host
// and Scheme are the request's trusted origin: X-Forwarded-Host and
// X-Forwarded-Proto count only from a trusted proxy (Tuning.TrustedProxies).
type RequestInfo struct {
	Host   string // host[:port], lower case
	Scheme string // http or https
	Path   string
	// Headers reads the request's headers. Only trust headers your own
	// proxy sets (for example a tenant id it derived from the client
	// certificate).
	Headers HeaderReader
}

// HeaderReader reads request headers (every adapter's exchange is one).
type HeaderReader interface {
	Header(name string) string
}

// DomainResolver picks the Auth0 custom domain (a host or an issuer URL, as
// AUTH0_DOMAIN accepts) for one request. It is called at most once per
// request. An empty result is a configuration error for that request: it is
// answered 500 and logged, never served by another tenant. Return an error
// (for example an [*Error] with [CodeUntrustedOrigin]) to refuse a request
// that belongs to no tenant.
type DomainResolver func(ctx context.Context, r RequestInfo) (string, error)

// ErrDomainMismatch matches the error of a session used on another custom
// domain than the one that issued it: GetAccessToken, Logout, StartLinkUser
// and StartUnlinkUser return it (GetSession and guards simply see no
// session). The error also matches [ErrNoSession] (401).
var ErrDomainMismatch = errors.New("auth0kit: the session belongs to another domain")

// domainMismatch is the typed error of a cross-domain session use.
func domainMismatch() error {
	return &Error{Code: CodeMissingSession, Message: "Session domain does not match the current domain.", Err: ErrDomainMismatch}
}

// WithDomainResolver enables resolver mode (Multiple Custom Domains): the
// domain is chosen per request by r instead of AUTH0_DOMAIN. Sessions and
// transactions remember their domain (internal.mcd), a session is only seen
// on requests resolving to its own domain, and discovery and JWKS are cached
// per issuer in bounded LRUs. It clears a static domain; setting both with
// options is an error.
func WithDomainResolver(r DomainResolver) Option {
	return func(c *Config) {
		if c.domainFromEnv {
			c.Domain, c.domainFromEnv = "", false
		}
		c.DomainResolver, c.resolverFromEnv, c.domainMapErr = r, false, nil
	}
}

// DomainMap is the host-to-domain resolver (AUTH0_DOMAIN_MAP): the request's
// trusted host (with its port when the key has one) selects the domain.
// A host not in the map is refused with [CodeUntrustedOrigin] (400).
func DomainMap(m map[string]string) DomainResolver {
	cp := make(map[string]string, len(m))
	for k, v := range m {
		cp[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return func(_ context.Context, r RequestInfo) (string, error) {
		if d, ok := cp[r.Host]; ok {
			return d, nil
		}
		if i := strings.LastIndexByte(r.Host, ':'); i > 0 && !strings.HasSuffix(r.Host, "]") {
			if d, ok := cp[r.Host[:i]]; ok {
				return d, nil
			}
		}
		return "", &Error{Code: CodeUntrustedOrigin, Message: "the request host is not a configured domain"}
	}
}

// parseDomainMap reads AUTH0_DOMAIN_MAP: "host[:port]=domain,…".
func parseDomainMap(s string) (map[string]string, error) {
	m := map[string]string{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		host, dom, ok := strings.Cut(part, "=")
		host, dom = strings.TrimSpace(host), strings.TrimSpace(dom)
		if !ok || !validHost(host) || dom == "" {
			return nil, invalid("DomainResolver (AUTH0_DOMAIN_MAP)", "entries must be host[:port]=domain: "+strconv.Quote(part))
		}
		if _, err := normalizeIssuer(dom); err != nil {
			return nil, err
		}
		m[strings.ToLower(host)] = dom
	}
	if len(m) == 0 {
		return nil, invalid("DomainResolver (AUTH0_DOMAIN_MAP)", "is empty")
	}
	return m, nil
}

// resolverMode reports whether the domain is resolved per request.
func (c *Client) resolverMode() bool { return c.cfg.DomainResolver != nil }

// issuerKey carries an explicit issuer in a context (the transaction's or
// the session's), which wins over the request's resolved one.
type issuerKey struct{}

// withIssuer returns ctx with the issuer that provider calls must use.
func withIssuer(ctx context.Context, iss string) context.Context {
	if iss == "" {
		return ctx
	}
	return context.WithValue(ctx, issuerKey{}, iss)
}

// issuer returns the issuer for provider calls made under ctx: an explicit
// one (withIssuer), the static one, or the request's resolved one.
func (c *Client) issuer(ctx context.Context) (string, error) {
	if v, ok := ctx.Value(issuerKey{}).(string); ok {
		return v, nil
	}
	if !c.resolverMode() {
		return c.s.issuer, nil
	}
	rs, ok := boundState(ctx)
	if !ok || rs.c != c || rs.ex == nil {
		return "", ErrNotBound
	}
	return rs.resolvedIssuer(ctx)
}

// resolvedIssuer calls the resolver once per request.
func (rs *requestState) resolvedIssuer(ctx context.Context) (string, error) {
	rs.issMu.Lock()
	defer rs.issMu.Unlock()
	if rs.issDone {
		return rs.iss, rs.issErr
	}
	rs.issDone = true
	rs.iss, rs.issErr = rs.c.resolveIssuer(ctx, rs.ex)
	return rs.iss, rs.issErr
}

// resolveIssuer runs the resolver for ex and normalises its answer.
func (c *Client) resolveIssuer(ctx context.Context, ex adapter.Exchange) (string, error) {
	info := RequestInfo{Scheme: "http", Host: strings.ToLower(ex.Host()), Path: ex.Path(), Headers: ex}
	if ex.TLS() {
		info.Scheme = "https"
	}
	if c.trustedPeer(ex.RemoteAddr()) {
		if fh := firstValue(ex.Header("X-Forwarded-Host")); fh != "" {
			info.Host = strings.ToLower(fh)
		}
		if fp := strings.ToLower(firstValue(ex.Header("X-Forwarded-Proto"))); fp == "http" || fp == "https" {
			info.Scheme = fp
		}
	}
	d, err := c.cfg.DomainResolver(ctx, info)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(d) == "" {
		c.s.logger.Error("auth0kit: the domain resolver returned no domain for this request; answering 500",
			"host", strconv.Quote(info.Host), "path", strconv.Quote(info.Path))
		return "", invalid("DomainResolver", "returned no domain")
	}
	iss, err := c.domains.issuerOf(d)
	if err != nil {
		c.s.logger.Error("auth0kit: the domain resolver returned a bad domain", "error", err)
		return "", err
	}
	return iss, nil
}

// maxDomainNames bounds the resolver-output to issuer memo.
const maxDomainNames = 4096

// domainNames memoises normalizeIssuer for resolver answers, so a resolved
// request costs a map lookup; the memo is cleared when it grows past
// maxDomainNames (the resolver's answers are the app's own domains).
type domainNames struct {
	mu sync.RWMutex
	m  map[string]string
}

func (dn *domainNames) issuerOf(d string) (string, error) {
	dn.mu.RLock()
	iss, ok := dn.m[d]
	dn.mu.RUnlock()
	if ok {
		return iss, nil
	}
	iss, err := normalizeIssuer(d)
	if err != nil {
		return "", err
	}
	// Host names are case-insensitive: one domain is one issuer (and one
	// discovery and JWKS cache entry) however the resolver spells it.
	if u, perr := url.Parse(iss); perr == nil && u.Host != strings.ToLower(u.Host) {
		u.Host = strings.ToLower(u.Host)
		iss = u.String()
	}
	dn.mu.Lock()
	if dn.m == nil || len(dn.m) >= maxDomainNames {
		dn.m = map[string]string{}
	}
	dn.m[d] = iss
	dn.mu.Unlock()
	return iss, nil
}

// issuerDomain is the "domain" of internal.mcd for an issuer: its host
// (lower case, port kept), as auth0-server-js's normalizeDomain writes it.
func issuerDomain(iss string) string {
	u, err := url.Parse(iss)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// sameIssuer compares issuers up to a trailing slash.
func sameIssuer(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

// sessionDomainOK reports whether s may be used on the request ex: always in
// static mode; in resolver mode only when the session remembers a domain and
// it is the request's. A legacy session without internal.mcd is not.
func (c *Client) sessionDomainOK(ctx context.Context, rs *requestState, s *Session) (bool, error) {
	if s == nil || !c.resolverMode() {
		return true, nil
	}
	iss, err := rs.resolvedIssuer(ctx)
	if err != nil {
		return false, err
	}
	if s.Internal.MCDIssuer != "" {
		return sameIssuer(s.Internal.MCDIssuer, iss), nil
	}
	return false, nil
}

// stampDomain records the issuer a new session comes from (resolver mode).
func (c *Client) stampDomain(s *Session, iss string) {
	if !c.resolverMode() || s == nil || iss == "" {
		return
	}
	s.Internal.MCDIssuer = iss
	s.Internal.MCDDomain = issuerDomain(iss)
}

// RequestIssuer returns the issuer of the request bound to ctx: the static
// one, or in resolver mode the resolver's answer for this request.
func (c *Client) RequestIssuer(ctx context.Context) (string, error) {
	return c.issuer(ctx)
}

// issuerScoped qualifies the sid and sub of a revocation with the issuer
// in resolver mode, so that a logout token of one custom domain never ends
// the sessions of another (subjects are only unique per issuer).
func issuerScoped(c sessionstore.LogoutTokenClaims, iss string, scoped bool) sessionstore.LogoutTokenClaims {
	if !scoped || iss == "" {
		return c
	}
	p := strings.TrimSuffix(iss, "/") + "\x00"
	if c.SID != "" {
		c.SID = p + c.SID
	}
	if c.Sub != "" {
		c.Sub = p + c.Sub
	}
	return c
}
