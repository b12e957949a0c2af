package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// CIBA error codes (nextjs-auth0's names).
const (
	CodeBackchannelNotSupported = "backchannel_authentication_not_supported_error"
	CodeBackchannelError        = "backchannel_authentication_error"
)

// ErrBackchannel matches every Client-Initiated Backchannel Authentication
// failure.
var ErrBackchannel = errors.New("auth0kit: backchannel authentication failed")

const grantCIBA = "urn:openid:params:grant-type:ciba"

// BackchannelOptions start a Client-Initiated Backchannel Authentication
// (CIBA): the user approves on another device (Auth0 Guardian).
type BackchannelOptions struct {
	// BindingMessage is shown on the user's device; required.
	BindingMessage string
	// LoginHintSub is the user to ask (their sub); required. It is sent as
	// Auth0's {"format":"iss_sub","iss":…,"sub":…} login_hint.
	LoginHintSub string
	// RequestedExpiry bounds how long the request may wait for approval.
	RequestedExpiry time.Duration
	// AuthorizationDetails is a Rich Authorization Requests array (JSON),
	// echoed back in the result.
	AuthorizationDetails json.RawMessage
	// AuthorizationParams are extra parameters (audience, scope, …);
	// scope defaults to the configured one.
	AuthorizationParams map[string]string
}

// BackchannelResult is the outcome of an approved CIBA request.
type BackchannelResult struct {
	TokenSet             TokenSet
	User                 User
	SID                  string
	AuthorizationDetails json.RawMessage
}

// GetTokenByBackchannelAuth runs a CIBA request to completion: it asks the
// provider's backchannel_authentication_endpoint, then polls the token
// endpoint honouring interval, authorization_pending, slow_down (+5 s),
// the request's expiry and ctx. No session is created (see
// [Client.LoginBackchannel]). Errors match [ErrBackchannel]; the
// provider's refusal (access_denied, expired_token) is wrapped as
// [*OAuthError].
func (c *Client) GetTokenByBackchannelAuth(ctx context.Context, opts BackchannelOptions) (*BackchannelResult, error) {
	fail := func(msg string, err error) error {
		return &Error{Code: CodeBackchannelError, Message: msg, Err: err}
	}
	if opts.BindingMessage == "" || opts.LoginHintSub == "" {
		return nil, fail("a binding message and the user's sub are required", nil)
	}
	p, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	if p.meta.BackchannelEndpoint == "" {
		return nil, &Error{Code: CodeBackchannelNotSupported, Message: "the provider does not support Client-Initiated Backchannel Authentication"}
	}
	form := url.Values{}
	for k, v := range c.cfg.AuthorizationParams {
		if k != "redirect_uri" && !protectedParams[k] {
			form.Set(k, v)
		}
	}
	for k, v := range opts.AuthorizationParams {
		if !protectedParams[k] {
			form.Set(k, v)
		}
	}
	if _, ok := opts.AuthorizationParams["scope"]; !ok {
		form.Set("scope", c.scopeFor(form.Get("audience")))
	}
	if !hasScope(form.Get("scope"), "openid") {
		form.Set("scope", "openid "+form.Get("scope"))
	}
	hint, _ := json.Marshal(map[string]string{"format": "iss_sub", "iss": p.meta.Issuer, "sub": opts.LoginHintSub})
	form.Set("login_hint", string(hint))
	form.Set("binding_message", opts.BindingMessage)
	if opts.RequestedExpiry > 0 {
		form.Set("requested_expiry", strconv.Itoa(int(opts.RequestedExpiry/time.Second)))
	}
	if len(opts.AuthorizationDetails) > 0 {
		form.Set("authorization_details", string(opts.AuthorizationDetails))
	}
	body, err := c.postForm(ctx, p, p.meta.BackchannelEndpoint, form)
	if err != nil {
		return nil, fail("the backchannel authentication request failed", err)
	}
	var started struct {
		AuthReqID string `json:"auth_req_id"`
		ExpiresIn int64  `json:"expires_in"`
		Interval  int64  `json:"interval"`
	}
	if err := json.Unmarshal(body, &started); err != nil || started.AuthReqID == "" {
		return nil, fail("the backchannel authentication response is malformed", err)
	}
	interval := 5 * time.Second
	if started.Interval > 0 {
		interval = time.Duration(started.Interval) * time.Second
	}
	expires := time.Now().Add(time.Duration(max(started.ExpiresIn, 1)) * time.Second)
	pctx, cancel := context.WithDeadline(ctx, expires)
	defer cancel()
	for {
		timer := time.NewTimer(interval)
		select {
		case <-pctx.Done():
			timer.Stop()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fail("the backchannel authentication request expired", &OAuthError{Code: "expired_token"})
		case <-timer.C:
		}
		raw, err := c.postForm(pctx, p, p.meta.TokenEndpoint, url.Values{"grant_type": {grantCIBA}, "auth_req_id": {started.AuthReqID}})
		var oe *OAuthError
		switch {
		case errors.As(err, &oe) && oe.Code == "authorization_pending":
			continue
		case errors.As(err, &oe) && oe.Code == "slow_down":
			interval += 5 * time.Second
			continue
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fail("the backchannel authentication was not approved", err)
		}
		return c.backchannelResult(ctx, p, raw, form.Get("scope"), form.Get("audience"))
	}
}

func (c *Client) backchannelResult(ctx context.Context, p *provider, raw []byte, scope, audience string) (*BackchannelResult, error) {
	var tr struct {
		tokenResponse
	}
	if err := json.Unmarshal(raw, &tr); err != nil || tr.IDToken == "" {
		return nil, &Error{Code: CodeBackchannelError, Message: "the backchannel token response is malformed", Err: err}
	}
	idt, err := c.verifyIDToken(ctx, p, tr.IDToken, idTokenChecks{})
	if err != nil {
		return nil, &Error{Code: CodeBackchannelError, Message: "the backchannel ID token is invalid", Err: err}
	}
	now := c.s.now().Unix()
	s := c.newSession(idt.claims, &tr.tokenResponse, scope, audience, now)
	return &BackchannelResult{TokenSet: s.TokenSet, User: s.User, SID: idt.sid, AuthorizationDetails: tr.AuthorizationDetails}, nil
}

// LoginBackchannel runs [Client.GetTokenByBackchannelAuth] and, once the
// user approved, logs them in: the session is saved through ex like an
// interactive login's (BeforeSessionSaved and the claim filter apply).
func (c *Client) LoginBackchannel(ctx context.Context, opts BackchannelOptions) (*Session, error) {
	ex, err := c.requestExchange(ctx)
	if err != nil {
		return nil, err
	}
	return c.loginBackchannel(ctx, ex, opts)
}

// loginBackchannel is [Client.LoginBackchannel] for an exchange (nil: the one bound to ctx).
func (c *Client) loginBackchannel(ctx context.Context, ex adapter.Exchange, opts BackchannelOptions) (*Session, error) {
	res, err := c.GetTokenByBackchannelAuth(ctx, opts)
	if err != nil {
		return nil, err
	}
	s := &Session{User: res.User, TokenSet: res.TokenSet,
		Internal: SessionInternal{SID: res.SID, CreatedAt: c.s.now().Unix()}}
	c.keepAuthorizationDetails(s, res.AuthorizationDetails)
	return c.finishLogin(ctx, ex, s)
}
