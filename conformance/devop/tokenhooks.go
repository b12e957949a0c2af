package devop

import (
	"net/http"
	"slices"
	"time"
)

// injectedError is a token endpoint error registered by FailNextToken.
type injectedError struct {
	grantType string // "" matches any grant type
	err       *oauthError
}

// SetAccessTokenTTL changes the lifetime of the access tokens (and
// federated connection access tokens) issued from now on; tokens already
// issued keep theirs. d <= 0 restores DefaultAccessTokenTTL. Use it to get
// short-lived tokens in the middle of a test.
func (p *Provider) SetAccessTokenTTL(d time.Duration) {
	if d <= 0 {
		d = DefaultAccessTokenTTL
	}
	p.mu.Lock()
	p.atTTL = d
	p.mu.Unlock()
}

// FailNextToken makes the next token endpoint request whose grant_type is
// grantType (any grant type when grantType is "") fail with an HTTP status
// and a JSON body {"error": errCode, "error_description": desc}, without
// being processed: nothing is consumed, rotated or issued. The request is
// still counted by [Provider.TokenRequests]. Each call injects one error;
// errors registered by several calls are used in call order. status 0
// means 400 and an empty errCode means "server_error" for 5xx statuses and
// "invalid_request" otherwise.
func (p *Provider) FailNextToken(grantType string, status int, errCode, desc string) {
	if status == 0 {
		status = http.StatusBadRequest
	}
	if errCode == "" {
		errCode = "invalid_request"
		if status >= 500 {
			errCode = "server_error"
		}
	}
	p.mu.Lock()
	p.injected = append(p.injected, injectedError{grantType, &oauthError{status: status, code: errCode, description: desc}})
	p.mu.Unlock()
}

// takeInjectedLocked removes and returns the first injected error for
// grantType, if any. Callers hold p.mu.
func (p *Provider) takeInjectedLocked(grantType string) *oauthError {
	for i, e := range p.injected {
		if e.grantType == "" || e.grantType == grantType {
			p.injected = slices.Delete(p.injected, i, i+1)
			return e.err
		}
	}
	return nil
}

// DelayToken makes every later token endpoint response, successful or
// not, wait d after the request has been processed and before the answer
// is written, so that tests can have several token requests in flight at
// once. State changes (code consumption, refresh token rotation) happen
// before the delay. d <= 0 removes the delay. A request whose client goes
// away stops waiting.
func (p *Provider) DelayToken(d time.Duration) {
	p.mu.Lock()
	p.tokenDelay = max(d, 0)
	p.mu.Unlock()
}

// isAPIAudience reports whether aud is one of the API audiences
// (Options.APIAudiences and Options.MFAAudiences).
func (p *Provider) isAPIAudience(aud string) bool {
	return slices.Contains(p.apiAudiences, aud)
}

// checkAudience accepts the issuer's userinfo endpoint and the API
// audiences, and answers anything else like Auth0 does for an unknown
// resource server.
func (p *Provider) checkAudience(aud string) *oauthError {
	if aud == p.endpoint("userinfo") || p.isAPIAudience(aud) {
		return nil
	}
	return &oauthError{status: http.StatusForbidden, code: "access_denied", description: "Service not found: " + safeDesc(aud)}
}
