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
// DPoP (RFC 9449, core/dpop.go): sendFormOnce adds a new proof per attempt
// to token endpoint requests, and sendForm answers use_dpop_nonce with one
// retry. Fetchers (core/fetcher.go) share the same key and nonce memory.

// postForm sends an authenticated form to a provider endpoint and returns
// the response body of a 2xx answer. Any other answer becomes an
// [*OAuthError] (the provider's error JSON, or a generic one).
func (c *Client) postForm(ctx context.Context, p *provider, endpoint string, form url.Values) ([]byte, error) {
	body, _, err := c.sendForm(ctx, p, endpoint, form)
	return body, err
}

// sendForm is postForm returning the response headers too. With DPoP on,
// every token endpoint request carries a fresh proof, and a
// use_dpop_nonce answer earns one retry with the server's nonce.
func (c *Client) sendForm(ctx context.Context, p *provider, endpoint string, form url.Values) ([]byte, http.Header, error) {
	withProof := c.dpop != nil && c.dpop.on && endpoint == p.meta.TokenEndpoint
	endpoint = c.endpointFor(p, endpoint)
	for attempt := 0; ; attempt++ {
		status, header, body, err := c.sendFormOnce(ctx, p, endpoint, form, withProof)
		if err != nil {
			return nil, nil, err
		}
		if status/100 == 2 {
			return body, header, nil
		}
		if withProof && isTokenNonceError(status, header, body) {
			if attempt > 0 {
				return nil, header, &DPoPError{Code: CodeDPoPNonceRetryExhausted, Err: oauthErrorFrom(status, body)}
			}
			if err := c.dpop.wait(ctx); err != nil {
				return nil, nil, err
			}
			continue
		}
		if attempt == 0 && c.retryable(status, header, body) {
			continue
		}
		oe := oauthErrorFrom(status, body)
		if withProof && oe.Code == CodeDPoPProofRefused {
			return nil, header, &DPoPError{Code: CodeDPoPProofRefused, Err: oe}
		}
		return nil, header, oe
	}
}

// retryable reports whether a failed answer is worth exactly one retry
// besides DPoP's use_dpop_nonce, which sendForm handles itself. None is
// today.
func (c *Client) retryable(status int, header http.Header, body []byte) bool {
	return false
}

// sendFormOnce makes one attempt: it authenticates the form afresh (a
// client assertion's jti is single use, as a DPoP proof's is), adds a new
// DPoP proof when asked, sends it through the injected *http.Client and
// reads at most maxResponseBody. A DPoP-Nonce in the answer is remembered
// for the server's origin.
func (c *Client) sendFormOnce(ctx context.Context, p *provider, endpoint string, form url.Values, withProof bool) (int, http.Header, []byte, error) {
	f := make(url.Values, len(form)+3)
	for k, v := range form {
		f[k] = v
	}
	h := http.Header{}
	if err := c.auth.apply(h, f, p.meta.Issuer, c.s.now()); err != nil {
		return 0, nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(f.Encode()))
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if withProof {
		proof, err := c.dpop.proof(http.MethodPost, req.URL, "", c.s.now())
		if err != nil {
			return 0, nil, nil, err
		}
		req.Header.Set("DPoP", proof)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	if c.dpop != nil {
		c.dpop.learn(req.URL, resp.Header)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, body, nil
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
