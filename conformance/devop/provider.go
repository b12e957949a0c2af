package devop

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Default values used by [New] when the corresponding [Options] field is zero.
const (
	// DefaultClientID is the ID of the client registered when
	// Options.Clients is empty.
	DefaultClientID = "devop-client"
	// DefaultClientSecret is the secret of that default client.
	DefaultClientSecret = "devop-secret"
	// DefaultAccessTokenTTL is the default Options.AccessTokenTTL.
	DefaultAccessTokenTTL = time.Hour
	// DefaultIDTokenTTL is the default Options.IDTokenTTL.
	DefaultIDTokenTTL = time.Hour
	// DefaultMFACode is the default Options.MFACode.
	DefaultMFACode = "123456"
	// DefaultCIBAInterval is the default Options.CIBAInterval.
	DefaultCIBAInterval = time.Second
	// DefaultCIBAApprovalDelay is the default Options.CIBAApprovalDelay.
	DefaultCIBAApprovalDelay = 1500 * time.Millisecond
	// DefaultCIBASlowDownIncrement is the default
	// Options.CIBASlowDownIncrement.
	DefaultCIBASlowDownIncrement = 5 * time.Second
)

// Default lists used by New when the corresponding Options field is nil.
func defaultAPIAudiences() []string {
	return []string{"https://api.example.com/", "https://api2.example.com/"}
}
func defaultAPIScopes() []string        { return []string{"read:data", "write:data"} }
func defaultConnections() []string      { return []string{"google-oauth2", "github"} }
func defaultCustomTokenTypes() []string { return []string{"urn:acme:legacy-token"} }

// Client is a registered OAuth 2.0 client (a relying party).
type Client struct {
	// ID is the client_id. Required and unique.
	ID string
	// Secret is the client secret used with client_secret_post or
	// client_secret_basic. Required unless TokenEndpointAuthMethod is
	// private_key_jwt, tls_client_auth or self_signed_tls_client_auth:
	// devop has no public clients.
	Secret string
	// TokenEndpointAuthMethod, when set, is the only client authentication
	// method the client may use at the token, PAR, revocation and CIBA
	// endpoints. Empty allows client_secret_post and client_secret_basic.
	TokenEndpointAuthMethod string
	// PublicKey verifies the client's private_key_jwt assertions (an
	// *rsa.PublicKey, *ecdsa.PublicKey or *jose.JSONWebKey).
	PublicKey any
	// Certificate is the client's certificate for tls_client_auth (its
	// subject DN must match, and it must chain to the TLS listener's
	// client CAs) and self_signed_tls_client_auth (the very certificate).
	Certificate *x509.Certificate
	// RequirePushedAuthorizationRequests refuses authorization requests of
	// this client that do not come through the PAR endpoint.
	RequirePushedAuthorizationRequests bool
	// RedirectURIs are the registered redirect URIs; the redirect_uri of an
	// authorization request must match one of them exactly. When empty, any
	// http URL on a loopback host (127.0.0.1, localhost or [::1], any port,
	// any path) is accepted, as a development convenience.
	RedirectURIs []string
	// PostLogoutRedirectURIs are the registered post_logout_redirect_uri
	// (and /v2/logout returnTo) values, following the same rule as
	// RedirectURIs.
	PostLogoutRedirectURIs []string
	// BackchannelLogoutURI, when set, is the client's OpenID Connect
	// Back-Channel Logout endpoint: when an OP session in which the client
	// obtained an authorization code ends, devop POSTs a logout token to it.
	// It must be an absolute URI without fragment.
	BackchannelLogoutURI string
	// GrantTypes, when not empty, restricts the grant types the client may
	// use at the token endpoint (values as in grant_type); other supported
	// grant types are answered with unauthorized_client. Empty allows every
	// grant type devop supports.
	GrantTypes []string
	// DPoPBoundAccessTokens requires a DPoP proof on every token request
	// of the client (RFC 9449 dpop_bound_access_tokens).
	DPoPBoundAccessTokens bool

	dpopJKT string // the verified proof's key thumbprint, per token request
}

// Options configure a [Provider]. The zero value of every field but Issuer
// selects a default.
type Options struct {
	// Issuer is the issuer identifier, e.g. "http://127.0.0.1:4000/".
	// Required by New (a trailing "/" is added when missing); Start fills it
	// from its listener. Endpoints are served below the issuer's path.
	Issuer string
	// Clients are the registered clients. Default: one client with ID
	// DefaultClientID and Secret DefaultClientSecret using the loopback
	// redirect rule.
	Clients []Client
	// AccessTokenTTL is the lifetime of access tokens (and of federated
	// connection access tokens). Default 1h. It is read each time a token
	// is issued; [Provider.SetAccessTokenTTL] changes it later.
	AccessTokenTTL time.Duration
	// IDTokenTTL is the lifetime of ID tokens. Default 1h.
	IDTokenTTL time.Duration
	// AutoLoginEmail, when set, makes /authorize skip the login form and log
	// the browser in as this e-mail address whenever a login is needed
	// (prompt=none still fails with login_required when there is no OP
	// session).
	AutoLoginEmail string
	// APIAudiences are the API identifiers (resource servers) that an
	// audience parameter may name, besides the issuer's "userinfo"
	// endpoint, which is always allowed. Default (when nil):
	// "https://api.example.com/" and "https://api2.example.com/".
	// Any other audience is rejected with Auth0's 403 access_denied
	// "Service not found". The audience of /authorize is not checked.
	APIAudiences []string
	// APIScopes are scopes that every API audience (APIAudiences and
	// MFAAudiences) grants on top of the scopes of the grant, e.g. when a
	// refresh token is exchanged for an API access token (Auth0's
	// multi-resource refresh token). Default (when nil): "read:data" and
	// "write:data".
	APIScopes []string
	// Connections are the connections whose federated access tokens can
	// be obtained through the Token Vault grant. Default (when nil):
	// "google-oauth2" and "github".
	Connections []string
	// CustomTokenTypes are the subject_token_type values accepted by the
	// custom token exchange grant. Default (when nil):
	// "urn:acme:legacy-token".
	CustomTokenTypes []string
	// CIBAInterval is the minimum polling interval of CIBA requests. Its
	// value rounded up to whole seconds (at least 1) is the interval
	// returned by /bc-authorize; slow_down is enforced with the exact
	// value. Default 1s.
	CIBAInterval time.Duration
	// CIBAApprovalDelay is how long after /bc-authorize the simulated user
	// approves (or, see CIBADenySubs, denies) a CIBA request. Default
	// 1.5s; a negative value decides at once.
	CIBAApprovalDelay time.Duration
	// CIBADenySubs are subjects (sub values) that deny every CIBA request:
	// polling then answers access_denied.
	CIBADenySubs []string
	// CIBASlowDownIncrement is how much a slow_down answer increases the
	// polling interval of that CIBA request (the spec says 5 s). Default
	// 5s.
	CIBASlowDownIncrement time.Duration
	// MFAAudiences are audiences that require multi-factor authentication:
	// a grant asking for one answers 403 mfa_required until the MFA API
	// has been used. They are also valid API audiences (except the
	// issuer's "userinfo" URL, which is the audience of grants that name
	// none, and may be listed to require MFA for every login). Default:
	// none.
	MFAAudiences []string
	// RequirePushedAuthorizationRequests publishes
	// require_pushed_authorization_requests and refuses every
	// authorization request that does not come through the PAR endpoint.
	RequirePushedAuthorizationRequests bool
	// ClientCAs verify the certificates of tls_client_auth clients.
	ClientCAs *x509.CertPool
	// TokenEndpointAuthMethods, when set, replaces the published
	// token_endpoint_auth_methods_supported (the accepted methods do not
	// change; a client checks the list).
	TokenEndpointAuthMethods []string
	// DPoPRequireNonce makes the token endpoint demand a server nonce in
	// every DPoP proof (answering use_dpop_nonce with a DPoP-Nonce header
	// first); [Provider.DPoP] rotates it.
	DPoPRequireNonce bool
	// MFACode is the one-time password, OOB binding code and so on that
	// the simulated second factor accepts. Default DefaultMFACode.
	MFACode string
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives one record per notable event. Default: discard.
	Logger *slog.Logger
}

// Provider is a development OpenID Provider. Create it with [New] or
// [Start]; it is safe for concurrent use.
type Provider struct {
	issuer   string
	basePath string // issuer path without trailing "/", e.g. "" or "/tenant"
	secure   bool   // issuer is https
	clients  []Client
	atTTL    time.Duration // guarded by mu (SetAccessTokenTTL)
	idTTL    time.Duration
	autoUser string
	now      func() time.Time
	log      *slog.Logger
	mux      *http.ServeMux

	apiAudiences []string // APIAudiences + MFAAudiences
	apiScopes    []string
	connections  []string
	links        linkedIdentities // account linking, by sub
	customTypes  []string
	cibaInterval time.Duration
	cibaDelay    time.Duration
	cibaDeny     []string
	cibaSlowDown time.Duration
	mfaAudiences []string
	mfaCode      string
	bcHTTP       *http.Client
	requirePAR   bool
	clientCAs    *x509.CertPool
	tlsCert      *x509.Certificate // StartTLS's server certificate; guarded by mu
	authMethods  []string          // published token_endpoint_auth_methods_supported, nil: default
	dpop         *DPoPVerifier     // token endpoint proofs

	mu             sync.Mutex
	keys           []*signingKey // last one signs
	foreignKey     *signingKey   // lazily created, never published
	tamper         func(*IDToken)
	pending        map[string]*authRequest  // by req_id
	sessions       map[string]*session      // by cookie value
	codes          map[string]*authCode     // by code
	grants         map[string]*grant        // by grant id
	refreshTokens  map[string]*refreshToken // by token
	accessTokens   map[string]*accessToken  // by jti
	users          map[string]*user         // by normalized email
	tokenRequests  map[string]int           // by grant_type
	revoked        []string
	injected       []injectedError                // FailNextToken, in call order
	tokenDelay     time.Duration                  // DelayToken
	cibaRequests   map[string]*cibaRequest        // by auth_req_id
	mfaTxs         map[string]*mfaTx              // by mfa_token
	mfaUsers       map[string]*mfaUser            // by normalized email
	pushed         map[string]*pushedRequest      // by request_uri
	assertionJTIs  map[string]time.Time           // client_id + jti of used client assertions, until exp
	connected      map[string][]*connectedAccount // My Account API: by normalized email
	connectTickets map[string]*connectTicket      // by auth_session
	resourceLog    []ResourceRequest              // what the My Account / My Organization APIs received
}

// New returns a Provider configured by opts, with a fresh RSA signing key.
func New(opts Options) (*Provider, error) {
	if opts.Issuer == "" {
		return nil, errors.New("devop: Options.Issuer is required")
	}
	issuer := opts.Issuer
	if !strings.HasSuffix(issuer, "/") {
		issuer += "/"
	}
	iu, err := url.Parse(issuer)
	if err != nil {
		return nil, fmt.Errorf("devop: invalid issuer: %w", err)
	}
	if (iu.Scheme != "http" && iu.Scheme != "https") || iu.Host == "" || iu.RawQuery != "" || iu.Fragment != "" || iu.User != nil {
		return nil, fmt.Errorf("devop: issuer %q must be an http(s) URL without query, fragment or userinfo", opts.Issuer)
	}
	clients := opts.Clients
	if len(clients) == 0 {
		clients = []Client{{ID: DefaultClientID, Secret: DefaultClientSecret}}
	}
	seen := map[string]bool{}
	cs := make([]Client, 0, len(clients))
	for _, c := range clients {
		if err := checkClientAuthConfig(c); err != nil {
			return nil, err
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("devop: duplicate client ID %q", c.ID)
		}
		seen[c.ID] = true
		uris := slices.Concat(c.RedirectURIs, c.PostLogoutRedirectURIs)
		if c.BackchannelLogoutURI != "" {
			uris = append(uris, c.BackchannelLogoutURI)
		}
		for _, u := range uris {
			if err := checkRegisteredURI(u); err != nil {
				return nil, fmt.Errorf("devop: client %q: %w", c.ID, err)
			}
		}
		for _, gt := range c.GrantTypes {
			if !slices.Contains(supportedGrantTypes, gt) {
				return nil, fmt.Errorf("devop: client %q: unsupported grant type %q", c.ID, gt)
			}
		}
		c.RedirectURIs = slices.Clone(c.RedirectURIs)
		c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
		c.GrantTypes = slices.Clone(c.GrantTypes)
		cs = append(cs, c)
	}
	if opts.AutoLoginEmail != "" {
		if _, err := normalizeEmail(opts.AutoLoginEmail); err != nil {
			return nil, fmt.Errorf("devop: AutoLoginEmail: %w", err)
		}
	}
	for name, list := range map[string][]string{
		"APIAudiences": opts.APIAudiences, "APIScopes": opts.APIScopes, "Connections": opts.Connections,
		"CustomTokenTypes": opts.CustomTokenTypes, "MFAAudiences": opts.MFAAudiences,
	} {
		if slices.Contains(list, "") {
			return nil, fmt.Errorf("devop: Options.%s has an empty value", name)
		}
	}

	key, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	orDefault := func(v []string, def func() []string) []string {
		if v == nil {
			return def()
		}
		return slices.Clone(v)
	}
	p := &Provider{
		issuer:        issuer,
		basePath:      strings.TrimSuffix(iu.EscapedPath(), "/"),
		secure:        iu.Scheme == "https",
		clients:       cs,
		atTTL:         opts.AccessTokenTTL,
		idTTL:         opts.IDTokenTTL,
		autoUser:      opts.AutoLoginEmail,
		now:           opts.Now,
		log:           opts.Logger,
		keys:          []*signingKey{key},
		pending:       map[string]*authRequest{},
		sessions:      map[string]*session{},
		codes:         map[string]*authCode{},
		grants:        map[string]*grant{},
		refreshTokens: map[string]*refreshToken{},
		accessTokens:  map[string]*accessToken{},
		users:         map[string]*user{},
		tokenRequests: map[string]int{},
		cibaRequests:  map[string]*cibaRequest{},
		mfaTxs:        map[string]*mfaTx{},
		mfaUsers:      map[string]*mfaUser{},
		pushed:        map[string]*pushedRequest{},
		assertionJTIs: map[string]time.Time{},
		requirePAR:    opts.RequirePushedAuthorizationRequests,
		clientCAs:     opts.ClientCAs,
		authMethods:   slices.Clone(opts.TokenEndpointAuthMethods),
		apiScopes:     orDefault(opts.APIScopes, defaultAPIScopes),
		connections:   orDefault(opts.Connections, defaultConnections),
		customTypes:   orDefault(opts.CustomTokenTypes, defaultCustomTokenTypes),
		cibaInterval:  opts.CIBAInterval,
		cibaDelay:     opts.CIBAApprovalDelay,
		cibaDeny:      slices.Clone(opts.CIBADenySubs),
		cibaSlowDown:  opts.CIBASlowDownIncrement,
		mfaAudiences:  slices.Clone(opts.MFAAudiences),
		mfaCode:       opts.MFACode,
		bcHTTP: &http.Client{
			Timeout:       backchannelTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	p.dpop = &DPoPVerifier{Now: p.now, RequireNonce: opts.DPoPRequireNonce}
	p.apiAudiences = slices.DeleteFunc(dedupe(slices.Concat(orDefault(opts.APIAudiences, defaultAPIAudiences), opts.MFAAudiences)),
		func(a string) bool { return a == issuer+"userinfo" })
	p.apiAudiences = append(p.apiAudiences, issuer+"me/", issuer+"my-org/")
	p.connected = map[string][]*connectedAccount{}
	p.connectTickets = map[string]*connectTicket{}
	if p.cibaInterval <= 0 {
		p.cibaInterval = DefaultCIBAInterval
	}
	if p.cibaDelay == 0 {
		p.cibaDelay = DefaultCIBAApprovalDelay
	} else if p.cibaDelay < 0 {
		p.cibaDelay = 0
	}
	if p.cibaSlowDown <= 0 {
		p.cibaSlowDown = DefaultCIBASlowDownIncrement
	}
	if p.mfaCode == "" {
		p.mfaCode = DefaultMFACode
	}
	if p.atTTL <= 0 {
		p.atTTL = DefaultAccessTokenTTL
	}
	if p.idTTL <= 0 {
		p.idTTL = DefaultIDTokenTTL
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p.mux = p.routes()
	return p, nil
}

func (p *Provider) routes() *http.ServeMux {
	mux := http.NewServeMux()
	b := p.basePath
	mux.HandleFunc("GET "+b+"/.well-known/openid-configuration", p.handleDiscovery)
	mux.HandleFunc("GET "+b+"/.well-known/jwks.json", p.handleJWKS)
	mux.HandleFunc("GET "+b+"/authorize", p.handleAuthorize)
	mux.HandleFunc("POST "+b+"/authorize", p.handleAuthorize)
	mux.HandleFunc("POST "+b+"/authorize/login", p.handleLogin)
	mux.HandleFunc("POST "+b+"/oauth/token", p.handleToken)
	mux.HandleFunc("POST "+b+"/oauth/par", p.handlePAR)
	mux.HandleFunc("GET "+b+"/userinfo", p.handleUserinfo)
	mux.HandleFunc("POST "+b+"/userinfo", p.handleUserinfo)
	mux.HandleFunc("POST "+b+"/oauth/revoke", p.handleRevoke)
	mux.HandleFunc("GET "+b+"/oidc/logout", p.handleOIDCLogout)
	mux.HandleFunc("POST "+b+"/oidc/logout", p.handleOIDCLogout)
	mux.HandleFunc("GET "+b+"/v2/logout", p.handleV2Logout)
	mux.HandleFunc("POST "+b+"/bc-authorize", p.handleBCAuthorize)
	mux.HandleFunc("GET "+b+"/mfa/authenticators", p.handleMFAAuthenticators)
	mux.HandleFunc("DELETE "+b+"/mfa/authenticators/{id}", p.handleMFADeleteAuthenticator)
	mux.HandleFunc("POST "+b+"/mfa/associate", p.handleMFAAssociate)
	mux.HandleFunc("POST "+b+"/mfa/challenge", p.handleMFAChallenge)
	p.myAccountRoutes(mux, b)
	return mux
}

// Handler returns the HTTP handler serving every endpoint below the
// issuer's path.
func (p *Provider) Handler() http.Handler { return p.mux }

// Issuer returns the issuer identifier; it ends with "/".
func (p *Provider) Issuer() string { return p.issuer }

// Client returns the first registered client.
func (p *Provider) Client() Client {
	c := p.clients[0]
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	c.GrantTypes = slices.Clone(c.GrantTypes)
	return c
}

// TokenRequests returns how many requests reached /oauth/token with the
// given grant_type value, whether they succeeded or not.
func (p *Provider) TokenRequests(grantType string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokenRequests[grantType]
}

// RevokedTokens returns, in arrival order, the token values received at
// /oauth/revoke from authenticated clients (whether or not devop knew them).
func (p *Provider) RevokedTokens() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.revoked)
}

// endpoint returns the absolute URL of an endpoint path such as "authorize".
func (p *Provider) endpoint(path string) string { return p.issuer + path }

func (p *Provider) clientByID(id string) (Client, bool) {
	for _, c := range p.clients {
		if c.ID == id {
			return c, true
		}
	}
	return Client{}, false
}
