package auth0kit

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// LogoutOptions customise one logout.
type LogoutOptions struct {
	// ReturnTo is where the provider sends the user afterwards. It must be
	// a relative path, a URL of the application's origin or of an origin
	// of LogoutConfig.ReturnToOrigins; anything else falls back to the base
	// URL.
	ReturnTo string
	// Federated also logs the user out of the upstream identity provider.
	Federated bool
	// State is passed to the OIDC end_session_endpoint and back.
	State string
}

// Logout ends the session locally and returns the provider's logout URL to
// redirect the browser to. It revokes the refresh token when the provider
// has a revocation endpoint (best effort: failures are logged), deletes the
// session (cookies and store record) and every transaction cookie. The
// local session is ended even when discovery fails; the error is returned
// with an empty URL then.
func (c *Client) Logout(ctx context.Context, opts LogoutOptions) (string, error) {
	ex, err := c.requestExchange(ctx)
	if err != nil {
		return "", err
	}
	return c.logout(ctx, ex, opts)
}

// logout is [Client.Logout] for an exchange (nil: the one bound to ctx).
func (c *Client) logout(ctx context.Context, ex adapter.Exchange, opts LogoutOptions) (string, error) {
	rs := c.state(ctx, ex)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	cs := rs.cookieLocked()
	sess, loadErr := c.load(ctx, cs)
	if loadErr != nil {
		c.s.logger.Warn("auth0kit: logout could not read the session record", "error", loadErr)
	}
	if sess != nil && c.resolverMode() {
		// Another domain's session is neither revoked nor deleted here.
		ok, err := c.sessionDomainOK(ctx, rs, sess)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", domainMismatch()
		}
		ctx = withIssuer(ctx, sess.Internal.MCDIssuer)
	}
	// Stale copies of the cookie get no rotated tokens from the memo.
	c.tokens.forget(memoSession(cs.id, sess), c.s.now(), c.s.refreshMemo)
	c.revokeLocally(ctx, sess)
	c.deleteAllTransactions(ex)
	if err := c.deleteSession(ctx, ex, cs); err != nil {
		// The user asked to leave: the cookies go even when the store is
		// down (its record then expires on its own), and the provider
		// logout below runs without the session's hints.
		c.s.logger.Warn("auth0kit: logout could not delete the session record; cookies cleared", "error", err)
		c.clearSessionCookies(ex, cs)
	}
	base, err := c.baseURL(ex)
	if err != nil {
		return "", err
	}
	returnTo := base.String()
	if p, ok := SafeReturnTo(opts.ReturnTo, base); ok {
		returnTo = absoluteURL(base, p)
	} else if u, ok := c.allowedLogoutReturn(opts.ReturnTo); ok {
		returnTo = u
	}
	p, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	if sess != nil && sess.TokenSet.RefreshToken != "" {
		c.revoke(ctx, p, sess.TokenSet.RefreshToken)
	}
	strategy := c.cfg.LogoutStrategy
	if strategy == "" || strategy == LogoutAuto {
		strategy = LogoutV2
		if p.meta.EndSessionEndpoint != "" {
			strategy = LogoutOIDC
		} else {
			c.s.logger.Debug("auth0kit: provider has no end_session_endpoint; using /v2/logout")
		}
	}
	if strategy == LogoutV2 {
		u, err := url.Parse(p.meta.Issuer)
		if err != nil {
			return "", &Error{Code: CodeLogoutError, Message: "issuer is not a URL", Err: err}
		}
		u = u.ResolveReference(&url.URL{Path: "/v2/logout"})
		q := url.Values{"returnTo": {returnTo}, "client_id": {c.cfg.ClientID}}
		if opts.Federated {
			q.Set("federated", "")
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	if p.meta.EndSessionEndpoint == "" {
		return "", &Error{Code: CodeLogoutError, Message: "OIDC RP-Initiated Logout is not supported by the authorization server; use another logout strategy"}
	}
	u, err := url.Parse(p.meta.EndSessionEndpoint)
	if err != nil {
		return "", &Error{Code: CodeLogoutError, Message: "end_session_endpoint is not a URL", Err: err}
	}
	q := u.Query()
	q.Set("client_id", c.cfg.ClientID)
	q.Set("post_logout_redirect_uri", returnTo)
	if opts.State != "" {
		q.Set("state", opts.State)
	}
	if sess != nil {
		if sess.Internal.SID != "" {
			q.Set("logout_hint", sess.Internal.SID)
		}
		if c.s.idTokenHint && sess.TokenSet.IDToken != "" {
			q.Set("id_token_hint", sess.TokenSet.IDToken)
		}
	}
	if opts.Federated {
		q.Set("federated", "")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// localLogoutKey is the revocation list entry of a stateless session ended
// by a local logout: its sid and creation time, so that a later login that
// gets the same sid from the provider (whose session may have survived) is
// not refused.
func localLogoutKey(s *Session) string {
	return "logout:" + s.Internal.SID + "@" + strconv.FormatInt(s.Internal.CreatedAt, 10)
}

// revokeLocally records a stateless session's logout in the revocation
// list (when one is configured), so a copy of its cookie is refused
// afterwards. Sessions without a sid cannot be named and are not recorded;
// a failure is logged, never returned (the cookies are cleared anyway).
func (c *Client) revokeLocally(ctx context.Context, sess *Session) {
	if c.revocations == nil || c.store != nil || sess == nil {
		return
	}
	if sess.Internal.SID == "" {
		c.s.logger.Debug("auth0kit: the session has no sid; its logout is not recorded in the revocation list")
		return
	}
	now := c.s.now()
	until := now.Add(c.s.absolute)
	if c.s.absolute <= 0 {
		until = now.Add(30 * 24 * time.Hour)
	}
	if err := c.revocations.Revoke(ctx, sessionstore.LogoutTokenClaims{SID: localLogoutKey(sess)}, now, until); err != nil {
		c.s.logger.Warn("auth0kit: could not record the logout in the revocation list", "error", err)
	}
}

// revoke revokes a refresh token at the revocation endpoint (RFC 7009).
// It is best effort: a failure is logged, never returned.
func (c *Client) revoke(ctx context.Context, p *provider, token string) {
	if p.meta.RevocationEndpoint == "" {
		c.s.logger.Debug("auth0kit: provider has no revocation_endpoint; refresh token not revoked")
		return
	}
	_, err := c.postForm(ctx, p, p.meta.RevocationEndpoint, url.Values{
		"token": {token}, "token_type_hint": {"refresh_token"},
	})
	if err != nil {
		c.s.logger.Warn("auth0kit: refresh token revocation failed", "error", err)
	}
}
