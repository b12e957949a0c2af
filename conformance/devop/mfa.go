package devop

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// mfaTokenTTL is the lifetime of an mfa_token, as at Auth0.
const mfaTokenTTL = 10 * time.Minute

// mfaTx is a grant waiting for a second factor, named by its mfa_token.
type mfaTx struct {
	clientID string
	grantID  string
	email    string
	spec     issueSpec // what the original grant would have issued
	expires  time.Time
	used     bool
	oobCodes map[string]bool // oob_code values issued for this mfa_token
}

// mfaUser is the MFA enrollment of one user.
type mfaUser struct {
	authenticators []*mfaAuthenticator
	recoveryCode   string // "" until an association generated one
}

// mfaAuthenticator is an enrolled second factor.
type mfaAuthenticator struct {
	id      string
	typ     string // otp, oob or recovery-code
	channel string // oob only: sms, voice, email or auth0
	name    string
}

// mfaChallengeTypes are the challenge types announced in mfa_requirements.
var mfaChallengeTypes = []string{"otp", "oob"}

// mfaGateLocked answers mfa_required, recording spec in a new mfaTx, when
// spec's audience requires MFA and g is not MFA-verified yet. Callers hold
// p.mu.
func (p *Provider) mfaGateLocked(client Client, g *grant, spec issueSpec) *oauthError {
	aud := spec.audience
	if aud == "" {
		aud = p.endpoint("userinfo")
	}
	if g.mfa || !slices.Contains(p.mfaAudiences, aud) {
		return nil
	}
	now := p.now()
	for k, tx := range p.mfaTxs {
		if now.Sub(tx.expires) > mfaTokenTTL {
			delete(p.mfaTxs, k)
		}
	}
	token := randomString(32)
	p.mfaTxs[token] = &mfaTx{
		clientID: client.ID,
		grantID:  g.id,
		email:    g.email,
		spec:     spec,
		expires:  now.Add(mfaTokenTTL),
		oobCodes: map[string]bool{},
	}
	p.mfaUserLocked(g.email)
	p.log.Info("devop: multifactor authentication required", "client_id", client.ID, "audience", aud)
	challenges := make([]map[string]string, 0, len(mfaChallengeTypes))
	for _, t := range mfaChallengeTypes {
		challenges = append(challenges, map[string]string{"type": t})
	}
	return &oauthError{
		status:      http.StatusForbidden,
		code:        "mfa_required",
		description: "Multifactor authentication required",
		extra: map[string]any{
			"mfa_token":        token,
			"mfa_requirements": map[string]any{"challenge": challenges},
		},
	}
}

// mfaUserLocked returns the enrollment of email, creating it with an OTP
// authenticator and an SMS authenticator. Callers hold p.mu.
func (p *Provider) mfaUserLocked(email string) *mfaUser {
	if u, ok := p.mfaUsers[email]; ok {
		return u
	}
	u := &mfaUser{authenticators: []*mfaAuthenticator{
		{id: "totp|dev_" + randomString(12), typ: "otp"},
		{id: "sms|dev_" + randomString(12), typ: "oob", channel: "sms", name: "XXXXXXXX0100"},
	}}
	p.mfaUsers[email] = u
	return u
}

// lookupMFATxLocked finds the mfaTx of token. Callers hold p.mu.
func (p *Provider) lookupMFATxLocked(token string) (*mfaTx, *oauthError) {
	tx, ok := p.mfaTxs[token]
	switch {
	case !ok:
		return nil, errInvalidRequest("Malformed mfa_token")
	case tx.used:
		return nil, &oauthError{status: http.StatusForbidden, code: "expired_token", description: "mfa_token is invalid"}
	case !p.now().Before(tx.expires):
		return nil, &oauthError{status: http.StatusForbidden, code: "expired_token", description: "mfa_token is expired"}
	}
	return tx, nil
}

// mfaBearer authenticates a request of the MFA API carrying an mfa_token
// as Bearer token. On failure it has written a 401 answer.
func (p *Provider) mfaBearer(w http.ResponseWriter, r *http.Request) (*mfaTx, bool) {
	noStore(w)
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		bearerError(w, http.StatusUnauthorized, "invalid_token", "an mfa_token is required as Bearer token")
		return nil, false
	}
	p.mu.Lock()
	tx, err := p.lookupMFATxLocked(token)
	p.mu.Unlock()
	if err != nil {
		code := "invalid_token"
		if err.description == "mfa_token is expired" {
			code = "expired_token"
		}
		bearerError(w, http.StatusUnauthorized, code, err.description)
		return nil, false
	}
	return tx, true
}

// json returns the MFA API representation of an authenticator.
func (a *mfaAuthenticator) json() map[string]any {
	m := map[string]any{"id": a.id, "authenticator_type": a.typ, "active": true}
	if a.channel != "" {
		m["oob_channel"] = a.channel
	}
	if a.name != "" {
		m["name"] = a.name
	}
	return m
}

// handleMFAAuthenticators serves GET /mfa/authenticators.
func (p *Provider) handleMFAAuthenticators(w http.ResponseWriter, r *http.Request) {
	tx, ok := p.mfaBearer(w, r)
	if !ok {
		return
	}
	p.mu.Lock()
	u := p.mfaUserLocked(tx.email)
	list := make([]map[string]any, 0, len(u.authenticators))
	for _, a := range u.authenticators {
		list = append(list, a.json())
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

// handleMFADeleteAuthenticator serves DELETE /mfa/authenticators/{id}.
func (p *Provider) handleMFADeleteAuthenticator(w http.ResponseWriter, r *http.Request) {
	tx, ok := p.mfaBearer(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	p.mu.Lock()
	u := p.mfaUserLocked(tx.email)
	i := slices.IndexFunc(u.authenticators, func(a *mfaAuthenticator) bool { return a.id == id })
	if i >= 0 {
		if u.authenticators[i].typ == "recovery-code" {
			u.recoveryCode = ""
		}
		u.authenticators = slices.Delete(u.authenticators, i, i+1)
	}
	p.mu.Unlock()
	if i < 0 {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "Authenticator not found"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// readJSONBody decodes an application/json request body into v, rejecting
// unknown members and trailing data.
func readJSONBody(w http.ResponseWriter, r *http.Request, v any) *oauthError {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errInvalidRequest("Content-Type must be application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFormBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errInvalidRequest("malformed JSON body: " + safeDesc(err.Error()))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errInvalidRequest("malformed JSON body: trailing data")
	}
	return nil
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// handleMFAAssociate serves POST /mfa/associate (enrollment).
func (p *Provider) handleMFAAssociate(w http.ResponseWriter, r *http.Request) {
	tx, ok := p.mfaBearer(w, r)
	if !ok {
		return
	}
	var body struct {
		AuthenticatorTypes []string `json:"authenticator_types"`
		OOBChannels        []string `json:"oob_channels"`
		PhoneNumber        string   `json:"phone_number"`
		Email              string   `json:"email"`
	}
	if err := readJSONBody(w, r, &body); err != nil {
		writeOAuthError(w, err)
		return
	}
	a := &mfaAuthenticator{}
	switch {
	case slices.Equal(body.AuthenticatorTypes, []string{"otp"}):
		if body.OOBChannels != nil || body.PhoneNumber != "" || body.Email != "" {
			writeOAuthError(w, errInvalidRequest("oob_channels, phone_number and email are not allowed with otp"))
			return
		}
		a.typ, a.id = "otp", "totp|dev_"+randomString(12)
	case slices.Equal(body.AuthenticatorTypes, []string{"oob"}):
		if len(body.OOBChannels) != 1 {
			writeOAuthError(w, errInvalidRequest("oob_channels must name exactly one channel"))
			return
		}
		a.typ, a.channel = "oob", body.OOBChannels[0]
		switch a.channel {
		case "sms", "voice":
			if !e164.MatchString(body.PhoneNumber) || body.Email != "" {
				writeOAuthError(w, errInvalidRequest("phone_number must be an E.164 number (and email is not allowed) for "+a.channel))
				return
			}
			a.name = "XXXXXXXX" + body.PhoneNumber[len(body.PhoneNumber)-min(4, len(body.PhoneNumber)-1):]
		case "email":
			e, err := normalizeEmail(body.Email)
			if err != nil || body.PhoneNumber != "" {
				writeOAuthError(w, errInvalidRequest("email must be a valid e-mail address (and phone_number is not allowed) for email"))
				return
			}
			a.name = e
		case "auth0":
			if body.PhoneNumber != "" || body.Email != "" {
				writeOAuthError(w, errInvalidRequest("phone_number and email are not allowed for auth0"))
				return
			}
			a.name = "devop push"
		default:
			writeOAuthError(w, errInvalidRequest("oob_channels must be sms, voice, email or auth0"))
			return
		}
		a.id = map[string]string{"sms": "sms", "voice": "voice", "email": "email", "auth0": "push"}[a.channel] + "|dev_" + randomString(12)
	default:
		writeOAuthError(w, errInvalidRequest(`authenticator_types must be ["otp"] or ["oob"]`))
		return
	}

	resp := map[string]any{"authenticator_type": a.typ}
	p.mu.Lock()
	u := p.mfaUserLocked(tx.email)
	u.authenticators = append(u.authenticators, a)
	if u.recoveryCode == "" {
		u.recoveryCode = newRecoveryCode()
		u.authenticators = append(u.authenticators, &mfaAuthenticator{id: "recovery-code|dev_" + randomString(12), typ: "recovery-code"})
		resp["recovery_codes"] = []string{u.recoveryCode}
	}
	if a.typ == "oob" {
		code := randomString(24)
		tx.oobCodes[code] = true
		resp["oob_channel"] = a.channel
		resp["oob_code"] = code
		resp["binding_method"] = "prompt"
	}
	p.mu.Unlock()
	if a.typ == "otp" {
		secret := newOTPSecret()
		resp["secret"] = secret
		resp["barcode_uri"] = "otpauth://totp/" + url.PathEscape("devop:"+tx.email) + "?" + url.Values{
			"secret": {secret}, "issuer": {"devop"}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"},
		}.Encode()
	}
	p.log.Info("devop: MFA authenticator associated", "type", a.typ, "channel", a.channel)
	writeJSON(w, http.StatusOK, resp)
}

// handleMFAChallenge serves POST /mfa/challenge.
func (p *Provider) handleMFAChallenge(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	var body struct {
		ClientID        string  `json:"client_id"`
		ClientSecret    *string `json:"client_secret"`
		Assertion       *string `json:"client_assertion"`
		AssertionType   string  `json:"client_assertion_type"`
		MFAToken        string  `json:"mfa_token"`
		ChallengeType   string  `json:"challenge_type"`
		AuthenticatorID string  `json:"authenticator_id"`
	}
	if err := readJSONBody(w, r, &body); err != nil {
		writeOAuthError(w, err)
		return
	}
	if body.ClientID == "" {
		writeOAuthError(w, errInvalidRequest("client_id is required"))
		return
	}
	client, ok := p.clientByID(body.ClientID)
	if !ok || (body.ClientSecret != nil && subtle.ConstantTimeCompare([]byte(client.Secret), []byte(*body.ClientSecret)) != 1) {
		writeOAuthError(w, errInvalidClient("client authentication failed"))
		return
	}
	// A private_key_jwt client authenticates with an assertion in the body
	// (and only so); other clients may send their secret.
	switch {
	case body.Assertion != nil && body.ClientSecret != nil:
		writeOAuthError(w, errInvalidRequest("more than one client authentication method used"))
		return
	case body.Assertion != nil:
		if _, err := p.assertionAuth(url.Values{"client_id": {body.ClientID}, "client_assertion": {*body.Assertion},
			"client_assertion_type": {body.AssertionType}}, r.URL.Path); err != nil {
			writeOAuthError(w, err)
			return
		}
		if client.TokenEndpointAuthMethod != authPrivateKeyJWT {
			writeOAuthError(w, errInvalidClient("the client is not registered for private_key_jwt"))
			return
		}
	case client.TokenEndpointAuthMethod == authPrivateKeyJWT:
		writeOAuthError(w, errInvalidClient("client authentication is required"))
		return
	}
	if body.MFAToken == "" {
		writeOAuthError(w, errInvalidRequest("mfa_token is required"))
		return
	}
	types := strings.Fields(body.ChallengeType)
	if len(types) == 0 {
		writeOAuthError(w, errInvalidRequest("challenge_type is required"))
		return
	}
	for _, t := range types {
		if !slices.Contains(mfaChallengeTypes, t) {
			writeOAuthError(w, &oauthError{status: http.StatusBadRequest, code: "unsupported_challenge_type", description: "Unsupported challenge type: " + safeDesc(t) + "."})
			return
		}
	}
	resp, err := p.mfaChallenge(client, body.MFAToken, body.AuthenticatorID, types)
	if err != nil {
		writeOAuthError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// mfaChallenge picks the authenticator to challenge and answers the
// challenge.
func (p *Provider) mfaChallenge(client Client, mfaToken, authenticatorID string, types []string) (map[string]string, *oauthError) {
	unsupported := func(desc string) *oauthError {
		return &oauthError{status: http.StatusBadRequest, code: "unsupported_challenge_type", description: desc}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	tx, err := p.lookupMFATxLocked(mfaToken)
	if err == nil && tx.clientID != client.ID {
		err = errInvalidRequest("mfa_token not issued to this client")
	}
	if err != nil {
		return nil, err
	}
	u := p.mfaUserLocked(tx.email)
	var a *mfaAuthenticator
	if authenticatorID != "" {
		i := slices.IndexFunc(u.authenticators, func(a *mfaAuthenticator) bool { return a.id == authenticatorID })
		if i < 0 {
			return nil, errInvalidRequest("authenticator_id does not name an authenticator of the user")
		}
		a = u.authenticators[i]
		if !slices.Contains(types, a.typ) {
			return nil, unsupported("the authenticator does not support the requested challenge type")
		}
	} else {
	search:
		for _, t := range types {
			for _, c := range u.authenticators {
				if c.typ == t {
					a = c
					break search
				}
			}
		}
		if a == nil {
			return nil, unsupported("User is not enrolled with " + strings.Join(types, " or "))
		}
	}
	if a.typ == "otp" {
		return map[string]string{"challenge_type": "otp"}, nil
	}
	code := randomString(24)
	tx.oobCodes[code] = true
	return map[string]string{"challenge_type": "oob", "oob_code": code, "binding_method": "prompt"}, nil
}

// mfaGrant serves the mfa-otp, mfa-oob and mfa-recovery-code grants: with
// the right second factor it issues what the grant that answered
// mfa_required would have issued, and marks that grant MFA-verified.
func (p *Provider) mfaGrant(client Client, gt string, form url.Values) (map[string]any, *oauthError) {
	token := form.Get("mfa_token")
	if token == "" {
		return nil, errInvalidRequest("mfa_token is required")
	}
	var param string
	switch gt {
	case grantMFAOTP:
		param = "otp"
	case grantMFAOOB:
		param = "oob_code"
		if form.Get("binding_code") == "" {
			return nil, errInvalidRequest("binding_code is required")
		}
	case grantMFARecoveryCode:
		param = "recovery_code"
	}
	value := form.Get(param)
	if value == "" {
		return nil, errInvalidRequest(param + " is required")
	}
	match := func(got, want string) bool { return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 }

	p.mu.Lock()
	tx, err := p.lookupMFATxLocked(token)
	if err == nil && tx.clientID != client.ID {
		err = errInvalidRequest("mfa_token not issued to this client")
	}
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	u := p.mfaUserLocked(tx.email)
	extra := map[string]any{}
	switch gt {
	case grantMFAOTP:
		if !slices.ContainsFunc(u.authenticators, func(a *mfaAuthenticator) bool { return a.typ == "otp" }) {
			err = errInvalidGrant("User is not enrolled with otp")
		} else if !match(value, p.mfaCode) {
			err = errInvalidGrant("Invalid otp_code.")
		}
	case grantMFAOOB:
		if !tx.oobCodes[value] {
			err = errInvalidGrant("Invalid oob_code.")
		} else if !match(form.Get("binding_code"), p.mfaCode) {
			err = errInvalidGrant("MFA Invalid binding code.")
		} else {
			delete(tx.oobCodes, value)
		}
	case grantMFARecoveryCode:
		if u.recoveryCode == "" || !match(value, u.recoveryCode) {
			err = errInvalidGrant("Invalid recovery_code.")
		} else {
			u.recoveryCode = newRecoveryCode()
			extra["recovery_code"] = u.recoveryCode
		}
	}
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	g := p.grants[tx.grantID]
	if g.revoked {
		p.mu.Unlock()
		return nil, errInvalidGrant("grant has been revoked")
	}
	tx.used = true
	g.mfa = true
	spec := tx.spec
	if len(extra) > 0 {
		spec.extra = maps.Clone(spec.extra)
		if spec.extra == nil {
			spec.extra = map[string]any{}
		}
		maps.Copy(spec.extra, extra)
	}
	p.mu.Unlock()
	p.log.Info("devop: multifactor authentication succeeded", "client_id", client.ID, "grant_type", gt)
	return p.issueTokens(client, g, spec)
}

// newRecoveryCode returns a 24-character recovery code.
func newRecoveryCode() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base32.StdEncoding.EncodeToString(b)
}

// newOTPSecret returns a base32 TOTP secret (160 bits).
func newOTPSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}
