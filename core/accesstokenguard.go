package auth0kit

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// Access token route refusals (GET /auth/access-token).
const (
	// CodeCrossSiteRequest: the request carried no same-origin signal.
	CodeCrossSiteRequest = "cross_site_request"
	// CodeAudienceNotAllowed: the audience is not one the app configured.
	CodeAudienceNotAllowed = "audience_not_allowed"
	// CodeScopeNotAllowed: a scope is not configured for the audience.
	CodeScopeNotAllowed = "scope_not_allowed"
)

// AccessTokenRequestHeader is the custom header that marks a request to
// /auth/access-token as made by the application's own script when the
// browser sends no Sec-Fetch-Site header (browsers before 2023, server-side
// or native clients). Any non-empty value is accepted: a cross-site page
// cannot set a custom header without a CORS preflight, which the SDK never
// grants.
const AccessTokenRequestHeader = "X-Requested-With"

// ErrAccessTokenRequest matches every [*AccessTokenRequestError].
var ErrAccessTokenRequest = errors.New("auth0kit: access token request refused")

// AccessTokenRequestError is a request to /auth/access-token refused before
// any session or network work: 403 for a request without a same-origin
// signal, 400 for an audience or scope the application did not configure.
type AccessTokenRequestError struct {
	Status  int    // 400 or 403
	Code    string // CodeCrossSiteRequest, CodeAudienceNotAllowed or CodeScopeNotAllowed
	Message string
}

func (e *AccessTokenRequestError) Error() string { return "auth0kit: " + e.Message }

// Is reports whether target is [ErrAccessTokenRequest].
func (e *AccessTokenRequestError) Is(target error) bool { return target == ErrAccessTokenRequest }

// sameOriginRequest reports whether the request carries a same-origin
// signal: Sec-Fetch-Site same-origin or none (typed in the address bar),
// or the [AccessTokenRequestHeader]. A GET carries SameSite=Lax cookies on
// a cross-site top-level navigation, so without this check any site could
// make the app refresh tokens on the user's behalf. A request with neither
// header is refused too: old browsers and non-browser clients must send
// the custom header.
func sameOriginRequest(ex adapter.Exchange) bool {
	if ex.Header(AccessTokenRequestHeader) != "" {
		return true
	}
	switch strings.ToLower(ex.Header("Sec-Fetch-Site")) {
	case "same-origin", "none":
		return true
	}
	return false
}

// checkAccessTokenQuery allows only what the application configured: an
// audience that is the default audience or a key of AudienceScopes (none:
// the login's audience), and scopes within the audience's configured
// scope. Options beat the query: a visitor cannot widen them.
func (c *Client) checkAccessTokenQuery(q url.Values) *AccessTokenRequestError {
	if len(q.Get("audience")) > 2048 || len(q.Get("scope")) > 4096 {
		return &AccessTokenRequestError{Status: http.StatusBadRequest, Code: CodeAudienceNotAllowed,
			Message: "the audience or scope is too long"}
	}
	aud := q.Get("audience")
	if aud != "" && aud != c.cfg.AuthorizationParams["audience"] {
		if _, ok := c.cfg.AudienceScopes[aud]; !ok {
			return &AccessTokenRequestError{Status: http.StatusBadRequest, Code: CodeAudienceNotAllowed,
				Message: "the audience is not configured for this application"}
		}
	}
	if scope := q.Get("scope"); scope != "" {
		allowed := c.scopeFor(firstNonEmpty(aud, c.cfg.AuthorizationParams["audience"]))
		if !scopeCovers(allowed, scope) {
			return &AccessTokenRequestError{Status: http.StatusBadRequest, Code: CodeScopeNotAllowed,
				Message: "the scope is not configured for this audience"}
		}
	}
	return nil
}

// accessTokenRequestResponse renders a refusal in the route's error shape
// {"error":{"message","code"}}; the message never echoes the query.
func accessTokenRequestResponse(e *AccessTokenRequestError) *adapter.Response {
	return errorJSON(e.Status, e.Code, e.Message)
}
