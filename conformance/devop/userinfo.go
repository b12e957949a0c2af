package devop

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// handleUserinfo serves the UserInfo endpoint (OIDC Core §5.3) with Bearer
// token usage per RFC 6750 (Authorization header or form body).
func (p *Provider) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	token, ok := bearerToken(w, r)
	if !ok {
		bearerError(w, http.StatusBadRequest, "invalid_request", "more than one method of presenting the access token was used")
		return
	}
	if token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="devop"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	at, err := p.checkAccessToken(token)
	if err != "" {
		bearerError(w, http.StatusUnauthorized, "invalid_token", err)
		return
	}
	if !slices.Contains(at.scope, "openid") {
		bearerError(w, http.StatusForbidden, "insufficient_scope", "the access token was not granted the openid scope")
		return
	}
	p.mu.Lock()
	u := p.users[at.email]
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, u.claims(at.scope))
}

// bearerToken extracts the access token from the Authorization header or
// an application/x-www-form-urlencoded POST body. ok is false when both
// are used.
func bearerToken(w http.ResponseWriter, r *http.Request) (token string, ok bool) {
	var fromHeader, fromBody string
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, v, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			fromHeader = strings.TrimSpace(v)
		}
	}
	if r.Method == http.MethodPost {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if r.ParseForm() == nil {
				fromBody = r.PostForm.Get("access_token")
			}
		}
	}
	if fromHeader != "" && fromBody != "" {
		return "", false
	}
	return fromHeader + fromBody, true
}

// checkAccessToken verifies that token is an unexpired, unrevoked access
// token issued by p. It returns a non-empty reason when it is not.
func (p *Provider) checkAccessToken(token string) (*accessToken, string) {
	header, claims, err := p.verifyJWT(token)
	if err != nil {
		return nil, err.Error()
	}
	if header["typ"] != "at+jwt" {
		return nil, "not an access token"
	}
	jti, _ := claims["jti"].(string)
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.accessTokens[jti]
	switch {
	case !ok || at.raw != token:
		return nil, "unknown access token"
	case at.revoked:
		return nil, "access token revoked"
	case p.grants[at.grantID].revoked:
		return nil, "the grant of this access token was revoked"
	case !now.Before(at.expires):
		return nil, "access token expired"
	}
	return at, ""
}

// bearerError writes an RFC 6750 §3 error.
func bearerError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="devop", error=%q, error_description=%q`, code, safeDesc(desc)))
	body, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
