package devop

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"
)

// legacySubjectPrefix starts the subject tokens that the custom token
// exchange accepts: "legacy:<email>".
const legacySubjectPrefix = "legacy:"

// tokenExchangeGrant serves Auth0's Custom Token Exchange (RFC 8693): a
// subject token of a type listed in Options.CustomTokenTypes, of the form
// "legacy:<email>", logs that user in without a browser.
func (p *Provider) tokenExchangeGrant(client Client, form url.Values) (map[string]any, *oauthError) {
	subject, subjectType := form.Get("subject_token"), form.Get("subject_token_type")
	actor, actorType := form.Get("actor_token"), form.Get("actor_token_type")
	switch {
	case subject == "":
		return nil, errInvalidRequest("subject_token is required")
	case subjectType == "":
		return nil, errInvalidRequest("subject_token_type is required")
	case !slices.Contains(p.customTypes, subjectType):
		return nil, errInvalidRequest("unsupported subject_token_type " + safeDesc(subjectType))
	case actor != "" && actorType == "":
		return nil, errInvalidRequest("actor_token_type is required with actor_token")
	case actor == "" && actorType != "":
		return nil, errInvalidRequest("actor_token_type must not be sent without actor_token")
	case actorType != "" && actorType != tokenTypeAccessToken && actorType != tokenTypeIDToken:
		return nil, errInvalidRequest("actor_token_type must be " + tokenTypeAccessToken + " or " + tokenTypeIDToken)
	}
	if rt := form.Get("requested_token_type"); rt != "" && rt != tokenTypeAccessToken {
		return nil, errInvalidRequest("requested_token_type must be " + tokenTypeAccessToken)
	}
	if _, ok := form["organization"]; ok && strings.TrimSpace(form.Get("organization")) == "" {
		return nil, errInvalidRequest("organization must not be blank")
	}
	audience := form.Get("audience")
	if audience != "" {
		if e := p.checkAudience(audience); e != nil {
			return nil, e
		}
	}
	email, ok := strings.CutPrefix(subject, legacySubjectPrefix)
	if !ok {
		return nil, errInvalidGrant("subject_token is not a valid " + safeDesc(subjectType) + " token")
	}
	email, err := normalizeEmail(email)
	if err != nil {
		return nil, errInvalidGrant("subject_token does not identify a user")
	}
	var act map[string]any
	if actor != "" {
		sub, reason := p.actorSubject(actor, actorType)
		if reason != "" {
			// RFC 8693 §2.2.2: an invalid actor_token is invalid_request.
			return nil, errInvalidRequest("actor_token is invalid: " + reason)
		}
		act = map[string]any{"sub": sub}
	}
	scope := dedupe(strings.Fields(form.Get("scope")))
	now := p.now()
	g := &grant{
		id:       randomString(16),
		clientID: client.ID,
		email:    email,
		sid:      randomString(16),
		scope:    scope,
		audience: audience,
		authTime: now.Truncate(time.Second),
		act:      act,
	}
	if org := strings.TrimSpace(form.Get("organization")); org != "" {
		g.orgID, g.orgName = orgClaims(org)
	}
	spec := issueSpec{
		scope:    scope,
		audience: audience,
		refresh:  slices.Contains(scope, "offline_access"),
		extra:    map[string]any{"issued_token_type": tokenTypeAccessToken},
	}
	p.mu.Lock()
	p.grants[g.id] = g
	p.userFor(email, now)
	if e := p.mfaGateLocked(client, g, spec); e != nil {
		p.mu.Unlock()
		return nil, e
	}
	p.mu.Unlock()
	p.log.Info("devop: custom token exchange", "client_id", client.ID, "email", email, "actor", act != nil)
	return p.issueTokens(client, g, spec)
}

// actorSubject validates an actor token (RFC 8693 §2.1) and returns its
// subject, or a non-empty reason.
func (p *Provider) actorSubject(token, typ string) (string, string) {
	if typ == tokenTypeAccessToken {
		if _, reason := p.checkAccessToken(token); reason != "" {
			return "", reason
		}
		_, claims, _ := p.verifyJWT(token)
		sub, _ := claims["sub"].(string)
		return sub, ""
	}
	header, claims, err := p.verifyJWT(token)
	if err != nil {
		return "", err.Error()
	}
	if header["typ"] != "JWT" {
		return "", "not an ID token"
	}
	if claims["iss"] != p.issuer {
		return "", "issued by another issuer"
	}
	var aud []string
	switch a := claims["aud"].(type) {
	case string:
		aud = []string{a}
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok {
				aud = append(aud, s)
			}
		}
	}
	if !slices.ContainsFunc(aud, func(a string) bool { _, ok := p.clientByID(a); return ok }) {
		return "", "not issued to a registered client"
	}
	exp, err := numericClaim(claims["exp"])
	if err != nil || !p.now().Before(time.Unix(exp, 0)) {
		return "", "expired"
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return "", "no sub"
	}
	return sub, ""
}

// numericClaim returns a NumericDate claim decoded by verifyJWT.
func numericClaim(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, errBadJWT
	}
	return n.Int64()
}

// orgClaims returns the org_id and org_name claims for an organization
// parameter: an id (org_…) is the org_id itself; a name gives a derived
// org_id and the lower-cased org_name, as Auth0 does.
func orgClaims(org string) (id, name string) {
	if strings.HasPrefix(org, "org_") {
		return org, ""
	}
	name = strings.ToLower(org)
	h := sha256.Sum256([]byte(name))
	return "org_" + hex.EncodeToString(h[:])[:16], name
}
