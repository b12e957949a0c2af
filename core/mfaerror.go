package auth0kit

import (
	"encoding/json"
)

// Code of [MfaRequiredError].
const CodeMfaRequired = "mfa_required"

// MfaRequiredError is returned when the provider demands multi-factor
// authentication for a token (403 mfa_required). MfaToken is the
// provider's mfa_token encrypted with AUTH0_SECRET together with the
// audience and scope that were asked for, so it is self-contained (no
// server state) and tamper-proof; it expires after the MFA token TTL
// (default 300 s). Hand it to the MFA API ([Client.MFA]) to complete the
// step-up. Its JSON form is nextjs-auth0's:
// {"error":"mfa_required","error_description",…,"mfa_token",…,"mfa_requirements":…}.
type MfaRequiredError struct {
	Description  string
	MfaToken     string
	Requirements json.RawMessage
	Err          error
}

func (e *MfaRequiredError) Error() string {
	return "auth0kit: multi-factor authentication is required: " + e.Description
}

// Unwrap returns the provider's error.
func (e *MfaRequiredError) Unwrap() error { return e.Err }

// MarshalJSON renders the 403 body of /auth/access-token.
func (e *MfaRequiredError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Error        string          `json:"error"`
		Description  string          `json:"error_description"`
		MfaToken     string          `json:"mfa_token"`
		Requirements json.RawMessage `json:"mfa_requirements,omitempty"`
	}{CodeMfaRequired, e.Description, e.MfaToken, e.Requirements})
}

// mfaContext is the payload of an encrypted mfa_token (nextjs-auth0's
// field names; createdAt in milliseconds).
type mfaContext struct {
	MfaToken        string          `json:"mfaToken"`
	Audience        string          `json:"audience"`
	Scope           string          `json:"scope"`
	MfaRequirements json.RawMessage `json:"mfaRequirements,omitempty"`
	CreatedAt       int64           `json:"createdAt"`
	// Sub and SID bind the token to the session it was issued for (empty
	// when it was issued outside a session, e.g. by a token exchange).
	Sub string `json:"sub,omitempty"`
	SID string `json:"sid,omitempty"`
}

// mfaBinding is the session an mfa_token is issued for.
type mfaBinding struct {
	Sub, SID string
}

// mfaRequired builds the MfaRequiredError for a provider's mfa_required
// answer.
func (c *Client) mfaRequired(oe *OAuthError, bind mfaBinding, audience, scope string) error {
	var body struct {
		MfaToken     string          `json:"mfa_token"`
		Requirements json.RawMessage `json:"mfa_requirements"`
	}
	_ = json.Unmarshal(oe.body, &body)
	e := &MfaRequiredError{Description: firstNonEmpty(oe.Description, "Multi-factor authentication is required."),
		Requirements: body.Requirements, Err: oe}
	if body.MfaToken == "" {
		return e
	}
	now := c.s.now()
	tok, err := c.keys.mfa.SealJSON(mfaContext{MfaToken: body.MfaToken, Audience: audience, Scope: scope,
		MfaRequirements: body.Requirements, CreatedAt: now.UnixMilli(), Sub: bind.Sub, SID: bind.SID},
		now.Add(c.s.mfaTokenTTL).Unix())
	if err == nil {
		e.MfaToken = tok
	}
	return e
}
