package devop

import (
	"crypto/sha256"
	"crypto/subtle"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Grant types supported by the token endpoint.
const (
	grantAuthorizationCode = "authorization_code"
	grantRefreshToken      = "refresh_token"
	grantFederated         = "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token"
	grantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
	grantCIBA              = "urn:openid:params:grant-type:ciba"
	grantMFAOTP            = "http://auth0.com/oauth/grant-type/mfa-otp"
	grantMFAOOB            = "http://auth0.com/oauth/grant-type/mfa-oob"
	grantMFARecoveryCode   = "http://auth0.com/oauth/grant-type/mfa-recovery-code"
)

// supportedGrantTypes lists every grant_type value the token endpoint
// accepts, in the order of the discovery document.
var supportedGrantTypes = []string{
	grantAuthorizationCode, grantRefreshToken, grantTokenExchange, grantFederated,
	grantCIBA, grantMFAOTP, grantMFAOOB, grantMFARecoveryCode,
}

// handleToken serves the token endpoint (RFC 6749 §3.2, OIDC Core §3.1.3).
func (p *Provider) handleToken(w http.ResponseWriter, r *http.Request) {
	perr := parsePostForm(w, r)
	gt := r.PostForm.Get("grant_type")
	p.mu.Lock()
	p.tokenRequests[gt]++
	inj := p.takeInjectedLocked(gt)
	delay := p.tokenDelay
	p.mu.Unlock()

	resp, err := p.token(r, gt, perr, inj)
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if err != nil {
		writeClientError(w, r, err)
		return
	}
	noStore(w)
	if p.dpop.RequireNonce && r.Header.Get("DPoP") != "" {
		w.Header().Set("DPoP-Nonce", p.dpop.Nonce())
	}
	writeJSON(w, http.StatusOK, resp)
}

// token processes a token request and returns the response members or
// the error to answer with.
func (p *Provider) token(r *http.Request, gt string, perr, inj *oauthError) (map[string]any, *oauthError) {
	if perr != nil {
		return nil, perr
	}
	if inj != nil {
		p.log.Info("devop: token request failed on purpose (FailNextToken)", "grant_type", gt, "error", inj.code)
		return nil, inj
	}
	client, cerr := p.authenticateClient(r)
	if cerr != nil {
		p.log.Info("devop: token request rejected", "grant_type", gt, "error", cerr.code, "description", cerr.description)
		return nil, cerr
	}
	jkt, derr := p.checkTokenDPoP(r, client)
	if derr != nil {
		p.log.Info("devop: token request rejected", "grant_type", gt, "error", derr.code, "description", derr.description)
		return nil, derr
	}
	client.dpopJKT = jkt
	var (
		resp map[string]any
		err  *oauthError
	)
	switch {
	case gt == "":
		err = errInvalidRequest("grant_type is required")
	case !slices.Contains(supportedGrantTypes, gt):
		err = &oauthError{status: http.StatusBadRequest, code: "unsupported_grant_type", description: "grant_type " + safeDesc(gt) + " is not supported"}
	case len(client.GrantTypes) > 0 && !slices.Contains(client.GrantTypes, gt):
		err = &oauthError{status: http.StatusBadRequest, code: "unauthorized_client", description: "the client is not authorized to use grant_type " + safeDesc(gt)}
	}
	if err == nil {
		form := r.PostForm
		switch gt {
		case grantAuthorizationCode:
			resp, err = p.codeGrant(client, form)
		case grantRefreshToken:
			resp, err = p.refreshGrant(client, form)
		case grantFederated:
			resp, err = p.federatedGrant(client, form)
		case grantTokenExchange:
			resp, err = p.tokenExchangeGrant(client, form)
		case grantCIBA:
			resp, err = p.cibaGrant(client, form)
		case grantMFAOTP, grantMFAOOB, grantMFARecoveryCode:
			resp, err = p.mfaGrant(client, gt, form)
		}
	}
	if err != nil {
		p.log.Info("devop: token request rejected", "grant_type", gt, "client_id", client.ID, "error", err.code, "description", err.description)
		return nil, err
	}
	return resp, nil
}

// codeGrant redeems an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6).
func (p *Provider) codeGrant(client Client, form url.Values) (map[string]any, *oauthError) {
	code, redirectURI, verifier := form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier")
	switch {
	case code == "":
		return nil, errInvalidRequest("code is required")
	case redirectURI == "":
		return nil, errInvalidRequest("redirect_uri is required")
	case verifier == "":
		return nil, errInvalidRequest("code_verifier is required (PKCE)")
	case !validPKCEValue(verifier):
		return nil, errInvalidRequest("code_verifier is malformed")
	}
	now := p.now()
	p.mu.Lock()
	c, ok := p.codes[code]
	if !ok {
		p.mu.Unlock()
		return nil, errInvalidGrant("unknown authorization code")
	}
	if c.clientID != client.ID {
		p.mu.Unlock()
		return nil, errInvalidGrant("authorization code was issued to another client")
	}
	if c.used {
		// RFC 6749 §4.1.2: revoke what was issued from the replayed code.
		if g := p.grants[c.grantID]; g != nil && !g.revoked {
			g.revoked = true
			p.log.Warn("devop: authorization code replayed; grant revoked", "client_id", client.ID, "grant", g.id)
		}
		p.mu.Unlock()
		return nil, errInvalidGrant("authorization code already used")
	}
	c.used = true // any redemption attempt by its client consumes the code
	if now.After(c.expires) {
		p.mu.Unlock()
		return nil, errInvalidGrant("authorization code expired")
	}
	if c.dpopJKT != "" && c.dpopJKT != client.dpopJKT {
		p.mu.Unlock()
		return nil, errInvalidGrant("the DPoP proof's key does not match the authorization request's dpop_jkt")
	}
	if c.redirectURI != redirectURI {
		p.mu.Unlock()
		return nil, errInvalidGrant("redirect_uri does not match the authorization request")
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(b64.EncodeToString(sum[:])), []byte(c.codeChallenge)) != 1 {
		p.mu.Unlock()
		return nil, errInvalidGrant("PKCE verification failed")
	}
	g := &grant{
		id:       randomString(16),
		clientID: client.ID,
		email:    c.email,
		sid:      c.sid,
		scope:    c.scope,
		audience: c.audience,
		authTime: c.authTime,
		orgID:    c.orgID,
		orgName:  c.orgName,
	}
	p.grants[g.id] = g
	c.grantID = g.id
	spec := issueSpec{scope: g.scope, audience: g.audience, nonce: c.nonce, refresh: slices.Contains(g.scope, "offline_access")}
	if c.authDetails != nil {
		spec.extra = map[string]any{"authorization_details": c.authDetails}
	}
	if e := p.mfaGateLocked(client, g, spec); e != nil {
		p.mu.Unlock()
		return nil, e
	}
	p.mu.Unlock()
	return p.issueTokens(client, g, spec)
}

// refreshGrant exchanges a refresh token with rotation and reuse detection
// (RFC 6749 §6, OAuth 2.0 Security BCP §4.14), optionally for another
// audience and scope (Auth0's multi-resource refresh token).
func (p *Provider) refreshGrant(client Client, form url.Values) (map[string]any, *oauthError) {
	rt := form.Get("refresh_token")
	if rt == "" {
		return nil, errInvalidRequest("refresh_token is required")
	}
	audience := ""
	if a := form.Get("audience"); a != "" {
		if e := p.checkAudience(a); e != nil {
			return nil, e
		}
		audience = a
	}
	p.mu.Lock()
	rec, ok := p.refreshTokens[rt]
	if !ok {
		p.mu.Unlock()
		return nil, errInvalidGrant("unknown refresh token")
	}
	g := p.grants[rec.grantID]
	if g.clientID != client.ID {
		p.mu.Unlock()
		return nil, errInvalidGrant("refresh token was issued to another client")
	}
	if g.revoked {
		p.mu.Unlock()
		return nil, errInvalidGrant("refresh token has been revoked")
	}
	if rec.rotated && rec.issuing {
		p.mu.Unlock()
		return nil, errInvalidGrant("refresh token already used; its exchange is in progress")
	}
	if rec.rotated {
		g.revoked = true
		p.mu.Unlock()
		p.log.Warn("devop: rotated refresh token reused; grant revoked", "client_id", client.ID, "grant", g.id)
		return nil, errInvalidGrant("refresh token reuse detected; all refresh tokens of this grant are revoked")
	}
	if audience == "" {
		audience = g.audience
	}
	scope := g.scope
	if _, ok := form["scope"]; ok {
		scope = dedupe(strings.Fields(form.Get("scope")))
		allowed := g.scope
		if p.isAPIAudience(audience) {
			allowed = slices.Concat(g.scope, p.apiScopes, p.resourceScopes(audience))
		}
		for _, s := range scope {
			if !slices.Contains(allowed, s) {
				p.mu.Unlock()
				return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_scope", description: "scope " + safeDesc(s) + " was not originally granted"}
			}
		}
		if len(scope) == 0 {
			p.mu.Unlock()
			return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_scope", description: "scope is empty"}
		}
	}
	spec := issueSpec{scope: scope, audience: audience, refresh: true}
	// MFA comes before rotation: the refresh token stays usable.
	if e := p.mfaGateLocked(client, g, spec); e != nil {
		p.mu.Unlock()
		return nil, e
	}
	rec.rotated, rec.issuing = true, true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		rec.issuing = false
		p.mu.Unlock()
	}()
	return p.issueTokens(client, g, spec)
}

// issueSpec says what issueTokens must issue.
type issueSpec struct {
	scope    []string
	audience string // "" selects the issuer's userinfo endpoint
	nonce    string
	refresh  bool           // issue a refresh token
	extra    map[string]any // additional members of the token response
}

// issueTokens mints an access token, an ID token when scope has openid,
// and a refresh token when spec.refresh is set, all belonging to g.
func (p *Provider) issueTokens(client Client, g *grant, spec issueSpec) (map[string]any, *oauthError) {
	now := p.now()
	iat := now.Unix()
	p.mu.Lock()
	u := p.userFor(g.email, now)
	ttl := p.atTTL
	mfa, act, orgID, orgName := g.mfa, g.act, g.orgID, g.orgName
	p.mu.Unlock()

	audience := spec.audience
	if audience == "" {
		audience = p.endpoint("userinfo")
	}
	jti := randomString(16)
	scopeStr := strings.Join(spec.scope, " ")
	atClaims := map[string]any{
		"iss":       p.issuer,
		"sub":       u.sub,
		"aud":       audience,
		"azp":       client.ID,
		"client_id": client.ID,
		"scope":     scopeStr,
		"iat":       iat,
		"exp":       now.Add(ttl).Unix(),
		"jti":       jti,
	}
	addGrantClaims(atClaims, act, orgID, orgName)
	tokenType := "Bearer"
	if client.dpopJKT != "" {
		atClaims["cnf"] = map[string]any{"jkt": client.dpopJKT}
		tokenType = "DPoP"
	}
	at, err := p.signJWT("at+jwt", atClaims)
	if err != nil {
		return nil, errServer("signing the access token failed")
	}
	resp := map[string]any{
		"access_token": at,
		"token_type":   tokenType,
		"expires_in":   int64(ttl / time.Second),
		"scope":        scopeStr,
	}
	if slices.Contains(spec.scope, "openid") {
		claims := u.claims(spec.scope)
		claims["iss"] = p.issuer
		claims["aud"] = client.ID
		claims["azp"] = client.ID
		claims["iat"] = iat
		claims["exp"] = now.Add(p.idTTL).Unix()
		claims["auth_time"] = g.authTime.Unix()
		claims["sid"] = g.sid
		if ids := p.identities(u.sub); ids != nil {
			claims["identities"] = ids
		}
		if spec.nonce != "" {
			claims["nonce"] = spec.nonce
		}
		if mfa {
			claims["amr"] = []string{"mfa"}
		}
		addGrantClaims(claims, act, orgID, orgName)
		idt, err := p.makeIDToken(client, claims)
		if err != nil {
			return nil, errServer("signing the ID token failed")
		}
		resp["id_token"] = idt
	}
	for k, v := range spec.extra {
		resp[k] = v
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if g.revoked { // revoked concurrently (e.g. code replay): issue nothing
		return nil, errInvalidGrant("grant has been revoked")
	}
	p.accessTokens[jti] = &accessToken{raw: at, grantID: g.id, email: g.email, scope: spec.scope, expires: now.Add(ttl), audience: audience}
	if spec.refresh {
		rt := randomString(32)
		p.refreshTokens[rt] = &refreshToken{grantID: g.id}
		resp["refresh_token"] = rt
	}
	return resp, nil
}

// addGrantClaims adds the act, org_id and org_name claims of a grant.
func addGrantClaims(claims map[string]any, act map[string]any, orgID, orgName string) {
	if act != nil {
		claims["act"] = maps.Clone(act)
	}
	if orgID != "" {
		claims["org_id"] = orgID
	}
	if orgName != "" {
		claims["org_name"] = orgName
	}
}
