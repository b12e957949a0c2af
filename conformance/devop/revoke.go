package devop

import "net/http"

// handleRevoke serves the revocation endpoint (RFC 7009). Revoking a
// refresh token revokes its whole grant, including the access tokens
// issued from it; revoking an access token revokes just that token.
// Unknown tokens and tokens of other clients are ignored; the answer is
// 200 whenever the client authenticated and sent a token.
func (p *Provider) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if err := parsePostForm(w, r); err != nil {
		writeOAuthError(w, err)
		return
	}
	client, cerr := p.authenticateClient(r)
	if cerr != nil {
		writeClientError(w, r, cerr)
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		writeOAuthError(w, errInvalidRequest("token is required"))
		return
	}
	// token_type_hint is only a hint (RFC 7009 §2.1): both kinds are searched.
	var jti string
	if _, claims, err := p.verifyJWT(token); err == nil {
		jti, _ = claims["jti"].(string)
	}
	p.mu.Lock()
	p.revoked = append(p.revoked, token)
	if rt, ok := p.refreshTokens[token]; ok {
		if g := p.grants[rt.grantID]; g.clientID == client.ID && !g.revoked {
			g.revoked = true
			p.log.Info("devop: refresh token revoked; grant revoked", "client_id", client.ID, "grant", g.id)
		}
	} else if at, ok := p.accessTokens[jti]; ok && at.raw == token && p.grants[at.grantID].clientID == client.ID {
		at.revoked = true
		p.log.Info("devop: access token revoked", "client_id", client.ID)
	}
	p.mu.Unlock()
	noStore(w)
	w.WriteHeader(http.StatusOK)
}
