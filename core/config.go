package auth0kit

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// DefaultScope is the scope requested when none is configured.
const DefaultScope = "openid profile email offline_access"

// DefaultIDTokenClaims are the ID token claims kept in the session's user by
// default (nextjs-auth0's DEFAULT_ID_TOKEN_CLAIMS). Everything else (iss,
// aud, exp, nonce, custom claims) is dropped unless listed with
// [WithIDTokenClaims] or kept by a BeforeSessionSaved hook.
var DefaultIDTokenClaims = []string{
	"sub", "name", "nickname", "given_name", "family_name", "picture",
	"email", "email_verified", "org_id", "act",
	"urn:auth0:my_org_current_user_permissions",
}

// minSecretLength is the shortest accepted AUTH0_SECRET, in bytes.
const minSecretLength = 32

// defaultConfig returns the configuration before options: Auth0's defaults,
// overlaid with the environment.
func defaultConfig(getenv func(string) string) Config {
	c := Config{
		Domain:              getenv("AUTH0_DOMAIN"),
		ClientID:            getenv("AUTH0_CLIENT_ID"),
		ClientSecret:        getenv("AUTH0_CLIENT_SECRET"),
		AuthorizationParams: map[string]string{"scope": DefaultScope},
		LogoutStrategy:      LogoutAuto,
		SignInReturnToPath:  "/",
		IDTokenSigningAlg:   getenv("AUTH0_ID_TOKEN_SIGNING_ALG"),
	}
	c.domainFromEnv = c.Domain != ""
	if s := getenv("AUTH0_DOMAIN_MAP"); s != "" {
		// The host-to-domain map replaces AUTH0_DOMAIN and APP_BASE_URL:
		// each host's base URL is the request's own, and the map is the
		// list of hosts served.
		m, err := parseDomainMap(s)
		if err == nil && c.Domain != "" {
			err = invalid("DomainResolver (AUTH0_DOMAIN_MAP)", "AUTH0_DOMAIN and AUTH0_DOMAIN_MAP are exclusive; set one")
		}
		c.domainMapErr = err
		if err == nil {
			c.DomainResolver, c.resolverFromEnv = DomainMap(m), true
		}
	}
	mapped := c.DomainResolver != nil
	c.Secrets = splitList(getenv("AUTH0_SECRET"))
	c.MigrateSessions = splitList(getenv("AUTH0_MIGRATE_SESSIONS"))
	c.LogoutReturnToOrigins = splitList(getenv("AUTH0_LOGOUT_RETURN_TO_ORIGINS"))
	if s := getenv("APP_BASE_URL"); s != "" && !mapped {
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				c.AppBaseURLs = append(c.AppBaseURLs, part)
			}
		}
	}
	if s := getenv("AUTH0_SCOPE"); s != "" {
		c.AuthorizationParams["scope"] = s
	}
	if s := getenv("AUTH0_AUDIENCE"); s != "" {
		c.AuthorizationParams["audience"] = s
	}
	ck := &c.Session.Cookie
	ck.Name = getenv("AUTH0_COOKIE_NAME")
	ck.Domain = getenv("AUTH0_COOKIE_DOMAIN")
	ck.Path = getenv("AUTH0_COOKIE_PATH")
	if s := getenv("AUTH0_COOKIE_TRANSIENT"); s != "" {
		ck.Transient = s == "true"
	}
	if s := getenv("AUTH0_COOKIE_SECURE"); s != "" {
		b := s == "true"
		ck.Secure = &b
	}
	if s := getenv("AUTH0_COOKIE_SAME_SITE"); s != "" {
		ck.SameSite = parseSameSite(s)
	}
	for _, name := range []string{"AUTH0_MFA_CONTEXT_TTL", "AUTH0_MFA_TOKEN_TTL"} {
		if v, err := strconv.Atoi(getenv(name)); err == nil && v > 0 {
			c.MFATokenTTL = time.Duration(v) * time.Second
		}
	}
	if v, err := strconv.Atoi(getenv("AUTH0_MAX_ACCESS_TOKENS")); err == nil && v > 0 {
		c.MaxAccessTokens = v
	}
	if s := getenv("AUTH0_LOGOUT_STRATEGY"); s != "" {
		c.LogoutStrategy = LogoutStrategy(s)
	}
	clientAuthFromEnv(&c, getenv)
	dpopFromEnv(&c, getenv)
	return c
}

func parseSameSite(s string) http.SameSite {
	switch strings.ToLower(s) {
	case "lax":
		return http.SameSiteLaxMode
	case "strict":
		return http.SameSiteStrictMode
	case "none":
		return http.SameSiteNoneMode
	}
	return -1 // invalid, reported by validate
}

// settings are the derived, validated values the client works with.
type settings struct {
	issuer           string // normalised issuer URL with trailing slash for a root path
	baseURLs         []*url.URL
	basePath         string   // the path APP_BASE_URL carries, without trailing slash ("" for none)
	staticBase       *url.URL // set when exactly one base URL is configured
	sessionCookie    cookieTemplate
	txnCookie        cookieTemplate
	txnMaxAge        time.Duration
	parallelTxn      bool
	rolling          bool
	absolute         time.Duration
	inactivity       time.Duration
	rollThreshold    time.Duration
	migrate          []string // legacy session formats read (nil: none, no cost)
	routeChain       RouteHandler
	logoutOrigins    map[string]bool // lower-case scheme://host; nil: none
	idTokenHint      bool
	claims           map[string]bool
	routes           Routes
	refreshLeeway    time.Duration
	refreshMemo      time.Duration
	mfaTokenTTL      time.Duration
	accessTokenRoute bool
	connectRoute     bool
	myAccountProxy   bool
	myOrgProxy       bool
	maxAccessTokens  int
	httpTimeout      time.Duration
	clockTolerance   time.Duration
	idTokenAlg       string
	logger           *slog.Logger
	now              func() time.Time
	httpClient       *http.Client
}

// cookieTemplate holds the attributes shared by every cookie of one kind.
type cookieTemplate struct {
	name     string
	domain   string
	path     string
	secure   bool
	sameSite http.SameSite
	// transient cookies carry no Max-Age/Expires.
	transient bool
}

func invalid(field, reason string) error {
	return &InvalidConfigurationError{Field: field, Reason: reason}
}

// resolve validates c and derives the settings. It reports every bad
// field at once: the error joins one [*InvalidConfigurationError] per
// problem (errors.As finds the first; errors.Is matches
// [ErrInvalidConfiguration]).
func (c *Config) resolve() (*settings, error) {
	s := &settings{}
	var errs []error
	bad := func(err error) { errs = append(errs, err) }
	if c.domainMapErr != nil {
		bad(c.domainMapErr)
	}
	switch {
	case c.DomainResolver != nil && c.Domain != "":
		bad(invalid("Domain (AUTH0_DOMAIN)", "a static domain and a DomainResolver (AUTH0_DOMAIN_MAP) are exclusive"))
	case c.DomainResolver != nil:
		// Resolver mode: the issuer is per request.
	case c.Domain == "":
		if c.domainMapErr == nil {
			bad(invalid("Domain (AUTH0_DOMAIN)", "is required"))
		}
	default:
		if iss, err := normalizeIssuer(c.Domain); err != nil {
			bad(err)
		} else {
			s.issuer = iss
		}
	}
	if c.ClientID == "" {
		bad(invalid("ClientID (AUTH0_CLIENT_ID)", "is required"))
	}
	if len(c.Secrets) == 0 {
		bad(invalid("Secret (AUTH0_SECRET)", "is required"))
	}
	for i, sec := range c.Secrets {
		if len(sec) < minSecretLength {
			bad(invalid("Secret (AUTH0_SECRET)", "secret "+strconv.Itoa(i)+" is shorter than 32 bytes; generate one with `openssl rand -hex 32`"))
		}
	}
	if err := checkMigrateFormats(c.MigrateSessions); err != nil {
		bad(err)
	}
	s.migrate = c.MigrateSessions
	s.routeChain = buildRouteChain(c.RouteMiddleware)
	if origins, err := parseOrigins(c.LogoutReturnToOrigins); err != nil {
		bad(err)
	} else {
		s.logoutOrigins = origins
	}
	if !hasScope(c.AuthorizationParams["scope"], "openid") {
		bad(invalid("AuthorizationParams.scope (AUTH0_SCOPE)", "must include the openid scope"))
	}
	for _, raw := range c.AppBaseURLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(invalid("AppBaseURL (APP_BASE_URL)", "not an absolute http(s) URL: "+strconv.Quote(raw)))
			continue
		}
		if u.RawQuery != "" || u.Fragment != "" {
			bad(invalid("AppBaseURL (APP_BASE_URL)", "must not carry a query or fragment: "+strconv.Quote(raw)))
			continue
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = ""
		s.baseURLs = append(s.baseURLs, u)
	}
	if len(s.baseURLs) == 1 {
		s.staticBase = s.baseURLs[0]
	}
	var pathErr error
	if s.basePath, pathErr = basePathOf(s.baseURLs); pathErr != nil {
		bad(pathErr)
	}
	allHTTPS := len(s.baseURLs) > 0
	for _, u := range s.baseURLs {
		allHTTPS = allHTTPS && u.Scheme == "https"
	}

	ck := c.Session.Cookie
	sameSite := ck.SameSite
	if sameSite == 0 {
		sameSite = http.SameSiteLaxMode
	}
	if sameSite < 0 || sameSite > http.SameSiteNoneMode {
		bad(invalid("Session.Cookie.SameSite (AUTH0_COOKIE_SAME_SITE)", "must be lax, strict or none"))
	}
	secure, err := deriveSecure("Session.Cookie.Secure (AUTH0_COOKIE_SECURE)", ck.Secure, allHTTPS, len(s.baseURLs) == 0)
	if err != nil {
		bad(err)
	}
	if sameSite == http.SameSiteNoneMode && !secure {
		bad(invalid("Session.Cookie.SameSite (AUTH0_COOKIE_SAME_SITE)", "SameSite=None requires secure cookies"))
	}
	s.sessionCookie = cookieTemplate{
		name: orDefault(ck.Name, "__session"), domain: ck.Domain, path: orDefault(ck.Path, orDefault(s.basePath, "/")),
		secure: secure, sameSite: sameSite, transient: ck.Transient,
	}
	if strings.ContainsAny(s.sessionCookie.name, " ;=,\t\r\n") {
		bad(invalid("Session.Cookie.Name (AUTH0_COOKIE_NAME)", "is not a valid cookie name"))
	}

	tc := c.TransactionCookie
	tsecure, err := deriveSecure("TransactionCookie.Secure", tc.Secure, allHTTPS, len(s.baseURLs) == 0)
	if err != nil {
		bad(err)
	}
	if tc.Secure == nil && ck.Secure != nil && !allHTTPS {
		tsecure = secure
	}
	tSameSite := tc.SameSite
	if tSameSite == 0 {
		tSameSite = http.SameSiteLaxMode
	}
	s.txnCookie = cookieTemplate{
		name: orDefault(tc.Prefix, "__txn_"), domain: orDefault(tc.Domain, ck.Domain), path: orDefault(tc.Path, orDefault(s.basePath, "/")),
		secure: tsecure, sameSite: tSameSite,
	}
	s.txnMaxAge = durOr(tc.MaxAge, time.Hour)
	s.parallelTxn = !c.TransactionCookie.Single

	s.rolling = c.Session.Rolling == nil || *c.Session.Rolling
	s.absolute = durOr(c.Session.AbsoluteDuration, 72*time.Hour)
	s.inactivity = durOr(c.Session.InactivityDuration, 24*time.Hour)
	s.rollThreshold = c.Session.RollingThreshold
	if s.rollThreshold == 0 {
		s.rollThreshold = s.inactivity / 100
	}
	if s.rollThreshold < 0 {
		s.rollThreshold = 0
	}
	switch c.LogoutStrategy {
	case "", LogoutAuto, LogoutOIDC, LogoutV2:
	default:
		bad(invalid("LogoutStrategy (AUTH0_LOGOUT_STRATEGY)", "must be auto, oidc or v2"))
	}
	s.idTokenHint = !c.NoIDTokenHint
	claims := c.IDTokenClaims
	if claims == nil {
		claims = DefaultIDTokenClaims
	}
	s.claims = make(map[string]bool, len(claims))
	for _, cl := range claims {
		s.claims[cl] = true
	}
	s.routes = Routes{
		Login:             orDefault(c.Routes.Login, "/auth/login"),
		Logout:            orDefault(c.Routes.Logout, "/auth/logout"),
		Callback:          orDefault(c.Routes.Callback, "/auth/callback"),
		Profile:           orDefault(c.Routes.Profile, "/auth/profile"),
		AccessToken:       orDefault(c.Routes.AccessToken, "/auth/access-token"),
		BackchannelLogout: orDefault(c.Routes.BackchannelLogout, "/auth/backchannel-logout"),
		ConnectAccount:    orDefault(c.Routes.ConnectAccount, "/auth/connect"),
		Link:              orDefault(c.Routes.Link, "/auth/link"),
		Unlink:            orDefault(c.Routes.Unlink, "/auth/unlink"),
	}
	for _, p := range []string{s.routes.Login, s.routes.Logout, s.routes.Callback, s.routes.Profile, s.routes.AccessToken,
		s.routes.BackchannelLogout, s.routes.ConnectAccount, s.routes.Link, s.routes.Unlink} {
		if !strings.HasPrefix(p, "/") {
			bad(invalid("Routes", "paths must start with /: "+strconv.Quote(p)))
		}
	}
	if !strings.HasPrefix(c.SignInReturnToPath, "/") || strings.HasPrefix(c.SignInReturnToPath, "//") {
		bad(invalid("SignInReturnToPath", "must be a path starting with a single /"))
	} else if s.basePath != "" && !underBasePath(c.SignInReturnToPath, s.basePath) {
		// c is the client's own copy: the default landing page moves
		// under the base path once, here.
		c.SignInReturnToPath = s.basePath + c.SignInReturnToPath
	}
	for aud, sc := range c.AudienceScopes {
		if !hasScope(sc, "openid") {
			bad(invalid("AudienceScopes["+strconv.Quote(aud)+"]", "must include the openid scope"))
		}
	}
	s.refreshLeeway = durOr(c.TokenRefreshLeeway, time.Minute)
	if s.refreshLeeway < 0 {
		s.refreshLeeway = 0
	}
	s.refreshMemo = durOr(c.RefreshMemo, 30*time.Second)
	s.mfaTokenTTL = durOr(c.MFATokenTTL, 300*time.Second)
	s.accessTokenRoute = !c.Routes.NoAccessTokenEndpoint
	s.connectRoute = c.Routes.ConnectAccountEndpoint
	s.myAccountProxy, s.myOrgProxy = c.Routes.MyAccountProxy, c.Routes.MyOrgProxy
	s.maxAccessTokens = c.MaxAccessTokens
	if s.maxAccessTokens <= 0 {
		s.maxAccessTokens = DefaultMaxAccessTokens
	}
	s.httpTimeout = durOr(c.HTTPTimeout, 5*time.Second)
	s.clockTolerance = durOr(c.ClockTolerance, 30*time.Second)
	s.idTokenAlg = c.IDTokenSigningAlg
	if s.idTokenAlg == "" {
		s.idTokenAlg = "RS256"
	}
	if !slices.Contains(asymmetricAlgs, jose.SignatureAlgorithm(s.idTokenAlg)) {
		bad(invalid("IDTokenSigningAlg (AUTH0_ID_TOKEN_SIGNING_ALG)", "must be an asymmetric JWS algorithm such as RS256, PS256, ES256 or EdDSA"))
	}
	s.logger = c.Logger
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.now = c.Now
	if s.now == nil {
		s.now = time.Now
	}
	s.httpClient = c.HTTPClient
	if s.httpClient == nil {
		s.httpClient = defaultHTTPClient()
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// deriveSecure applies nextjs-auth0's secure-cookie rules, minus its
// NODE_ENV switch: https base URLs force Secure; an inferred base URL
// requires it (an explicit false is a configuration error); otherwise the
// explicit value, or false for a plain-http base URL.
func deriveSecure(field string, explicit *bool, allHTTPS, inferred bool) (bool, error) {
	switch {
	case allHTTPS:
		return true, nil
	case inferred:
		if explicit != nil && !*explicit {
			return false, invalid(field, "cookies must be secure when APP_BASE_URL is not configured (the base URL is inferred from the request)")
		}
		return true, nil
	case explicit != nil:
		return *explicit, nil
	}
	return false, nil
}

// normalizeIssuer turns AUTH0_DOMAIN into the issuer URL: a bare host gets
// https:// and a trailing slash; a URL keeps its path (a trailing slash is
// added only to a root path). Plain http is allowed only for loopback hosts.
func normalizeIssuer(domain string) (string, error) {
	const field = "Domain (AUTH0_DOMAIN)"
	d := strings.TrimSpace(domain)
	if !strings.Contains(d, "://") {
		d = "https://" + d
	}
	u, err := url.Parse(d)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", invalid(field, "not a host name or issuer URL: "+strconv.Quote(domain))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return "", invalid(field, "plain http is accepted only for loopback hosts: "+strconv.Quote(domain))
		}
	default:
		return "", invalid(field, "scheme must be https: "+strconv.Quote(domain))
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// isLoopbackHost reports whether host is localhost or a loopback IP.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func hasScope(scope, want string) bool {
	for s := range strings.FieldsSeq(scope) {
		if s == want {
			return true
		}
	}
	return false
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func durOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// providerIdleConns is how many idle keep-alive connections the default
// HTTP client keeps per provider host. net/http's default of 2 makes
// concurrent logins (token and userinfo requests) open and close a TLS
// connection each beyond the second.
const providerIdleConns = 64

// defaultHTTPClient is the client used to call the provider when the
// configuration injects none: http.DefaultTransport's settings, with
// providerIdleConns idle connections per host.
func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = providerIdleConns
	tr.MaxIdleConns = max(tr.MaxIdleConns, providerIdleConns)
	return &http.Client{Transport: tr}
}
