package auth0kit

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// Option configures a [Client]. Options always beat environment variables.
type Option func(*Config)

// LogoutStrategy chooses how /auth/logout ends the session at the provider.
type LogoutStrategy string

// Logout strategies, as in nextjs-auth0.
const (
	// LogoutAuto uses OIDC RP-Initiated Logout when the provider advertises
	// an end_session_endpoint, and Auth0's /v2/logout otherwise.
	LogoutAuto LogoutStrategy = "auto"
	// LogoutOIDC always uses the end_session_endpoint.
	LogoutOIDC LogoutStrategy = "oidc"
	// LogoutV2 always uses Auth0's /v2/logout.
	LogoutV2 LogoutStrategy = "v2"
)

// Routes are the paths the adapters mount. The zero value of a field means
// its default.
type Routes struct {
	Login             string // default /auth/login
	Logout            string // default /auth/logout
	Callback          string // default /auth/callback
	Profile           string // default /auth/profile
	AccessToken       string // default /auth/access-token
	BackchannelLogout string // default /auth/backchannel-logout
	ConnectAccount    string // default /auth/connect (mounted with ConnectAccountEndpoint)
	Link              string // default /auth/link (mounted with AccountLinking)
	Unlink            string // default /auth/unlink (mounted with AccountLinking)

	// NoAccessTokenEndpoint hides /auth/access-token (mounted by default).
	NoAccessTokenEndpoint bool
	// ConnectAccountEndpoint mounts /auth/connect, which starts
	// [Client.ConnectAccount] (Connected Accounts). Off by default.
	ConnectAccountEndpoint bool
	// AccountLinking mounts /auth/link and /auth/unlink
	// (?connection=…&connectionScope=…&returnTo=…), which start
	// [Client.StartLinkUser] and [Client.StartUnlinkUser] for the
	// logged-in user. Off by default.
	AccountLinking bool
	// MyAccountProxy mounts /me/*, the browser's proxy to Auth0's My
	// Account API (<issuer>me/v1/*): the session's token for audience
	// <issuer>me/ is added server-side. Off by default.
	MyAccountProxy bool
	// MyOrgProxy mounts /my-org/*, the browser's proxy to Auth0's My
	// Organization API (<issuer>my-org/*). Off by default.
	MyOrgProxy bool
}

// CookieOptions are the attributes of the session cookie. HttpOnly is always
// set.
type CookieOptions struct {
	Name      string        // default __session (env AUTH0_COOKIE_NAME)
	Domain    string        // env AUTH0_COOKIE_DOMAIN
	Path      string        // default / (env AUTH0_COOKIE_PATH)
	Transient bool          // no Max-Age/Expires: a browser-session cookie (env AUTH0_COOKIE_TRANSIENT)
	Secure    *bool         // nil: derived from the base URL (env AUTH0_COOKIE_SECURE)
	SameSite  http.SameSite // default Lax (env AUTH0_COOKIE_SAME_SITE)
}

// TransactionCookieOptions are the attributes of the login transaction
// cookies (__txn_{state}).
type TransactionCookieOptions struct {
	Prefix   string        // default __txn_
	MaxAge   time.Duration // default 1h
	Secure   *bool         // nil: same rule as the session cookie
	SameSite http.SameSite // default Lax
	Path     string        // default /
	Domain   string        // default: the session cookie's domain
	// Single uses one __txn_ cookie for every login instead of one
	// __txn_{state} cookie per login (parallel logins in several tabs).
	Single bool
}

// SessionOptions configure session lifetime and the session cookie.
type SessionOptions struct {
	// Rolling extends the session on activity, up to AbsoluteDuration.
	// Default true.
	Rolling *bool
	// AbsoluteDuration caps a session's life from login. Default 3 days.
	// Negative disables the cap (rolling sessions then live as long as they
	// are used).
	AbsoluteDuration time.Duration
	// InactivityDuration ends a rolling session after this long without a
	// request. Default 1 day.
	InactivityDuration time.Duration
	// RollingThreshold is how much of the inactivity window must have
	// passed before a request re-issues the cookie. Default 1% of the window
	// (about 15 minutes with the 1-day default), so an active user's cookie is
	// rewritten at most a few times an hour instead of on every request.
	RollingThreshold time.Duration
	Cookie           CookieOptions
}

// Hooks let an application customise the login flow.
type Hooks struct {
	// BeforeSessionSaved runs after a successful callback, before the
	// session is stored. It receives the session with every ID token claim
	// in User (no filtering) and the raw ID token, and returns the session to
	// store. When it is set the default claim filter does not run. Internal
	// fields it changes are restored.
	BeforeSessionSaved func(ctx context.Context, s *Session, idToken string) (*Session, error)
	// OnCallback runs once per callback, on success (err nil, session set)
	// and on failure (session nil). A non-empty return replaces the redirect
	// target (it must be same-origin or relative, like returnTo); a non-nil
	// error replaces the error answer.
	OnCallback func(ctx context.Context, err error, info CallbackInfo, s *Session) (redirectTo string, hookErr error)
}

// Config is the resolved configuration of a [Client]. Build it with
// [Option]s; [New] fills defaults from the environment.
type Config struct {
	Domain string // AUTH0_DOMAIN: a host (tenant.auth0.com) or an issuer URL
	// DomainResolver picks the domain per request (resolver mode, see
	// [WithDomainResolver]; AUTH0_DOMAIN_MAP builds a [DomainMap]). It is
	// exclusive with Domain.
	DomainResolver  DomainResolver
	domainFromEnv   bool   // Domain came from AUTH0_DOMAIN
	domainMapErr    error  // AUTH0_DOMAIN_MAP could not be parsed
	resolverFromEnv bool   // DomainResolver came from AUTH0_DOMAIN_MAP
	ClientID        string // AUTH0_CLIENT_ID
	ClientSecret    string // AUTH0_CLIENT_SECRET
	// Secrets is AUTH0_SECRET (comma-separated in the environment); the
	// first encrypts, all decrypt. It must be unique per application (see
	// [WithSecret]).
	Secrets []string
	// MigrateSessions lists the legacy session cookie formats read and
	// rewritten in the current format ([MigrateAuth0ServerJS],
	// [MigrateNextjsV3]); env AUTH0_MIGRATE_SESSIONS, comma-separated. See
	// [WithSessionMigration].
	MigrateSessions []string
	// LogoutReturnToOrigins are other origins logout may return to
	// ([LogoutConfig].ReturnToOrigins); env AUTH0_LOGOUT_RETURN_TO_ORIGINS.
	LogoutReturnToOrigins []string
	// RouteMiddleware wraps the SDK's routes ([WithRouteMiddleware]).
	RouteMiddleware []RouteMiddleware
	// AppBaseURL is APP_BASE_URL: one URL, or several (comma-separated in
	// the environment) as an allow-list for the inferred request origin.
	AppBaseURLs []string
	// TrustedProxies are the peers whose X-Forwarded-Host/-Proto headers are
	// believed when the base URL is inferred.
	TrustedProxies []netip.Prefix
	// AuthorizationParams are sent to /authorize on every login; per-call
	// parameters win key by key. Default scope "openid profile email
	// offline_access" (AUTH0_SCOPE), audience AUTH0_AUDIENCE.
	AuthorizationParams map[string]string
	// AudienceScopes are default scopes per API audience (nextjs-auth0's
	// scope map): a login or token request for that audience asks for
	// them instead of the global scope.
	AudienceScopes map[string]string
	// TokenRefreshLeeway refreshes an access token this long before it
	// expires (default 60 s), so a token handed to the application is not
	// about to expire in flight.
	TokenRefreshLeeway time.Duration
	// RefreshMemo is how long the result of a refresh is remembered for
	// requests that still carry the pre-refresh refresh token (default
	// 30 s): they get the new tokens instead of replaying a rotated
	// refresh token, which a strict provider answers by revoking the grant.
	RefreshMemo time.Duration
	// MFATokenTTL is the lifetime of the encrypted mfa_token handed out
	// with [MfaRequiredError] (default 300 s; env AUTH0_MFA_TOKEN_TTL or
	// AUTH0_MFA_CONTEXT_TTL).
	MFATokenTTL time.Duration
	// MaxAccessTokens caps the access tokens a session keeps besides its
	// main one: tokens for other audiences or scopes (AccessTokens) and,
	// separately, federated connection tokens. When a new one would exceed
	// the cap, the least recently stored (a token in use is re-stored each
	// time it is refreshed) is dropped. Default [DefaultMaxAccessTokens]
	// (env AUTH0_MAX_ACCESS_TOKENS).
	MaxAccessTokens   int
	Routes            Routes
	Session           SessionOptions
	TransactionCookie TransactionCookieOptions
	LogoutStrategy    LogoutStrategy // default auto
	// NoIDTokenHint leaves id_token_hint out of OIDC logout; logout_hint
	// and client_id are sent instead.
	NoIDTokenHint      bool
	SignInReturnToPath string // default /
	// IDTokenClaims is the allow-list of ID token claims kept in the
	// session's user. Default [DefaultIDTokenClaims].
	IDTokenClaims []string
	SessionStore  sessionstore.Store // nil: stateless encrypted cookie sessions
	// sessionstore.RevocationList makes back-channel logout work with stateless
	// sessions (see [Client.HandleBackchannelLogout]).
	RevocationList sessionstore.RevocationList
	HTTPClient     *http.Client // the customFetch equivalent
	HTTPTimeout    time.Duration
	ClockTolerance time.Duration // ID token exp/iat leeway, default 30s
	Discovery      *DiscoveryCache
	Now            func() time.Time
	Logger         *slog.Logger
	Hooks          Hooks
	// IDTokenSigningAlg is the only JWS algorithm accepted on ID tokens
	// and logout tokens (the client's id_token_signed_response_alg).
	// Default RS256; env AUTH0_ID_TOKEN_SIGNING_ALG.
	IDTokenSigningAlg string

	// TokenEndpointAuthMethod chooses the client authentication
	// (AUTH0_TOKEN_ENDPOINT_AUTH_METHOD). Empty: private_key_jwt when a
	// signing key is set, tls_client_auth when a client certificate is,
	// client_secret_post otherwise.
	TokenEndpointAuthMethod ClientAuthMethod
	// ClientAssertionSigningKey signs private_key_jwt assertions
	// (AUTH0_CLIENT_ASSERTION_SIGNING_KEY, the PEM text): a crypto.Signer
	// (*rsa.PrivateKey, *ecdsa.PrivateKey), a *jose.JSONWebKey, or PEM or
	// JWK JSON text.
	ClientAssertionSigningKey any
	// ClientAssertionSigningAlg is RS256 (default for RSA keys), PS256 or
	// ES256 (default for P-256 keys) (AUTH0_CLIENT_ASSERTION_SIGNING_ALG).
	ClientAssertionSigningAlg string
	// ClientCertificate is presented on every TLS connection to the
	// provider, for tls_client_auth and self_signed_tls_client_auth
	// (AUTH0_CLIENT_CERTIFICATE and AUTH0_CLIENT_CERTIFICATE_KEY, PEM
	// texts).
	ClientCertificate *tls.Certificate
	// PushedAuthorizationRequests sends every login through the PAR
	// endpoint (AUTH0_PUSHED_AUTHORIZATION_REQUESTS=true). PAR is also used
	// whenever discovery says require_pushed_authorization_requests.
	PushedAuthorizationRequests bool
	// AuthorizationDetailsInSession keeps the granted Rich Authorization
	// Requests details in the session (Session.Extra["authorization_details"])
	// after an interactive or CIBA login. Default false: they are only
	// handed to the OnCallback hook and returned by the CIBA APIs.
	AuthorizationDetailsInSession bool
	// UseDPoP binds access tokens to DPoP.PrivateKey (RFC 9449): dpop_jkt
	// on every authorization request and a proof on every token request
	// (AUTH0_USE_DPOP=true). It needs a key pair.
	UseDPoP bool
	// DPoP holds the key pair and the clock and nonce-retry settings
	// (AUTH0_DPOP_PRIVATE_KEY, AUTH0_DPOP_PUBLIC_KEY, AUTH0_DPOP_CLOCK_SKEW,
	// AUTH0_DPOP_CLOCK_TOLERANCE, AUTH0_RETRY_DELAY, AUTH0_RETRY_JITTER).
	DPoP DPoPOptions

	dpopErr error // a malformed DPoP variable in the environment
	certErr error // a client certificate from the environment that does not parse
}

// WithDomain sets the Auth0 domain or issuer URL (AUTH0_DOMAIN).
func WithDomain(domain string) Option {
	return func(c *Config) {
		c.Domain, c.domainFromEnv, c.domainMapErr = domain, false, nil
		if c.resolverFromEnv { // an option beats AUTH0_DOMAIN_MAP
			c.DomainResolver, c.resolverFromEnv = nil, false
		}
	}
}

// WithClientID sets the application's client ID (AUTH0_CLIENT_ID).
func WithClientID(id string) Option { return func(c *Config) { c.ClientID = id } }

// WithClientSecret sets the client secret (AUTH0_CLIENT_SECRET), sent with
// client_secret_post as Auth0's SDKs do.
func WithClientSecret(secret string) Option { return func(c *Config) { c.ClientSecret = secret } }

// WithSecret sets the cookie encryption secrets (AUTH0_SECRET). The first
// encrypts; every one decrypts, so a rotated-out secret keeps working until
// its cookies expire. Each must be at least 32 bytes. The secret must be
// unique per application: a cookie is bound to the secret, not to the
// client ID (a session whose stored ID token names another client is
// refused, but one without an ID token cannot be checked). Separate keys
// are derived from it per purpose (session, transaction, mfa_token).
func WithSecret(secrets ...string) Option {
	return func(c *Config) { c.Secrets = append([]string(nil), secrets...) }
}

// WithAppBaseURL sets the application's public URL (APP_BASE_URL). With more
// than one, the base URL is inferred from the request and must match one of
// them. A URL with a path (https://example.com/app) mounts the SDK under
// it: routes at /app/auth/*, cookies on Path=/app (unless set), the
// redirect_uri, returnTo values and guard redirects under /app. Several
// URLs must then share the same path.
func WithAppBaseURL(urls ...string) Option {
	return func(c *Config) { c.AppBaseURLs = append([]string(nil), urls...) }
}

// WithAuthorizationParams sets parameters sent to /authorize on every login
// (scope, audience, organization, any custom key).
func WithAuthorizationParams(params map[string]string) Option {
	return func(c *Config) {
		for k, v := range params {
			c.AuthorizationParams[k] = v
		}
	}
}

// WithAudienceScopes sets default scopes per API audience, e.g.
// {"https://api.example.com/": "openid profile read:orders"}.
func WithAudienceScopes(m map[string]string) Option {
	return func(c *Config) {
		c.AudienceScopes = make(map[string]string, len(m))
		for k, v := range m {
			c.AudienceScopes[k] = v
		}
	}
}

// DefaultMaxAccessTokens is the default of Config.MaxAccessTokens: ten
// audience/scope sets keep a session cookie within a few chunks.
const DefaultMaxAccessTokens = 10

// WithRoutes sets route paths and mounts the optional routes. Empty
// paths keep their defaults, and options given earlier keep what r leaves
// zero: WithRoutes(Routes{MyAccountProxy: true}) only mounts /me/*.
func WithRoutes(r Routes) Option {
	return func(c *Config) {
		o := &c.Routes
		for _, f := range []struct {
			dst *string
			v   string
		}{{&o.Login, r.Login}, {&o.Logout, r.Logout},
			{&o.Callback, r.Callback}, {&o.Profile, r.Profile}, {&o.AccessToken, r.AccessToken},
			{&o.BackchannelLogout, r.BackchannelLogout}, {&o.ConnectAccount, r.ConnectAccount},
			{&o.Link, r.Link}, {&o.Unlink, r.Unlink}} {
			if f.v != "" {
				*f.dst = f.v
			}
		}
		o.NoAccessTokenEndpoint = o.NoAccessTokenEndpoint || r.NoAccessTokenEndpoint
		o.ConnectAccountEndpoint = o.ConnectAccountEndpoint || r.ConnectAccountEndpoint
		o.AccountLinking = o.AccountLinking || r.AccountLinking
		o.MyAccountProxy = o.MyAccountProxy || r.MyAccountProxy
		o.MyOrgProxy = o.MyOrgProxy || r.MyOrgProxy
	}
}

// WithSession sets session lifetime and cookie options; zero fields keep
// their defaults.
func WithSession(s SessionOptions) Option { return func(c *Config) { c.Session = s } }

// WithTransactionCookie sets transaction cookie options; zero fields keep
// their defaults.
func WithTransactionCookie(t TransactionCookieOptions) Option {
	return func(c *Config) { c.TransactionCookie = t }
}

// WithSignInReturnTo sets where users land after login when no valid
// returnTo was given (default /).
func WithSignInReturnTo(path string) Option { return func(c *Config) { c.SignInReturnToPath = path } }

// WithIDTokenClaims sets the allow-list of ID token claims kept in the
// session (default [DefaultIDTokenClaims]). Use it to keep custom claims
// without writing a BeforeSessionSaved hook.
func WithIDTokenClaims(claims ...string) Option {
	return func(c *Config) { c.IDTokenClaims = append([]string(nil), claims...) }
}

// WithSessionStore keeps sessions server-side; the cookie then holds only an
// opaque session id.
func WithSessionStore(s sessionstore.Store) Option { return func(c *Config) { c.SessionStore = s } }

// WithRevocationList records back-channel logouts for stateless cookie
// sessions, so a logged-out sid is refused on its next request. Any store
// implementing [sessionstore.RevocationList] works (the memory, Redis and SQL stores do).
func WithRevocationList(rl sessionstore.RevocationList) Option {
	return func(c *Config) { c.RevocationList = rl }
}

// WithHTTPClient sets the client used for every call to the provider.
func WithHTTPClient(hc *http.Client) Option { return func(c *Config) { c.HTTPClient = hc } }

// WithLogger sets the logger for debug and warning messages (default:
// discard).
func WithLogger(l *slog.Logger) Option { return func(c *Config) { c.Logger = l } }

// WithHooks sets the login hooks.
func WithHooks(h Hooks) Option { return func(c *Config) { c.Hooks = h } }

// WithPushedAuthorizationRequests sends logins through the provider's
// pushed authorization request endpoint (RFC 9126): the browser only sees
// client_id and request_uri (AUTH0_PUSHED_AUTHORIZATION_REQUESTS=true).
func WithPushedAuthorizationRequests(on bool) Option {
	return func(c *Config) { c.PushedAuthorizationRequests = on }
}

// Tuning holds the knobs few applications change. Zero fields keep their
// defaults (or what an earlier option set).
type Tuning struct {
	// Clock is the time source (tests). Default time.Now.
	Clock func() time.Time
	// ClockTolerance is the leeway for ID token time claims (default 30 s).
	ClockTolerance time.Duration
	// HTTPTimeout bounds each call to the provider (default 5 s).
	HTTPTimeout time.Duration
	// TokenRefreshLeeway refreshes access tokens this long before they
	// expire (default 60 s).
	TokenRefreshLeeway time.Duration
	// MFATokenTTL is how long an mfa_token from [MfaRequiredError] stays
	// valid (default 300 s; env AUTH0_MFA_TOKEN_TTL).
	MFATokenTTL time.Duration
	// MaxAccessTokens caps the access tokens (and, separately, the
	// connection tokens) a session keeps; the least recently stored goes
	// first (default [DefaultMaxAccessTokens]; env AUTH0_MAX_ACCESS_TOKENS).
	MaxAccessTokens int
	// DiscoveryCache shares discovery documents and key sets between
	// clients ([NewDiscoveryCache]).
	DiscoveryCache *DiscoveryCache
	// IDTokenSigningAlg pins the JWS algorithm of ID tokens and logout
	// tokens (default RS256; env AUTH0_ID_TOKEN_SIGNING_ALG). Only
	// asymmetric algorithms are allowed; tokens signed with any other,
	// even one the provider advertises, are refused.
	IDTokenSigningAlg string
	// TrustedProxies are the proxy networks whose X-Forwarded-Host and
	// X-Forwarded-Proto headers are trusted when the base URL is inferred.
	TrustedProxies []netip.Prefix
	// AuthorizationDetailsInSession keeps the granted authorization_details
	// of a login in the session (Session.Extra["authorization_details"]).
	AuthorizationDetailsInSession bool
}

// WithTuning sets rarely changed knobs (see [Tuning]).
func WithTuning(t Tuning) Option {
	return func(c *Config) {
		if t.Clock != nil {
			c.Now = t.Clock
		}
		setIf(&c.ClockTolerance, t.ClockTolerance)
		setIf(&c.HTTPTimeout, t.HTTPTimeout)
		setIf(&c.TokenRefreshLeeway, t.TokenRefreshLeeway)
		setIf(&c.MFATokenTTL, t.MFATokenTTL)
		setIf(&c.MaxAccessTokens, t.MaxAccessTokens)
		setIf(&c.IDTokenSigningAlg, t.IDTokenSigningAlg)
		if t.DiscoveryCache != nil {
			c.Discovery = t.DiscoveryCache
		}
		if t.TrustedProxies != nil {
			c.TrustedProxies = append([]netip.Prefix(nil), t.TrustedProxies...)
		}
		c.AuthorizationDetailsInSession = c.AuthorizationDetailsInSession || t.AuthorizationDetailsInSession
	}
}

// setIf sets *dst to v unless v is zero.
func setIf[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}

// LogoutConfig configures /auth/logout and [Client.Logout].
type LogoutConfig struct {
	// Strategy is auto (default), oidc or v2.
	Strategy LogoutStrategy
	// NoIDTokenHint leaves id_token_hint out of OIDC logout (it is sent by
	// default, with logout_hint = sid).
	NoIDTokenHint bool
	// ReturnToOrigins allows logout to send the user to absolute URLs of
	// these other origins (env AUTH0_LOGOUT_RETURN_TO_ORIGINS,
	// comma-separated), e.g. "https://marketing.example.com": a
	// /auth/logout?returnTo=https://marketing.example.com/bye then passes
	// that URL to the provider's logout (which must allow it too). Each
	// origin is scheme://host[:port], http or https, without path, query or
	// fragment. Any other origin is still refused and falls back to the
	// application's base URL.
	ReturnToOrigins []string
}

// WithLogout configures logout (see [LogoutConfig]); zero fields keep
// their defaults.
func WithLogout(l LogoutConfig) Option {
	return func(c *Config) {
		setIf(&c.LogoutStrategy, l.Strategy)
		c.NoIDTokenHint = c.NoIDTokenHint || l.NoIDTokenHint
		if l.ReturnToOrigins != nil {
			c.LogoutReturnToOrigins = append([]string(nil), l.ReturnToOrigins...)
		}
	}
}

// ClientAuth chooses how the client authenticates to the provider beyond
// a client secret ([WithClientSecret]).
type ClientAuth struct {
	// Method is the token endpoint auth method
	// (AUTH0_TOKEN_ENDPOINT_AUTH_METHOD). Empty: private_key_jwt when
	// SigningKey is set, tls_client_auth when Certificate is,
	// client_secret_post otherwise.
	Method ClientAuthMethod
	// SigningKey signs private_key_jwt assertions: a crypto.Signer, a
	// *jose.JSONWebKey, or PEM or JWK JSON text
	// (AUTH0_CLIENT_ASSERTION_SIGNING_KEY).
	SigningKey any
	// SigningAlg is RS256, PS256 or ES256; empty picks RS256 for RSA and
	// ES256 for EC keys (AUTH0_CLIENT_ASSERTION_SIGNING_ALG).
	SigningAlg string
	// Certificate is presented on every TLS connection to the provider,
	// for tls_client_auth (or self_signed_tls_client_auth with Method),
	// and the provider's mtls_endpoint_aliases are used
	// (AUTH0_CLIENT_CERTIFICATE and AUTH0_CLIENT_CERTIFICATE_KEY).
	Certificate *tls.Certificate
}

// WithClientAuth sets the client authentication (see [ClientAuth]); zero
// fields keep what the environment or an earlier option set.
func WithClientAuth(a ClientAuth) Option {
	return func(c *Config) {
		setIf(&c.TokenEndpointAuthMethod, a.Method)
		if a.SigningKey != nil {
			c.ClientAssertionSigningKey, c.ClientAssertionSigningAlg = a.SigningKey, a.SigningAlg
		}
		if a.Certificate != nil {
			c.ClientCertificate, c.certErr = a.Certificate, nil
		}
	}
}

// WithDPoP turns DPoP on (RFC 9449): access tokens are bound to the key
// pair in o, or to AUTH0_DPOP_PRIVATE_KEY / AUTH0_DPOP_PUBLIC_KEY when
// o.PrivateKey is nil. Zero fields keep their defaults.
func WithDPoP(o DPoPOptions) Option {
	return func(c *Config) {
		c.UseDPoP = true
		if o.PrivateKey != nil || o.PublicKey != nil {
			c.DPoP.PrivateKey, c.DPoP.PublicKey = o.PrivateKey, o.PublicKey
		}
		setIf(&c.DPoP.SigningAlg, o.SigningAlg)
		setIf(&c.DPoP.ClockSkew, o.ClockSkew)
		setIf(&c.DPoP.ClockTolerance, o.ClockTolerance)
		setIf(&c.DPoP.RetryDelay, o.RetryDelay)
		if o.RetryJitter != nil {
			c.DPoP.RetryJitter = o.RetryJitter
		}
	}
}
