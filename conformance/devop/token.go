package devop

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// handleToken serves the token endpoint (RFC 6749 §3.2, OIDC Core §3.1.3).
func (p *Provider) handleToken(w http.ResponseWriter, r *http.Request) {
	perr := parsePostForm(w, r)
	gt := r.PostForm.Get("grant_type")
	p.mu.Lock()
	p.tokenRequests[gt]++
	p.mu.Unlock()
	if perr != nil {
		writeOAuthError(w, perr)
		return
	}
	client, cerr := p.authenticateClient(r)
	if cerr != nil {
		p.log.Info("devop: token request rejected", "grant_type", gt, "error", cerr.code, "description", cerr.description)
		writeClientError(w, r, cerr)
		return
	}
	var (
		resp map[string]any
		err  *oauthError
	)
	switch gt {
	case "authorization_code":
		resp, err = p.codeGrant(client, r.PostForm)
	case "refresh_token":
		resp, err = p.refreshGrant(client, r.PostForm)
	case "":
		err = errInvalidRequest("grant_type is required")
	default:
		err = &oauthError{http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"}
	}
	if err != nil {
		p.log.Info("devop: token request rejected", "grant_type", gt, "client_id", client.ID, "error", err.code, "description", err.description)
		writeOAuthError(w, err)
		return
	}
	noStore(w)
	writeJSON(w, http.StatusOK, resp)
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
	}
	p.grants[g.id] = g
	c.grantID = g.id
	p.mu.Unlock()
	return p.issueTokens(client, g, g.scope, g.audience, c.nonce, slices.Contains(g.scope, "offline_access"))
}

// refreshGrant exchanges a refresh token with rotation and reuse detection
// (RFC 6749 §6, OAuth 2.0 Security BCP §4.14).
func (p *Provider) refreshGrant(client Client, form url.Values) (map[string]any, *oauthError) {
	rt := form.Get("refresh_token")
	if rt == "" {
		return nil, errInvalidRequest("refresh_token is required")
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
	if rec.rotated {
		g.revoked = true
		p.mu.Unlock()
		p.log.Warn("devop: rotated refresh token reused; grant revoked", "client_id", client.ID, "grant", g.id)
		return nil, errInvalidGrant("refresh token reuse detected; all refresh tokens of this grant are revoked")
	}
	scope := g.scope
	if _, ok := form["scope"]; ok {
		scope = dedupe(strings.Fields(form.Get("scope")))
		for _, s := range scope {
			if !slices.Contains(g.scope, s) {
				p.mu.Unlock()
				return nil, &oauthError{http.StatusBadRequest, "invalid_scope", "scope " + safeDesc(s) + " was not originally granted"}
			}
		}
		if len(scope) == 0 {
			p.mu.Unlock()
			return nil, &oauthError{http.StatusBadRequest, "invalid_scope", "scope is empty"}
		}
	}
	rec.rotated = true
	p.mu.Unlock()
	audience := g.audience
	if a := form.Get("audience"); a != "" {
		audience = a
	}
	return p.issueTokens(client, g, scope, audience, "", true)
}

// issueTokens mints an access token, an ID token when scope has openid,
// and a refresh token when refresh is set, all belonging to g.
func (p *Provider) issueTokens(client Client, g *grant, scope []string, audience, nonce string, refresh bool) (map[string]any, *oauthError) {
	now := p.now()
	iat := now.Unix()
	p.mu.Lock()
	u := p.userFor(g.email, now)
	p.mu.Unlock()

	if audience == "" {
		audience = p.endpoint("userinfo")
	}
	jti := randomString(16)
	scopeStr := strings.Join(scope, " ")
	at, err := p.signJWT("at+jwt", map[string]any{
		"iss":       p.issuer,
		"sub":       u.sub,
		"aud":       audience,
		"azp":       client.ID,
		"client_id": client.ID,
		"scope":     scopeStr,
		"iat":       iat,
		"exp":       now.Add(p.atTTL).Unix(),
		"jti":       jti,
	})
	if err != nil {
		return nil, errServer("signing the access token failed")
	}
	resp := map[string]any{
		"access_token": at,
		"token_type":   "Bearer",
		"expires_in":   int64(p.atTTL / time.Second),
		"scope":        scopeStr,
	}
	if slices.Contains(scope, "openid") {
		claims := u.claims(scope)
		claims["iss"] = p.issuer
		claims["aud"] = client.ID
		claims["azp"] = client.ID
		claims["iat"] = iat
		claims["exp"] = now.Add(p.idTTL).Unix()
		claims["auth_time"] = g.authTime.Unix()
		claims["sid"] = g.sid
		if nonce != "" {
			claims["nonce"] = nonce
		}
		idt, err := p.makeIDToken(client, claims)
		if err != nil {
			return nil, errServer("signing the ID token failed")
		}
		resp["id_token"] = idt
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if g.revoked { // revoked concurrently (e.g. code replay): issue nothing
		return nil, errInvalidGrant("grant has been revoked")
	}
	p.accessTokens[jti] = &accessToken{raw: at, grantID: g.id, email: g.email, scope: scope, expires: now.Add(p.atTTL)}
	if refresh {
		rt := randomString(32)
		p.refreshTokens[rt] = &refreshToken{grantID: g.id}
		resp["refresh_token"] = rt
	}
	return resp, nil
}
