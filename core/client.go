package auth0kit

import (
	"errors"
	"net/http"
	"os"

	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// Client is the framework-agnostic engine: it builds login URLs, completes
// callbacks, reads and writes sessions and logs users out. Create one per
// application with [New] and share it; it is safe for concurrent use.
// Adapters (auth0http, auth0gin, auth0echo, auth0fiber) mount its routes.
type Client struct {
	cfg       Config
	s         *settings
	auth      *clientAuth   // client authentication of every outgoing call
	dpop      *dpopState    // DPoP key, nonces and retry settings; nil without a key
	parSlots  chan struct{} // bounds pushed authorization requests in flight
	keys      purposeKeys
	hc        *http.Client
	discovery *DiscoveryCache
	store     sessionstore.Store
	rolls     *rollCache
	auds      *audCache // issuedToUs verdicts of stored sessions
	tokens    refresher
	// revocations is the back-channel logout list for stateless sessions.
	revocations sessionstore.RevocationList
	jtis        jtiCache
	// replays is the store's shared jti cache, when it implements one.
	replays sessionstore.ReplayCache
	// jwks holds the per-issuer key sets and their fetch limiter.
	jwks *keySets
	// domains memoises the resolver's answers as issuers (resolver mode).
	domains domainNames
}

// New builds a client from the environment (AUTH0_DOMAIN, AUTH0_CLIENT_ID,
// AUTH0_CLIENT_SECRET, AUTH0_SECRET, APP_BASE_URL, AUTH0_COOKIE_*, …) and
// the options, which win over the environment. It validates everything it
// can without network access and returns an [*InvalidConfigurationError]
// naming the bad field. Discovery happens lazily on the first login.
func New(opts ...Option) (*Client, error) {
	cfg := defaultConfig(os.Getenv)
	for _, o := range opts {
		o(&cfg)
	}
	s, err := cfg.resolve()
	auth, authErr := cfg.resolveClientAuth()
	if err = errors.Join(err, authErr); err != nil {
		return nil, err // every bad field at once
	}
	dpop, err := cfg.resolveDPoP()
	if err != nil {
		return nil, err
	}
	keys, err := newPurposeKeys(cfg.Secrets)
	if err != nil {
		return nil, invalid("Secret (AUTH0_SECRET)", err.Error())
	}
	c := &Client{cfg: cfg, s: s, auth: auth, dpop: dpop, parSlots: make(chan struct{}, maxPARInFlight), keys: keys,
		store: cfg.SessionStore, rolls: newRollCache(), auds: newAudCache(), revocations: cfg.RevocationList, jwks: &keySets{}}
	c.replays, _ = cfg.SessionStore.(sessionstore.ReplayCache)
	if c.replays == nil {
		c.replays, _ = cfg.RevocationList.(sessionstore.ReplayCache)
	}
	hc := *s.httpClient
	if hc.Timeout == 0 {
		hc.Timeout = s.httpTimeout
	}
	c.hc = &hc
	if auth.cert != nil {
		if c.hc, err = withClientCertificate(c.hc, auth.cert); err != nil {
			return nil, err
		}
	}
	c.discovery = cfg.Discovery
	if c.discovery == nil {
		c.discovery = NewDiscoveryCache(-1, -1)
	}
	return c, nil
}

// Routes returns the resolved route paths (defaults filled in). They are
// relative to the base path an APP_BASE_URL with a path sets: with
// https://example.com/app, Login is "/auth/login" and answers at
// /app/auth/login.
func (c *Client) Routes() Routes { return c.s.routes }

// Issuer returns the normalised issuer URL derived from the domain ("" in
// resolver mode, where [Client.RequestIssuer] gives the request's).
func (c *Client) Issuer() string { return c.s.issuer }
