package auth0kit

import (
	"container/list"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Metadata is the part of the provider's discovery document the SDK uses.
type Metadata struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	EndSessionEndpoint    string   `json:"end_session_endpoint"`
	RevocationEndpoint    string   `json:"revocation_endpoint"`
	SigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
	IssParameterSupported bool     `json:"authorization_response_iss_parameter_supported"`
	BackchannelEndpoint   string   `json:"backchannel_authentication_endpoint"`
	// TokenEndpointAuthMethods lists the client authentication methods.
	TokenEndpointAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	// PAREndpoint is the pushed authorization request endpoint (RFC 9126).
	PAREndpoint string `json:"pushed_authorization_request_endpoint"`
	// RequirePAR says every authorization request must be pushed.
	RequirePAR bool `json:"require_pushed_authorization_requests"`
	// MTLSEndpointAliases are the endpoints to use with mutual TLS
	// (RFC 8705 §5).
	MTLSEndpointAliases map[string]string `json:"mtls_endpoint_aliases"`
}

// provider is one discovered OpenID Provider: its metadata. Its keys are
// in the client's per-issuer [keySet] (see keySetFor).
type provider struct {
	meta Metadata
}

// DiscoveryCache caches discovery documents and key sets per issuer: an LRU
// of MaxEntries (default 100) whose entries live TTL (default 600 s). A TTL
// of zero disables reuse (every call discovers again); concurrent
// discoveries of one issuer are merged into one request. A cache may be
// shared by several clients.
type DiscoveryCache struct {
	ttl        time.Duration
	maxEntries int

	mu     sync.Mutex
	order  *list.List // front = most recently used
	byKey  map[string]*list.Element
	flight singleflight.Group
}

type cacheEntry struct {
	key     string
	p       *provider
	expires time.Time
}

// NewDiscoveryCache returns a cache with the given TTL and size. A negative
// TTL or size selects the default (600 s, 100).
func NewDiscoveryCache(ttl time.Duration, maxEntries int) *DiscoveryCache {
	if ttl < 0 {
		ttl = 600 * time.Second
	}
	if maxEntries <= 0 {
		maxEntries = 100
	}
	return &DiscoveryCache{ttl: ttl, maxEntries: maxEntries, order: list.New(), byKey: map[string]*list.Element{}}
}

func (dc *DiscoveryCache) get(key string, now time.Time) *provider {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	el, ok := dc.byKey[key]
	if !ok {
		return nil
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		dc.order.Remove(el)
		delete(dc.byKey, key)
		return nil
	}
	dc.order.MoveToFront(el)
	return e.p
}

func (dc *DiscoveryCache) put(key string, p *provider, now time.Time) {
	if dc.ttl == 0 {
		return
	}
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if el, ok := dc.byKey[key]; ok {
		dc.order.Remove(el)
	}
	dc.byKey[key] = dc.order.PushFront(&cacheEntry{key: key, p: p, expires: now.Add(dc.ttl)})
	for dc.order.Len() > dc.maxEntries {
		last := dc.order.Back()
		dc.order.Remove(last)
		delete(dc.byKey, last.Value.(*cacheEntry).key)
	}
}

// discover returns the provider for the issuer of ctx (static, resolved
// for the bound request, or set with withIssuer), from the cache or the
// network. The cache is a bounded LRU keyed by issuer.
func (c *Client) discover(ctx context.Context) (*provider, error) {
	issuer, err := c.issuer(ctx)
	if err != nil {
		return nil, err
	}
	now := c.s.now()
	if p := c.discovery.get(issuer, now); p != nil {
		if err := c.auth.checkSupported(p.meta.TokenEndpointAuthMethods); err != nil {
			return nil, err
		}
		return p, nil
	}
	v, err, _ := c.discovery.flight.Do(issuer, func() (any, error) {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.s.httpTimeout)
		defer cancel()
		p, err := c.fetchMetadata(dctx, issuer)
		if err != nil {
			return nil, err
		}
		c.discovery.put(issuer, p, c.s.now())
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	p := v.(*provider)
	if err := c.auth.checkSupported(p.meta.TokenEndpointAuthMethods); err != nil {
		return nil, err
	}
	return p, nil
}

// fetchMetadata reads the discovery document. Its issuer must equal the
// configured one, except for a trailing slash: AUTH0_DOMAIN is normalised
// the Auth0 way (https://tenant/), while other providers publish issuers
// without one (https://accounts.google.com). ID tokens are then checked
// against the discovered issuer, exactly.
func (c *Client) fetchMetadata(ctx context.Context, issuer string) (*provider, error) {
	fail := func(msg string, err error) error {
		return &Error{Code: CodeDiscoveryError, Message: msg + " (" + issuer + ")", Err: err}
	}
	wellKnown := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, wellKnown, nil)
	if err != nil {
		return nil, fail("bad discovery URL", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fail("discovery request failed", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fail("discovery answered "+resp.Status, err)
	}
	var meta Metadata
	if err := json.Unmarshal(body, &meta); err != nil {
		return nil, fail("discovery document is not JSON", err)
	}
	if meta.Issuer == "" || strings.TrimSuffix(meta.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return nil, fail("discovery issuer "+strconv.Quote(meta.Issuer)+" does not match", nil)
	}
	if meta.AuthorizationEndpoint == "" || meta.TokenEndpoint == "" || meta.JWKSURI == "" {
		return nil, fail("discovery document lacks authorization, token or jwks endpoints", nil)
	}
	return &provider{meta: meta}, nil
}
