package auth0kit

import (
	"context"
	"encoding/json"
	"net/url"
)

// tokenResponse is a token endpoint success (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string      `json:"access_token"`
	IDToken      string      `json:"id_token"`
	RefreshToken string      `json:"refresh_token"`
	TokenType    string      `json:"token_type"`
	Scope        string      `json:"scope"`
	ExpiresIn    json.Number `json:"expires_in"`
	// AuthorizationDetails are the granted Rich Authorization Requests
	// details (RFC 9396 §7).
	AuthorizationDetails json.RawMessage `json:"authorization_details,omitempty"`
}

// expiresIn returns expires_in in seconds (0 when absent or unreadable).
func (t *tokenResponse) expiresIn() int64 {
	if t.ExpiresIn == "" {
		return 0
	}
	if n, err := t.ExpiresIn.Int64(); err == nil {
		return n
	}
	if f, err := t.ExpiresIn.Float64(); err == nil {
		return int64(f)
	}
	return 0
}

// tokenRequest calls the token endpoint.
func (c *Client) tokenRequest(ctx context.Context, p *provider, form url.Values) (*tokenResponse, error) {
	body, err := c.postForm(ctx, p, p.meta.TokenEndpoint, form)
	if err != nil {
		return nil, err
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, &OAuthError{Code: "invalid_response", Description: "token response is not JSON"}
	}
	if tr.AccessToken == "" && tr.IDToken == "" {
		return nil, &OAuthError{Code: "invalid_response", Description: "token response carries no token"}
	}
	return &tr, nil
}
