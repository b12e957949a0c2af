package auth0kit

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// CallbackInfo describes a callback to the OnCallback hook.
type CallbackInfo struct {
	// ReturnTo is the validated path the user asked to return to ("" when
	// the transaction could not be read).
	ReturnTo string
	// AppState is the LoginOptions.AppState of the login, as JSON.
	AppState json.RawMessage
	// BaseURL is the application's base URL for this request.
	BaseURL string
	// AuthorizationDetails are the Rich Authorization Requests details the
	// provider granted (RFC 9396), from the token response; nil when none.
	AuthorizationDetails json.RawMessage
	// ResponseType is "connect_code" for the callback of a Connected
	// Accounts flow ([Client.ConnectAccount]), "code" for a login.
	ResponseType string
	// ConnectedAccount is the account a Connected Accounts flow linked.
	ConnectedAccount *ConnectedAccount
	// Flow is "link" or "unlink" when the callback completes
	// [Client.StartLinkUser] or [Client.StartUnlinkUser], "" for a login.
	Flow string
}

// callbackParams are the authorization response parameters.
type callbackParams struct {
	state, code, iss         string
	errCode, errDesc, errURI string
}

// parseCallbackParams reads the authorization response from a raw query.
// Parameters given twice are refused (RFC 6749 §3.1), as is a query that
// does not parse.
func parseCallbackParams(rawQuery string) (callbackParams, error) {
	var p callbackParams
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return p, &Error{Code: CodeAuthorizationError, Message: "the callback query is malformed", Err: err}
	}
	for _, k := range []string{"state", "code", "iss", "error", "error_description", "error_uri"} {
		if len(q[k]) > 1 {
			return p, &Error{Code: CodeAuthorizationError, Message: "the callback repeats the " + k + " parameter"}
		}
	}
	p.state, p.code, p.iss = q.Get("state"), q.Get("code"), q.Get("iss")
	p.errCode, p.errDesc, p.errURI = q.Get("error"), q.Get("error_description"), q.Get("error_uri")
	return p, nil
}

// CompleteLogin finishes an interactive login from the callback request:
// it checks state against the transaction cookie, exchanges the code,
// fully verifies the ID token and saves the session. It returns the
// session and the info the OnCallback hook gets. The transaction cookie is
// deleted once read, whatever the outcome, so a callback URL cannot be
// replayed.
func (c *Client) CompleteLogin(ctx context.Context) (*Session, CallbackInfo, error) {
	ex, err := c.requestExchange(ctx)
	if err != nil {
		return nil, CallbackInfo{}, err
	}
	return c.completeLogin(ctx, ex)
}

// completeLogin is [Client.CompleteLogin] for an exchange (nil: the one bound to ctx).
func (c *Client) completeLogin(ctx context.Context, ex adapter.Exchange) (*Session, CallbackInfo, error) {
	var info CallbackInfo
	base, err := c.baseURL(ex)
	if err != nil {
		return nil, info, err
	}
	info.BaseURL = base.String()
	params, err := parseCallbackParams(ex.RawQuery())
	if err != nil {
		return nil, info, err
	}
	if params.state == "" {
		return nil, info, &Error{Code: CodeMissingState, Message: "the state parameter is missing"}
	}
	t, err := c.loadTransaction(ex, params.state)
	if err != nil {
		return nil, info, err
	}
	c.deleteTransaction(ex, params.state)
	info.ReturnTo, info.AppState, info.ResponseType = t.ReturnTo, t.AppState, t.ResponseType
	if c.resolverMode() {
		// The transaction's domain, never the one of whatever host the
		// browser came back to: a transaction without one predates
		// resolver mode and cannot be completed.
		if t.Issuer == "" {
			return nil, info, &Error{Code: CodeInvalidState, Message: "the transaction has no domain"}
		}
		ctx = withIssuer(ctx, t.Issuer)
	}
	if t.ResponseType == responseTypeConnectCode {
		s, acct, err := c.completeConnect(ctx, ex, t, params)
		info.ConnectedAccount = acct
		return s, info, err
	}
	info.Flow = t.Flow
	p, err := c.discover(ctx)
	if err != nil {
		return nil, info, err
	}
	if params.iss != "" && params.iss != p.meta.Issuer {
		return nil, info, &Error{Code: CodeAuthorizationError, Message: "the iss parameter does not match the issuer (RFC 9207)"}
	}
	if params.iss == "" && p.meta.IssParameterSupported {
		return nil, info, &Error{Code: CodeAuthorizationError, Message: "the iss parameter is missing (RFC 9207)"}
	}
	if params.errCode != "" {
		return nil, info, &Error{Code: CodeAuthorizationError, Message: "the authorization server returned an error",
			Err: &OAuthError{Code: params.errCode, Description: params.errDesc, URI: params.errURI}}
	}
	if params.code == "" {
		return nil, info, &Error{Code: CodeAuthorizationError, Message: "the code parameter is missing"}
	}
	tr, err := c.tokenRequest(ctx, p, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {params.code},
		"redirect_uri":  {t.RedirectURI},
		"code_verifier": {t.CodeVerifier},
	})
	if err != nil {
		if _, ok := err.(*OAuthError); ok {
			return nil, info, &Error{Code: CodeAuthorizationCodeGrantError, Message: "the authorization code exchange failed", Err: err}
		}
		return nil, info, &Error{Code: CodeAuthorizationCodeGrantRequestError, Message: "the token endpoint could not be reached", Err: err}
	}
	if tr.IDToken == "" {
		return nil, info, &IDTokenError{Reason: "the token response carries no ID token"}
	}
	idt, err := c.verifyIDToken(ctx, p, tr.IDToken, idTokenChecks{nonce: t.Nonce, maxAge: t.MaxAge})
	if err != nil {
		return nil, info, err
	}
	if err := checkOrganization(t.Organization, idt.claims); err != nil {
		return nil, info, err
	}
	info.AuthorizationDetails = tr.AuthorizationDetails
	now := c.s.now().Unix()
	s := c.newSession(idt.claims, tr, t.Scope, t.Audience, now)
	c.keepAuthorizationDetails(s, tr.AuthorizationDetails)
	s.Internal.SID = idt.sid
	c.stampDomain(s, t.Issuer)
	if s.Internal.SessionExpiresAt, err = sessionExpiry(idt.claims, idt.iat); err != nil {
		return nil, info, err
	}
	return s, info, nil
}

// sessionExpiry reads the provider's session_expiry claim (unix seconds;
// 0 when absent or unusable). A value at most 30 s after the token's iat
// means the provider's session is already over: an error with code
// [CodeSessionExpired], answered 400 like any other refused callback.
func sessionExpiry(claims map[string]json.RawMessage, iat int64) (int64, error) {
	raw, ok := claims["session_expiry"]
	if !ok {
		return 0, nil
	}
	var v float64
	if json.Unmarshal(raw, &v) != nil || v <= 0 || v >= 1e10 {
		return 0, nil
	}
	if int64(v) <= iat+30 {
		return 0, &Error{Code: CodeSessionExpired, Message: "the provider's session_expiry has already passed"}
	}
	return int64(v), nil
}

// newSession builds the session of a login from the ID token claims and
// the token response. To keep the cookie lean (it must stay under the
// browser's 4 KB cookie limit), requestedScope and audience are left out
// when they equal the configured defaults: nextjs-auth0 falls back to the
// configuration for both, so its cookies and ours still read the same.
func (c *Client) newSession(claims map[string]json.RawMessage, tr *tokenResponse, scope, audience string, now int64) *Session {
	s := &Session{
		User: userFromClaims(claims, nil),
		TokenSet: TokenSet{
			AccessToken: tr.AccessToken, IDToken: tr.IDToken, RefreshToken: tr.RefreshToken,
			Scope: firstNonEmpty(tr.Scope, scope), RequestedScope: scope, Audience: audience,
			TokenType: tr.TokenType,
		},
		Internal: SessionInternal{CreatedAt: now},
	}
	if scope == c.scopeFor(audience) {
		s.TokenSet.RequestedScope = ""
	}
	if audience == c.cfg.AuthorizationParams["audience"] {
		s.TokenSet.Audience = ""
	}
	if n := tr.expiresIn(); n > 0 {
		s.TokenSet.ExpiresAt = now + n
	}
	return s
}

// finishLogin applies BeforeSessionSaved (or the default claim filter) and
// writes the new session.
func (c *Client) finishLogin(ctx context.Context, ex adapter.Exchange, s *Session) (*Session, error) {
	if c.resolverMode() && s.Internal.MCDIssuer == "" {
		// Sessions made without a transaction (CIBA) belong to the
		// request's domain.
		iss, err := c.issuer(ctx)
		if err != nil {
			return nil, err
		}
		c.stampDomain(s, iss)
	}
	internal := s.Internal
	if h := c.cfg.Hooks.BeforeSessionSaved; h != nil {
		out, err := h(ctx, s, s.TokenSet.IDToken)
		if err != nil {
			return nil, err
		}
		if out != nil {
			s = out
		}
	} else {
		s.User = filterClaims(s.User, c.s.claims)
	}
	s.Internal = internal
	rs := c.state(ctx, ex)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	cs := rs.cookieLocked()
	if err := c.writeSession(ctx, rs.ex, cs, s, true); err != nil {
		return nil, err
	}
	return s, nil
}

// userFromClaims builds a User from raw claims; keep, when non-nil, limits
// the claims kept.
func userFromClaims(claims map[string]json.RawMessage, keep map[string]bool) User {
	var u User
	str := func(raw json.RawMessage) string {
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	}
	for k, raw := range claims {
		if keep != nil && !keep[k] {
			continue
		}
		switch k {
		case "sub":
			u.Sub = str(raw)
		case "name":
			u.Name = str(raw)
		case "nickname":
			u.Nickname = str(raw)
		case "given_name":
			u.GivenName = str(raw)
		case "family_name":
			u.FamilyName = str(raw)
		case "picture":
			u.Picture = str(raw)
		case "email":
			u.Email = str(raw)
		case "org_id":
			u.OrgID = str(raw)
		case "email_verified":
			var b bool
			_ = json.Unmarshal(raw, &b)
			u.EmailVerified = b
		default:
			if u.Extra == nil {
				u.Extra = map[string]json.RawMessage{}
			}
			u.Extra[k] = raw
		}
	}
	return u
}

// filterClaims keeps the allow-listed claims of u.
func filterClaims(u User, keep map[string]bool) User {
	drop := func(claim string, field *string) {
		if !keep[claim] {
			*field = ""
		}
	}
	drop("sub", &u.Sub)
	drop("name", &u.Name)
	drop("nickname", &u.Nickname)
	drop("given_name", &u.GivenName)
	drop("family_name", &u.FamilyName)
	drop("picture", &u.Picture)
	drop("email", &u.Email)
	drop("org_id", &u.OrgID)
	if !keep["email_verified"] {
		u.EmailVerified = false
	}
	var extra map[string]json.RawMessage
	for k, v := range u.Extra {
		if keep[k] {
			if extra == nil {
				extra = map[string]json.RawMessage{}
			}
			extra[k] = v
		}
	}
	u.Extra = extra
	return u
}

func firstNonEmpty(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}
