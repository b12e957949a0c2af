package auth0kit

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// Connection token error codes (nextjs-auth0's AccessTokenForConnectionError).
const CodeFailedToExchangeRefreshToken = "failed_to_exchange_refresh_token"

// Token Vault grant and token types.
const (
	grantFederatedConnection      = "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token"
	tokenTypeFederatedConnection  = "http://auth0.com/oauth/token-type/federated-connection-access-token"
	TokenTypeRefreshToken         = "urn:ietf:params:oauth:token-type:refresh_token"
	TokenTypeAccessToken          = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeIDToken              = "urn:ietf:params:oauth:token-type:id_token"
	connectionTokenSetsSessionKey = "connectionTokenSets"
)

// ConnectionTokenOptions select a federated connection's token.
type ConnectionTokenOptions struct {
	// Connection is the Auth0 connection, e.g. "google-oauth2".
	Connection string
	// LoginHint picks one of several accounts of the connection; tokens
	// are cached per connection and login hint.
	LoginHint string
	// SubjectTokenType is the token exchanged: the refresh token (default,
	// TokenTypeRefreshToken) or the access token (TokenTypeAccessToken).
	SubjectTokenType string
}

// ConnectionTokenSet is a cached federated connection token, kept in the
// session under "connectionTokenSets" (nextjs-auth0's field).
type ConnectionTokenSet struct {
	AccessToken string `json:"accessToken"`
	Scope       string `json:"scope,omitempty"`
	ExpiresAt   int64  `json:"expiresAt"`
	Connection  string `json:"connection"`
	LoginHint   string `json:"loginHint,omitempty"`
}

// GetAccessTokenForConnection returns an access token for a federated
// connection (Auth0 Token Vault), exchanging the session's refresh token
// (or access token) for it. Tokens are cached in the session per
// connection and login hint until they expire. Errors: [ErrNoSession],
// [ErrMissingRefreshToken], or an [*Error] with code
// failed_to_exchange_refresh_token wrapping the provider's answer (the stale
// cache entry is then dropped).
func (c *Client) GetAccessTokenForConnection(ctx context.Context, opts ConnectionTokenOptions) (*AccessToken, error) {
	return c.getAccessTokenForConnection(ctx, nil, opts)
}

// getAccessTokenForConnection is [Client.GetAccessTokenForConnection] for an exchange (nil: the one bound to ctx).
func (c *Client) getAccessTokenForConnection(ctx context.Context, ex adapter.Exchange, opts ConnectionTokenOptions) (*AccessToken, error) {
	if opts.Connection == "" {
		return nil, &Error{Code: CodeFailedToExchangeRefreshToken, Message: "a connection is required"}
	}
	ls, err := c.requireSession(ctx, ex)
	if err != nil {
		return nil, err
	}
	defer ls.unlock()
	s := ls.s
	sets := connectionTokenSets(s)
	now := c.s.now()
	idx := -1
	for i, t := range sets {
		if t.Connection == opts.Connection && t.LoginHint == opts.LoginHint {
			idx = i
			if t.AccessToken != "" && now.Add(c.s.refreshLeeway).Unix() < t.ExpiresAt {
				return &AccessToken{Token: t.AccessToken, Scope: t.Scope, TokenType: "Bearer",
					ExpiresAt: time.Unix(t.ExpiresAt, 0)}, nil
			}
		}
	}
	subjectType := firstNonEmpty(opts.SubjectTokenType, TokenTypeRefreshToken)
	subject := s.TokenSet.RefreshToken
	if subjectType == TokenTypeAccessToken {
		subject = s.TokenSet.AccessToken
	}
	if subject == "" {
		return nil, &Error{Code: CodeMissingRefreshToken, Message: "a refresh token is required to get an access token for a connection"}
	}
	p, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	form := url.Values{
		"grant_type": {grantFederatedConnection}, "connection": {opts.Connection},
		"subject_token": {subject}, "subject_token_type": {subjectType},
		"requested_token_type": {tokenTypeFederatedConnection},
	}
	if opts.LoginHint != "" {
		form.Set("login_hint", opts.LoginHint)
	}
	tr, err := c.tokenRequest(ctx, p, form)
	if err != nil {
		if idx >= 0 {
			next := wire.CloneSession(s)
			setConnectionTokenSets(next, append(sets[:idx:idx], sets[idx+1:]...))
			if werr := ls.save(ctx, next); werr != nil {
				c.s.logger.Warn("auth0kit: could not drop a stale connection token", "error", werr)
			}
		}
		return nil, &Error{Code: CodeFailedToExchangeRefreshToken, Message: "there was an error trying to exchange the refresh token for a connection access token", Err: err}
	}
	entry := ConnectionTokenSet{AccessToken: tr.AccessToken, Scope: tr.Scope, Connection: opts.Connection, LoginHint: opts.LoginHint}
	if n := tr.expiresIn(); n > 0 {
		entry.ExpiresAt = now.Unix() + n
	}
	// Most recently stored last; the oldest beyond the cap are dropped.
	if idx >= 0 {
		sets = append(sets[:idx:idx], sets[idx+1:]...)
	}
	sets = capOldest(append(sets, entry), c.s.maxAccessTokens)
	next := wire.CloneSession(s)
	setConnectionTokenSets(next, sets)
	if err := ls.save(ctx, next); err != nil {
		return nil, err
	}
	at := &AccessToken{Token: entry.AccessToken, Scope: entry.Scope, TokenType: firstNonEmpty(tr.TokenType, "Bearer")}
	if entry.ExpiresAt > 0 {
		at.ExpiresAt = time.Unix(entry.ExpiresAt, 0)
	}
	return at, nil
}

func connectionTokenSets(s *Session) []ConnectionTokenSet {
	var sets []ConnectionTokenSet
	if raw, ok := s.Extra[connectionTokenSetsSessionKey]; ok {
		_ = json.Unmarshal(raw, &sets)
	}
	return sets
}

func setConnectionTokenSets(s *Session, sets []ConnectionTokenSet) {
	if len(sets) == 0 {
		delete(s.Extra, connectionTokenSetsSessionKey)
		return
	}
	b, err := json.Marshal(sets)
	if err != nil {
		return
	}
	if s.Extra == nil {
		s.Extra = map[string]json.RawMessage{}
	}
	s.Extra[connectionTokenSetsSessionKey] = b
}
