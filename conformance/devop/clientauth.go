package devop

import (
	"crypto/subtle"
	"mime"
	"net/http"
	"net/url"
)

// maxFormBytes bounds request bodies of the form-based endpoints.
const maxFormBytes = 64 << 10

// parsePostForm parses an application/x-www-form-urlencoded request body,
// rejecting other content types and repeated parameters (RFC 6749 §3.2).
func parsePostForm(w http.ResponseWriter, r *http.Request) *oauthError {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return errInvalidRequest("Content-Type must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return errInvalidRequest("malformed request body")
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			return errInvalidRequest("parameter " + safeDesc(k) + " is repeated")
		}
	}
	return nil
}

// authenticateClient authenticates the client with client_secret_basic or
// client_secret_post (RFC 6749 §2.3.1). Exactly one method must be used.
func (p *Provider) authenticateClient(r *http.Request) (Client, *oauthError) {
	form := r.PostForm
	var id, secret string
	if r.Header.Get("Authorization") != "" {
		user, pass, ok := r.BasicAuth()
		if !ok {
			return Client{}, errInvalidClient("unsupported Authorization header")
		}
		if _, ok := form["client_secret"]; ok {
			return Client{}, errInvalidRequest("more than one client authentication method used")
		}
		var err1, err2 error
		id, err1 = url.QueryUnescape(user)
		secret, err2 = url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return Client{}, errInvalidClient("malformed Basic credentials")
		}
		if fid, ok := form["client_id"]; ok && fid[0] != id {
			return Client{}, errInvalidRequest("client_id does not match the authenticated client")
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
		if id == "" || secret == "" {
			return Client{}, errInvalidClient("client authentication is required")
		}
	}
	c, ok := p.clientByID(id)
	if !ok || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return Client{}, errInvalidClient("client authentication failed")
	}
	return c, nil
}

// writeClientError writes an error of the token or revocation endpoint,
// adding the WWW-Authenticate challenge RFC 6749 §5.2 requires when an
// Authorization header was sent.
func writeClientError(w http.ResponseWriter, r *http.Request, e *oauthError) {
	if e.code == "invalid_client" && r.Header.Get("Authorization") != "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="devop"`)
	}
	writeOAuthError(w, e)
}
