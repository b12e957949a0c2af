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

// The outgoing-request layer: every authenticated call to the provider
// (token endpoint grants, PAR, revocation, CIBA) goes through postForm, so
// client authentication, mTLS endpoint aliases, the injected *http.Client,
// the response cap and the error mapping are written once.
//
// DPoP seam: a proof (RFC 9449) belongs in [Client.sendForm] right after
// client authentication is applied, per attempt (each attempt needs a new
// proof, as it needs a new client assertion), and a 400/401 answer with
// error use_dpop_nonce and a DPoP-Nonce header is retried once there with
// the nonce.

// postForm sends an authenticated form to a provider endpoint and returns
// the response body of a 2xx answer. Any other answer becomes an
// [*OAuthError] (the provider's error JSON, or a generic one).
func (c *Client) postForm(ctx context.Context, p *provider, endpoint string, form url.Values) ([]byte, error) {
	body, _, err := c.sendForm(ctx, p, endpoint, form)
	return body, err
}

// sendForm is postForm returning the response headers too.
func (c *Client) sendForm(ctx context.Context, p *provider, endpoint string, form url.Values) ([]byte, http.Header, error) {
	endpoint = c.endpointFor(p, endpoint)
	// Each attempt authenticates afresh (a client assertion's jti is single
	// use); there is one attempt until DPoP nonces arrive.
	f := make(url.Values, len(form)+3)
	for k, v := range form {
		f[k] = v
	}
	h := http.Header{}
	if err := c.auth.apply(h, f, p.meta.Issuer, c.s.now()); err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(f.Encode()))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, resp.Header, oauthErrorFrom(resp.StatusCode, body)
	}
	return body, resp.Header, nil
}

// oauthErrorFrom maps a non-2xx provider answer to an [*OAuthError]: the
// provider's error JSON, or a generic server_error.
func oauthErrorFrom(status int, body []byte) *OAuthError {
	oe := &OAuthError{StatusCode: status, body: body}
	var raw struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		URI         string `json:"error_uri"`
	}
	if json.Unmarshal(body, &raw) == nil && raw.Error != "" {
		oe.Code, oe.Description, oe.URI = raw.Error, raw.Description, raw.URI
	} else {
		oe.Code = "server_error"
		oe.Description = "unexpected status " + strconv.Itoa(status)
	}
	return oe
}

// endpointFor returns the mTLS alias of endpoint (RFC 8705 §5) when the
// client authenticates with a certificate and the provider publishes one.
func (c *Client) endpointFor(p *provider, endpoint string) string {
	if !c.auth.mtls() || len(p.meta.MTLSEndpointAliases) == 0 {
		return endpoint
	}
	var name string
	switch endpoint {
	case p.meta.TokenEndpoint:
		name = "token_endpoint"
	case p.meta.RevocationEndpoint:
		name = "revocation_endpoint"
	case p.meta.PAREndpoint:
		name = "pushed_authorization_request_endpoint"
	case p.meta.BackchannelEndpoint:
		name = "backchannel_authentication_endpoint"
	case p.meta.UserinfoEndpoint:
		name = "userinfo_endpoint"
	}
	if alias := p.meta.MTLSEndpointAliases[name]; name != "" && alias != "" {
		return alias
	}
	return endpoint
}
