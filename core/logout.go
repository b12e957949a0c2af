package auth0kit

import (
	"context"
	"net/url"
)

// LogoutOptions customise one logout.
type LogoutOptions struct {
	// ReturnTo is where the provider sends the user afterwards. It must be
	// a relative path or a URL of the application's origin; anything else
	// falls back to the base URL.
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
func (c *Client) Logout(ctx context.Context, ex Exchange, opts LogoutOptions) (string, error) {
	rs := c.state(ctx, ex)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	cs := rs.cookieLocked()
	sess, loadErr := c.load(ctx, cs)
	if loadErr != nil {
		c.s.logger.Warn("auth0kit: logout could not read the session record", "error", loadErr)
	}
	c.deleteAllTransactions(ex)
	if err := c.deleteSession(ctx, ex, cs); err != nil {
		return "", err
	}
	base, err := c.BaseURL(ex)
	if err != nil {
		return "", err
	}
	returnTo := base.String()
	if p, ok := SafeReturnTo(opts.ReturnTo, base); ok {
		returnTo = absoluteURL(base, p)
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
