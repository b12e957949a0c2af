package auth0kit

import (
	"context"
	"strings"

	"golang.org/x/oauth2"
)

// TokenSource returns an oauth2.TokenSource of the logged-in user's Bearer
// access tokens for opts (through [Client.GetAccessToken]), so code
// written for golang.org/x/oauth2 (oauth2.NewClient) works unchanged. Like
// [Client.Fetcher] it is bound to ctx, the incoming request's context. A
// DPoP-bound token is refused with a [*DPoPError] (code
// CodeDPoPBoundToken): use [Client.Fetcher] for DPoP.
func (c *Client) TokenSource(ctx context.Context, opts AccessTokenOptions) oauth2.TokenSource {
	return &tokenSource{c: c, ctx: ctx, opts: opts}
}

type tokenSource struct {
	c    *Client
	ctx  context.Context
	opts AccessTokenOptions
}

// Token implements oauth2.TokenSource.
func (s *tokenSource) Token() (*oauth2.Token, error) {
	at, err := s.c.GetAccessToken(s.ctx, s.opts)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(at.TokenType, "DPoP") {
		return nil, &DPoPError{Code: CodeDPoPBoundToken}
	}
	return &oauth2.Token{AccessToken: at.Token, TokenType: "Bearer", Expiry: at.ExpiresAt}, nil
}
