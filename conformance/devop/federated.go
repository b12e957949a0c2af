package devop

import (
	"net/url"
	"slices"
	"time"
)

// Token types of RFC 8693 and Auth0's Token Vault.
const (
	tokenTypeAccessToken  = "urn:ietf:params:oauth:token-type:access_token"
	tokenTypeRefreshToken = "urn:ietf:params:oauth:token-type:refresh_token"
	tokenTypeIDToken      = "urn:ietf:params:oauth:token-type:id_token"
	tokenTypeFederated    = "http://auth0.com/oauth/token-type/federated-connection-access-token"
)

// federatedScope is the scope reported for federated connection access
// tokens.
const federatedScope = "openid profile email"

// federatedGrant serves Auth0's Token Vault grant: it exchanges a refresh
// token or an access token issued by devop for an (opaque) access token of
// the user's account at an upstream identity provider (connection).
func (p *Provider) federatedGrant(client Client, form url.Values) (map[string]any, *oauthError) {
	conn, subject, subjectType := form.Get("connection"), form.Get("subject_token"), form.Get("subject_token_type")
	switch {
	case conn == "":
		return nil, errInvalidRequest("connection is required")
	case subject == "":
		return nil, errInvalidRequest("subject_token is required")
	case subjectType == "":
		return nil, errInvalidRequest("subject_token_type is required")
	case subjectType != tokenTypeRefreshToken && subjectType != tokenTypeAccessToken:
		return nil, errInvalidRequest("subject_token_type must be " + tokenTypeRefreshToken + " or " + tokenTypeAccessToken)
	case form.Get("requested_token_type") == "":
		return nil, errInvalidRequest("requested_token_type is required")
	case form.Get("requested_token_type") != tokenTypeFederated:
		return nil, errInvalidRequest("requested_token_type must be " + tokenTypeFederated)
	case form.Get("audience") != "" || form.Get("resource") != "":
		return nil, errInvalidRequest("audience and resource are not allowed with this grant")
	case !slices.Contains(p.connections, conn):
		return nil, errInvalidRequest("connection " + safeDesc(conn) + " is not enabled for this client")
	}

	var email string
	if subjectType == tokenTypeRefreshToken {
		p.mu.Lock()
		rec, ok := p.refreshTokens[subject]
		var g *grant
		if ok {
			g = p.grants[rec.grantID]
		}
		p.mu.Unlock()
		switch {
		case !ok:
			if _, reason := p.checkAccessToken(subject); reason == "" {
				return nil, errInvalidGrant("subject_token is an access token, not a refresh token")
			}
			return nil, errInvalidGrant("subject_token is not a valid refresh token")
		case g.clientID != client.ID:
			return nil, errInvalidGrant("subject_token was issued to another client")
		case g.revoked:
			return nil, errInvalidGrant("subject_token has been revoked")
		case rec.rotated:
			return nil, errInvalidGrant("subject_token has already been exchanged (rotated)")
		}
		email = g.email
	} else {
		at, reason := p.checkAccessToken(subject)
		if reason != "" {
			p.mu.Lock()
			_, isRT := p.refreshTokens[subject]
			p.mu.Unlock()
			if isRT {
				return nil, errInvalidGrant("subject_token is a refresh token, not an access token")
			}
			return nil, errInvalidGrant("subject_token is not a valid access token: " + reason)
		}
		email = at.email
	}

	p.mu.Lock()
	ttl := p.atTTL
	p.mu.Unlock()
	p.log.Info("devop: federated connection access token issued", "client_id", client.ID, "connection", conn, "email", email)
	return map[string]any{
		"access_token":      "fca_" + randomString(32),
		"token_type":        "Bearer",
		"expires_in":        int64(ttl / time.Second),
		"scope":             federatedScope,
		"issued_token_type": tokenTypeFederated,
	}, nil
}
