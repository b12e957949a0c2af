package devop

import (
	"net/http"
	"net/url"
	"time"
)

// parTTL is the lifetime of a request_uri (RFC 9126 §2.2: short).
const parTTL = 60 * time.Second

// requestURIPrefix starts every request_uri devop issues.
const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// pushedRequest is an authorization request pushed to the PAR endpoint.
type pushedRequest struct {
	clientID string
	form     url.Values
	expires  time.Time
}

// handlePAR serves the pushed authorization request endpoint (RFC 9126):
// it authenticates the client, validates the request as /authorize would
// and answers 201 with a single-use request_uri.
func (p *Provider) handlePAR(w http.ResponseWriter, r *http.Request) {
	if perr := parsePostForm(w, r); perr != nil {
		writeClientError(w, r, perr)
		return
	}
	client, cerr := p.authenticateClient(r)
	if cerr != nil {
		p.log.Info("devop: pushed authorization request rejected", "error", cerr.code, "description", cerr.description)
		writeClientError(w, r, cerr)
		return
	}
	form := url.Values{}
	for k, v := range r.PostForm {
		switch k {
		case "client_secret", "client_assertion", "client_assertion_type":
		default:
			form[k] = v
		}
	}
	if _, ok := form["request_uri"]; ok {
		writeOAuthError(w, errInvalidRequest("request_uri must not be pushed"))
		return
	}
	form.Set("client_id", client.ID)
	if ru := form.Get("redirect_uri"); ru == "" || !allowedURI(client.RedirectURIs, ru) {
		writeOAuthError(w, errInvalidRequest("redirect_uri is missing or not registered for this client"))
		return
	}
	if _, aerr := p.parseAuthRequest(form); aerr != nil {
		writeOAuthError(w, &oauthError{status: http.StatusBadRequest, code: aerr.code, description: aerr.description})
		return
	}
	uri := requestURIPrefix + randomString(32)
	now := p.now()
	p.mu.Lock()
	for k, v := range p.pushed {
		if now.After(v.expires) {
			delete(p.pushed, k)
		}
	}
	p.pushed[uri] = &pushedRequest{clientID: client.ID, form: form, expires: now.Add(parTTL)}
	p.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"request_uri": uri, "expires_in": int(parTTL / time.Second)})
}

// takePushed returns the pushed request of uri for clientID and forgets
// it (a request_uri is single use), or nil when it is unknown, expired or
// another client's.
func (p *Provider) takePushed(clientID, uri string) url.Values {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.pushed[uri]
	if !ok {
		return nil
	}
	delete(p.pushed, uri)
	if now.After(pr.expires) || pr.clientID != clientID {
		return nil
	}
	return pr.form
}
