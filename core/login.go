package auth0kit

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// LoginOptions customise one interactive login.
type LoginOptions struct {
	// AuthorizationParams are sent to /authorize and win over the configured
	// ones key by key (scope is replaced, not merged). Protected parameters
	// (client_id, response_type, code_challenge, code_challenge_method,
	// state, nonce) are ignored; redirect_uri is honoured like RedirectURI
	// (the login route never takes it from its query).
	AuthorizationParams map[string]string
	// ReturnTo is where the user lands after the callback. It must be a
	// relative path or a URL of the application's origin; anything else is
	// replaced by the sign-in return path (default /).
	ReturnTo string
	// AppState is any JSON-encodable value handed back to the OnCallback
	// hook in [CallbackInfo].AppState.
	AppState any
	// Organization (an org_… id or a name) logs the user into an Auth0
	// organization; the ID token's org_id (or org_name, compared
	// case-insensitively) must then match it, or the callback fails with
	// [*OrganizationMismatchError]. The organization authorization
	// parameter (and /auth/login?organization=…) does the same.
	Organization string
	// Invitation is an organization invitation ticket id (needs an
	// organization), as in /auth/login?organization=…&invitation=….
	Invitation string
	// AuthorizationDetails is a Rich Authorization Requests array (RFC
	// 9396, JSON); the granted details come back in
	// [CallbackInfo].AuthorizationDetails.
	AuthorizationDetails json.RawMessage
	// RedirectURI replaces the callback URL of this login (server-js's
	// authorizationParams.redirect_uri, also accepted there). It must be on
	// the application's own origin (a path, or an absolute URL of the base
	// URL's origin), and is kept in the transaction for the code exchange.
	RedirectURI string

	// flow and forced are set by StartLinkUser/StartUnlinkUser: the
	// transaction's flow and the parameters no caller can override.
	flow   string
	forced map[string]string
}

// protectedParams can never be set by a caller.
var protectedParams = map[string]bool{
	"client_id": true, "redirect_uri": true, "response_type": true,
	"code_challenge": true, "code_challenge_method": true, "state": true, "nonce": true,
}

// StartLogin begins an interactive login: it stores a transaction (state,
// nonce, PKCE verifier, returnTo) in a cookie and returns the provider's
// authorization URL to redirect the browser to. Authorization code flow
// with PKCE S256, state and nonce, always.
func (c *Client) StartLogin(ctx context.Context, opts LoginOptions) (string, error) {
	ex, err := c.requestExchange(ctx)
	if err != nil {
		return "", err
	}
	return c.startLogin(ctx, ex, opts)
}

// startLogin is [Client.StartLogin] for an exchange (nil: the one bound to ctx).
func (c *Client) startLogin(ctx context.Context, ex adapter.Exchange, opts LoginOptions) (string, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	base, err := c.baseURL(ex)
	if err != nil {
		return "", err
	}
	params := make(map[string]string, len(c.cfg.AuthorizationParams)+len(opts.AuthorizationParams))
	for k, v := range c.cfg.AuthorizationParams {
		params[k] = v
	}
	for k, v := range opts.AuthorizationParams {
		if !protectedParams[k] {
			params[k] = v
		}
	}
	if _, perCall := opts.AuthorizationParams["scope"]; !perCall {
		params["scope"] = c.scopeFor(params["audience"])
	}
	redirectURI := params["redirect_uri"] // from configuration
	delete(params, "redirect_uri")
	perCall := opts.RedirectURI
	if perCall == "" {
		perCall = opts.AuthorizationParams["redirect_uri"] // server-js's authorizationParams.redirect_uri
	}
	if perCall != "" {
		if redirectURI, err = sameOriginURL(perCall, base); err != nil {
			return "", err
		}
	}
	if redirectURI == "" {
		redirectURI = absoluteURL(base, base.EscapedPath()+c.s.routes.Callback)
	}
	if err := loginExtensions(params, opts); err != nil {
		return "", err
	}
	if !hasScope(params["scope"], "openid") {
		params["scope"] = strings.TrimSpace("openid " + params["scope"])
	}
	for k, v := range opts.forced {
		if v == "" {
			delete(params, k)
		} else {
			params[k] = v
		}
	}
	var maxAge *int64
	if v, ok := params["max_age"]; ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || strings.TrimLeft(v, "0123456789") != "" {
			// The value stays out of the answer (Message); Err keeps it
			// for the logs.
			return "", &Error{Code: CodeAuthorizationError, Message: "invalid max_age: must be a non-negative integer",
				Err: errors.New("max_age " + strconv.Quote(v))}
		}
		maxAge = &n
	}
	returnTo, ok := SafeReturnTo(opts.ReturnTo, base)
	if !ok {
		returnTo = c.cfg.SignInReturnToPath
	}
	t := &transaction{
		Nonce: randomToken(), CodeVerifier: randomToken(), ResponseType: "code",
		State: randomToken(), ReturnTo: returnTo, MaxAge: maxAge,
		Scope: clamp(params["scope"]), Audience: clamp(params["audience"]),
		RedirectURI: redirectURI, Organization: clamp(params["organization"]), Flow: opts.flow,
	}
	if c.resolverMode() {
		if t.Issuer, err = c.issuer(ctx); err != nil {
			return "", err
		}
	}
	if opts.AppState != nil {
		b, err := json.Marshal(opts.AppState)
		if err != nil {
			return "", &Error{Code: CodeAuthorizationError, Message: "appState is not JSON-encodable", Err: err}
		}
		t.AppState = b
	}
	if opts.flow == "" && (c.cfg.PushedAuthorizationRequests || p.meta.RequirePAR) {
		loc, err := c.pushAuthorizationRequest(ctx, p, params, redirectURI, t)
		if err != nil {
			return "", err
		}
		if err := c.saveTransaction(ex, t); err != nil {
			return "", err
		}
		return loc, nil
	}
	if err := c.saveTransaction(ex, t); err != nil {
		return "", err
	}
	return authorizeURL(p.meta.AuthorizationEndpoint, params, c.cfg.ClientID, redirectURI, t, c.dpopJKT()), nil
}

// authorizeURL builds the query in nextjs-auth0's order: the merged
// parameters (sorted, for stable URLs), then the protocol parameters.
func authorizeURL(endpoint string, params map[string]string, clientID, redirectURI string, t *transaction, jkt string) string {
	sep := "?"
	if strings.Contains(endpoint, "?") {
		sep = "&"
	}
	return endpoint + sep + authorizeQuery(params, clientID, redirectURI, t, jkt)
}

// authorizeQuery is the query of an authorization request; jkt, when set,
// is the DPoP key's thumbprint (dpop_jkt, RFC 9449 §10), last as in
// nextjs-auth0.
func authorizeQuery(params map[string]string, clientID, redirectURI string, t *transaction, jkt string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var q strings.Builder
	add := func(k, v string) {
		if q.Len() > 0 {
			q.WriteByte('&')
		}
		q.WriteString(url.QueryEscape(k))
		q.WriteByte('=')
		q.WriteString(url.QueryEscape(v))
	}
	for _, k := range keys {
		if k == "dpop_jkt" && jkt != "" {
			continue
		}
		add(k, params[k])
	}
	add("client_id", clientID)
	add("redirect_uri", redirectURI)
	add("response_type", "code")
	add("code_challenge", pkceChallenge(t.CodeVerifier))
	add("code_challenge_method", "S256")
	add("state", t.State)
	add("nonce", t.Nonce)
	if jkt != "" {
		add("dpop_jkt", jkt)
	}
	return q.String()
}

func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// clamp drops values longer than nextjs-auth0's 2048-byte limit.
func clamp(v string) string {
	if len(v) > maxReturnToLength {
		return ""
	}
	return v
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
