package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// CodePushedAuthorizationRequestError is the code of an [*Error] when the
// pushed authorization request endpoint cannot be reached or answers
// something unusable (a refusal by the provider is a
// [CodeAuthorizationError] wrapping its [*OAuthError]).
const CodePushedAuthorizationRequestError = "pushed_authorization_request_error"

// maxPARInFlight bounds the pushed authorization requests one client has
// in flight. With PAR every visit of the login route is a call to the
// provider; the bound keeps a flood of anonymous logins from turning into
// unbounded concurrent calls (and from exhausting the tenant's rate
// limit any faster than the provider answers). Past it, logins fail fast.
const maxPARInFlight = 64

// pushAuthorizationRequest sends the authorization request to the
// provider's PAR endpoint (RFC 9126), authenticated like every token
// endpoint call, and returns the URL the browser is sent to: the
// authorization endpoint with client_id and request_uri only.
func (c *Client) pushAuthorizationRequest(ctx context.Context, p *provider, params map[string]string, redirectURI string, t *transaction) (string, error) {
	if p.meta.PAREndpoint == "" {
		return "", &Error{Code: CodePushedAuthorizationRequestError,
			Message: "pushed authorization requests are enabled but the provider publishes no pushed_authorization_request_endpoint"}
	}
	form, err := url.ParseQuery(authorizeQuery(params, c.cfg.ClientID, redirectURI, t, c.dpopJKT()))
	if err != nil {
		return "", &Error{Code: CodeAuthorizationError, Message: "the authorization request cannot be encoded", Err: err}
	}
	select {
	case c.parSlots <- struct{}{}:
	default:
		return "", &Error{Code: CodePushedAuthorizationRequestError, Message: "too many pushed authorization requests in flight"}
	}
	body, err := c.postForm(ctx, p, p.meta.PAREndpoint, form)
	<-c.parSlots
	if err != nil {
		var oe *OAuthError
		if errors.As(err, &oe) && oe.StatusCode/100 == 4 && oe.Code != "invalid_client" {
			return "", &Error{Code: CodeAuthorizationError, Message: "the provider refused the pushed authorization request", Err: err}
		}
		return "", &Error{Code: CodePushedAuthorizationRequestError, Message: "the pushed authorization request failed", Err: err}
	}
	var out struct {
		RequestURI string `json:"request_uri"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.RequestURI == "" {
		return "", &Error{Code: CodePushedAuthorizationRequestError, Message: "the pushed authorization response carries no request_uri", Err: err}
	}
	sep := "?"
	if strings.Contains(p.meta.AuthorizationEndpoint, "?") {
		sep = "&"
	}
	return p.meta.AuthorizationEndpoint + sep + "client_id=" + url.QueryEscape(c.cfg.ClientID) +
		"&request_uri=" + url.QueryEscape(out.RequestURI), nil
}
