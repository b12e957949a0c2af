package auth0kit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// MFA error codes (nextjs-auth0's MFA errors).
const (
	CodeMfaTokenNotFound      = "mfa_token_not_found"
	CodeMfaTokenExpired       = "mfa_token_expired"
	CodeMfaTokenInvalid       = "mfa_token_invalid"
	CodeMfaNoAvailableFactors = "mfa_no_available_factors"
	// CodeMfaSessionMismatch: the mfa_token was issued for another session
	// (another user or session id) than the request's, or the provider's
	// answer names another user.
	CodeMfaSessionMismatch = "mfa_session_mismatch"
	CodeInvalidRequest     = "invalid_request"
)

// Sentinels matched by [*MfaError].
var (
	ErrMfaTokenNotFound      = errors.New("auth0kit: no mfa_token was given")
	ErrMfaTokenExpired       = errors.New("auth0kit: the mfa_token has expired; restart the MFA flow")
	ErrMfaTokenInvalid       = errors.New("auth0kit: the mfa_token is invalid")
	ErrMfaNoAvailableFactors = errors.New("auth0kit: no MFA factor allowed by the requirements is available")
	ErrMfaSessionMismatch    = errors.New("auth0kit: the mfa_token belongs to another session")
)

// MfaError is a failure of the MFA API. Op names the call
// (get_authenticators, enroll, challenge, verify, delete_authenticator);
// Code is one of the CodeMfa… constants, invalid_request, or the
// provider's error code (with Err the [*OAuthError]).
type MfaError struct {
	Op          string
	Code        string
	Description string
	Err         error
}

func (e *MfaError) Error() string {
	return "auth0kit: mfa " + e.Op + ": " + e.Code + ": " + e.Description
}

// Unwrap returns the provider's error, if any.
func (e *MfaError) Unwrap() error { return e.Err }

// Is matches the MFA sentinels.
func (e *MfaError) Is(target error) bool {
	switch e.Code {
	case CodeMfaTokenNotFound:
		return target == ErrMfaTokenNotFound
	case CodeMfaTokenExpired:
		return target == ErrMfaTokenExpired
	case CodeMfaTokenInvalid:
		return target == ErrMfaTokenInvalid
	case CodeMfaNoAvailableFactors:
		return target == ErrMfaNoAvailableFactors
	case CodeMfaSessionMismatch:
		return target == ErrMfaSessionMismatch
	}
	return false
}

// MarshalJSON renders {"error","error_description"}.
func (e *MfaError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{e.Code, e.Description})
}

// MFA is the client for Auth0's MFA API, used to complete a step-up after
// [MfaRequiredError]. Every call takes the encrypted mfa_token from that
// error.
type MFA struct{ c *Client }

// MFA returns the MFA API client.
func (c *Client) MFA() *MFA { return &MFA{c: c} }

// Authenticator is an enrolled MFA factor.
type Authenticator struct {
	ID                string `json:"id"`
	AuthenticatorType string `json:"authenticator_type"`
	Active            bool   `json:"active"`
	OOBChannel        string `json:"oob_channel,omitempty"`
	Name              string `json:"name,omitempty"`
}

// open decrypts an encrypted mfa_token.
func (m *MFA) open(op, token string) (*mfaContext, error) {
	if strings.TrimSpace(token) == "" {
		return nil, &MfaError{Op: op, Code: CodeMfaTokenNotFound, Description: "An mfa_token is required."}
	}
	mc, err := m.c.openMFAToken(token, m.c.s.now().Unix())
	if err != nil {
		if errors.Is(err, wire.ErrExpired) {
			return nil, &MfaError{Op: op, Code: CodeMfaTokenExpired, Description: "MFA token has expired. Please restart the MFA flow."}
		}
		return nil, &MfaError{Op: op, Code: CodeMfaTokenInvalid, Description: "MFA token is invalid."}
	}
	return mc, nil
}

// allowedTypes lists the challenge types of the requirements ({"challenge":[{"type":…}]}).
func (mc *mfaContext) allowedTypes() []string {
	var req struct {
		Challenge []struct {
			Type string `json:"type"`
		} `json:"challenge"`
	}
	_ = json.Unmarshal(mc.MfaRequirements, &req)
	var out []string
	for _, c := range req.Challenge {
		out = append(out, strings.ToLower(c.Type))
	}
	return out
}

// call sends a JSON (or body-less) request to an MFA endpoint.
func (m *MFA) call(ctx context.Context, op, method, path, bearer string, in, out any) error {
	p, err := m.c.discover(ctx)
	if err != nil {
		return err
	}
	u, err := url.Parse(p.meta.Issuer)
	if err != nil {
		return err
	}
	u = u.ResolveReference(&url.URL{Path: strings.TrimSuffix(u.Path, "/") + path})
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := m.c.hc.Do(req)
	if err != nil {
		return &MfaError{Op: op, Code: "unexpected_error", Description: "the MFA API could not be reached", Err: err}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if resp.StatusCode/100 != 2 {
		oe := &OAuthError{StatusCode: resp.StatusCode, body: raw}
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			oe.Code, oe.Description = e.Error, e.Description
		} else {
			oe.Code, oe.Description = "unknown_error", http.StatusText(resp.StatusCode)
		}
		return &MfaError{Op: op, Code: oe.Code, Description: oe.Description, Err: oe}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return &MfaError{Op: op, Code: "unexpected_error", Description: "the MFA API answer is not JSON", Err: err}
		}
	}
	return nil
}

// GetAuthenticators lists the user's enrolled factors, keeping those whose
// type the MFA requirements allow.
func (m *MFA) GetAuthenticators(ctx context.Context, mfaToken string) ([]Authenticator, error) {
	mc, err := m.open("get_authenticators", mfaToken)
	if err != nil {
		return nil, err
	}
	var all []Authenticator
	if err := m.call(ctx, "get_authenticators", http.MethodGet, "/mfa/authenticators", mc.MfaToken, nil, &all); err != nil {
		return nil, err
	}
	allowed := mc.allowedTypes()
	if len(allowed) == 0 {
		return all, nil
	}
	var out []Authenticator
	for _, a := range all {
		for _, t := range allowed {
			if strings.EqualFold(a.AuthenticatorType, t) || (t == "oob" && a.OOBChannel != "") {
				out = append(out, a)
				break
			}
		}
	}
	return out, nil
}

// EnrollOptions enroll a new factor: FactorType otp, sms, voice (need
// PhoneNumber), email (Email) or push.
type EnrollOptions struct {
	MfaToken    string
	FactorType  string
	PhoneNumber string
	Email       string
}

// Enrollment is the provider's answer to an enrollment: an OTP secret and
// barcode URI, or an OOB code to confirm with [MFA.Verify].
type Enrollment struct {
	AuthenticatorType string   `json:"authenticator_type"`
	Secret            string   `json:"secret,omitempty"`
	BarcodeURI        string   `json:"barcode_uri,omitempty"`
	RecoveryCodes     []string `json:"recovery_codes,omitempty"`
	OOBChannel        string   `json:"oob_channel,omitempty"`
	OOBCode           string   `json:"oob_code,omitempty"`
	BindingMethod     string   `json:"binding_method,omitempty"`
}

// Enroll associates a new factor (/mfa/associate).
func (m *MFA) Enroll(ctx context.Context, opts EnrollOptions) (*Enrollment, error) {
	const op = "enroll"
	mc, err := m.open(op, opts.MfaToken)
	if err != nil {
		return nil, err
	}
	body := map[string]any{}
	bad := func(msg string) error { return &MfaError{Op: op, Code: CodeInvalidRequest, Description: msg} }
	switch opts.FactorType {
	case "otp":
		body["authenticator_types"] = []string{"otp"}
	case "sms", "voice":
		if opts.PhoneNumber == "" {
			return nil, bad("phoneNumber is required for " + opts.FactorType)
		}
		body["authenticator_types"] = []string{"oob"}
		body["oob_channels"] = []string{opts.FactorType}
		body["phone_number"] = opts.PhoneNumber
	case "email":
		body["authenticator_types"] = []string{"oob"}
		body["oob_channels"] = []string{"email"}
		if opts.Email != "" {
			body["email"] = opts.Email
		}
	case "push":
		body["authenticator_types"] = []string{"oob"}
		body["oob_channels"] = []string{"auth0"}
	default:
		return nil, bad("factorType must be otp, sms, voice, email or push")
	}
	var out Enrollment
	if err := m.call(ctx, op, http.MethodPost, "/mfa/associate", mc.MfaToken, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ChallengeOptions start a challenge for a factor.
type ChallengeOptions struct {
	MfaToken        string
	ChallengeType   string // otp or oob
	AuthenticatorID string
}

// Challenge is the provider's answer to a challenge.
type Challenge struct {
	ChallengeType string `json:"challenge_type"`
	OOBCode       string `json:"oob_code,omitempty"`
	BindingMethod string `json:"binding_method,omitempty"`
}

// Challenge asks the provider to challenge a factor (/mfa/challenge). A
// challenge type the requirements do not allow is ErrMfaNoAvailableFactors.
func (m *MFA) Challenge(ctx context.Context, opts ChallengeOptions) (*Challenge, error) {
	const op = "challenge"
	mc, err := m.open(op, opts.MfaToken)
	if err != nil {
		return nil, err
	}
	if opts.ChallengeType != "otp" && opts.ChallengeType != "oob" {
		return nil, &MfaError{Op: op, Code: CodeInvalidRequest, Description: "challengeType must be otp or oob"}
	}
	if allowed := mc.allowedTypes(); len(allowed) > 0 && !slices.Contains(allowed, opts.ChallengeType) {
		return nil, &MfaError{Op: op, Code: CodeMfaNoAvailableFactors, Description: "the challenge type is not allowed by the MFA requirements"}
	}
	p, err := m.c.discover(ctx)
	if err != nil {
		return nil, err
	}
	body, err := m.c.auth.bodyParams(p.meta.Issuer, m.c.s.now())
	if err != nil {
		return nil, err
	}
	body["mfa_token"], body["challenge_type"] = mc.MfaToken, opts.ChallengeType
	if opts.AuthenticatorID != "" {
		body["authenticator_id"] = opts.AuthenticatorID
	}
	var out Challenge
	if err := m.call(ctx, op, http.MethodPost, "/mfa/challenge", "", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAuthenticator removes an enrolled factor.
func (m *MFA) DeleteAuthenticator(ctx context.Context, mfaToken, authenticatorID string) error {
	const op = "delete_authenticator"
	mc, err := m.open(op, mfaToken)
	if err != nil {
		return err
	}
	if authenticatorID == "" || strings.ContainsAny(authenticatorID, "/?#") {
		return &MfaError{Op: op, Code: CodeInvalidRequest, Description: "a valid authenticator id is required"}
	}
	// call puts the path in url.URL.Path, whose String() escapes it ("|"
	// of Auth0's "sms|dev_…" ids becomes %7C): escaping here too sent %257C.
	return m.call(ctx, op, http.MethodDelete, "/mfa/authenticators/"+authenticatorID, mc.MfaToken, nil, nil)
}

// VerifyOptions complete a step-up with one credential: OTP, OOBCode with
// BindingCode, or RecoveryCode.
type VerifyOptions struct {
	MfaToken     string
	OTP          string
	OOBCode      string
	BindingCode  string
	RecoveryCode string
}

// VerifyResult is the outcome of a successful verification.
type VerifyResult struct {
	AccessToken *AccessToken
	// RecoveryCode is a new recovery code when one was used.
	RecoveryCode string
}

// Verify completes the step-up at the token endpoint (grants mfa-otp,
// mfa-oob, mfa-recovery-code) and returns the access token that was asked
// for. An mfa_token issued for a session (by [Client.GetAccessToken]) is
// bound to its user and session id: the request (ex, or the one an adapter
// bound to ctx, with ex nil) must carry that session, else
// [ErrMfaSessionMismatch] (403), and the token is stored in it (MRRT
// cache) so [Client.GetAccessToken] returns it from then on. An mfa_token
// issued outside a session (token exchange) is never stored in one. A
// provider asking for yet another factor answers with a new
// [*MfaRequiredError]; an ID token in its answer must name the same user.
func (m *MFA) Verify(ctx context.Context, opts VerifyOptions) (*VerifyResult, error) {
	return m.verify(ctx, nil, opts)
}

// verify is [MFA.Verify] for an exchange (nil: the one bound to ctx).
func (m *MFA) verify(ctx context.Context, ex adapter.Exchange, opts VerifyOptions) (*VerifyResult, error) {
	const op = "verify"
	mc, err := m.open(op, opts.MfaToken)
	if err != nil {
		return nil, err
	}
	if mc.Sub != "" { // refuse before spending the credential
		ls, err := m.c.lockSession(ctx, ex)
		if err != nil {
			return nil, err
		}
		err = mc.checkSession(ls.s)
		ls.unlock()
		if err != nil {
			return nil, err
		}
	}
	form := url.Values{"mfa_token": {mc.MfaToken}}
	switch {
	case opts.OTP != "":
		form.Set("grant_type", "http://auth0.com/oauth/grant-type/mfa-otp")
		form.Set("otp", opts.OTP)
	case opts.OOBCode != "" && opts.BindingCode != "":
		form.Set("grant_type", "http://auth0.com/oauth/grant-type/mfa-oob")
		form.Set("oob_code", opts.OOBCode)
		form.Set("binding_code", opts.BindingCode)
	case opts.RecoveryCode != "":
		form.Set("grant_type", "http://auth0.com/oauth/grant-type/mfa-recovery-code")
		form.Set("recovery_code", opts.RecoveryCode)
	default:
		return nil, &MfaError{Op: op, Code: CodeInvalidRequest, Description: "Missing verification credential (otp, oob_code+binding_code, or recovery_code required)"}
	}
	if mc.Audience != "" {
		form.Set("audience", mc.Audience)
	}
	if mc.Scope != "" {
		form.Set("scope", mc.Scope)
	}
	p, err := m.c.discover(ctx)
	if err != nil {
		return nil, err
	}
	body, err := m.c.postForm(ctx, p, p.meta.TokenEndpoint, form)
	if err != nil {
		var oe *OAuthError
		if errors.As(err, &oe) {
			if oe.Code == CodeMfaRequired {
				return nil, m.c.mfaRequired(oe, mfaBinding{Sub: mc.Sub, SID: mc.SID}, mc.Audience, mc.Scope)
			}
			return nil, &MfaError{Op: op, Code: oe.Code, Description: oe.Description, Err: oe}
		}
		return nil, &MfaError{Op: op, Code: "unexpected_error", Description: "the token endpoint could not be reached", Err: err}
	}
	var tr struct {
		tokenResponse
		RecoveryCode string `json:"recovery_code"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return nil, &MfaError{Op: op, Code: "unexpected_error", Description: "the token response is malformed", Err: err}
	}
	if tr.IDToken != "" && mc.Sub != "" {
		idt, err := m.c.verifyIDToken(ctx, p, tr.IDToken, idTokenChecks{})
		if err != nil {
			return nil, &MfaError{Op: op, Code: "unexpected_error", Description: "the ID token of the answer is invalid", Err: err}
		}
		if idt.sub != mc.Sub {
			return nil, mfaMismatch()
		}
	}
	now := m.c.s.now().Unix()
	set := AccessTokenSet{AccessToken: tr.AccessToken, Scope: firstNonEmpty(tr.Scope, mc.Scope),
		RequestedScope: mc.Scope, Audience: mc.Audience, TokenType: tr.TokenType}
	if n := tr.expiresIn(); n > 0 {
		set.ExpiresAt = now + n
	}
	if err := m.c.storeStepUpToken(ctx, ex, mc, set, &tr.tokenResponse); err != nil {
		return nil, err
	}
	return &VerifyResult{AccessToken: m.c.accessToken(set, mc.Audience), RecoveryCode: tr.RecoveryCode}, nil
}

// mfaMismatch is the error of an mfa_token used with another session.
func mfaMismatch() error {
	return &MfaError{Op: "verify", Code: CodeMfaSessionMismatch,
		Description: "The MFA token was issued for another session."}
}

// checkSession refuses a session other than the one the token was issued
// for (same user, and same sid when both have one).
func (mc *mfaContext) checkSession(s *Session) error {
	if s == nil || s.User.Sub != mc.Sub || (mc.SID != "" && s.Internal.SID != mc.SID) {
		return mfaMismatch()
	}
	return nil
}

// storeStepUpToken caches a step-up token in the session the mfa_token
// was issued for (the request's, checked again under the lock), with the
// rotated refresh token if the provider sent one. A token issued outside
// a session is not stored.
func (c *Client) storeStepUpToken(ctx context.Context, ex adapter.Exchange, mc *mfaContext, set AccessTokenSet, tr *tokenResponse) error {
	if mc.Sub == "" {
		return nil
	}
	ls, err := c.lockSession(ctx, ex)
	if err != nil {
		return err
	}
	defer ls.unlock()
	if err := mc.checkSession(ls.s); err != nil {
		return err
	}
	globalAud := firstNonEmpty(ls.s.TokenSet.Audience, c.cfg.AuthorizationParams["audience"])
	res := &refreshResult{set: set, refreshToken: tr.RefreshToken}
	next := c.applyRefresh(ctx, ls.s, res, firstNonEmpty(set.Audience, globalAud), globalAud, set.RequestedScope)
	return ls.save(ctx, next)
}
