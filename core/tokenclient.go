package auth0kit

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxResponseBody caps what is read from the provider (1 MiB, as
// nextjs-auth0 does).
const maxResponseBody = 1 << 20

// tokenResponse is a token endpoint success (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string      `json:"access_token"`
	IDToken      string      `json:"id_token"`
	RefreshToken string      `json:"refresh_token"`
	TokenType    string      `json:"token_type"`
	Scope        string      `json:"scope"`
	ExpiresIn    json.Number `json:"expires_in"`
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

// authenticate adds client authentication to a token-endpoint form:
// client_secret_post, Auth0's SDKs' default.
func (c *Client) authenticate(form url.Values) {
	form.Set("client_id", c.cfg.ClientID)
	if c.cfg.ClientSecret != "" {
		form.Set("client_secret", c.cfg.ClientSecret)
	}
}

// postForm sends an authenticated form to a provider endpoint and returns
// the response body of a 2xx answer. Any other answer becomes an
// [*OAuthError] (the provider's error JSON, or a generic one).
func (c *Client) postForm(ctx context.Context, endpoint string, form url.Values) ([]byte, error) {
	c.authenticate(form)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		oe := &OAuthError{StatusCode: resp.StatusCode, body: body}
		var raw struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
			URI         string `json:"error_uri"`
		}
		if json.Unmarshal(body, &raw) == nil && raw.Error != "" {
			oe.Code, oe.Description, oe.URI = raw.Error, raw.Description, raw.URI
		} else {
			oe.Code = "server_error"
			oe.Description = "unexpected status " + strconv.Itoa(resp.StatusCode)
		}
		return nil, oe
	}
	return body, nil
}

// tokenRequest calls the token endpoint.
func (c *Client) tokenRequest(ctx context.Context, p *provider, form url.Values) (*tokenResponse, error) {
	body, err := c.postForm(ctx, p.meta.TokenEndpoint, form)
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
