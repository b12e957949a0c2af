package devop

import (
	"net/http"
	"net/url"
	"slices"
)

// handleOIDCLogout serves the end_session_endpoint (OpenID Connect
// RP-Initiated Logout 1.0). It ends the OP session without asking for
// confirmation.
func (p *Provider) handleOIDCLogout(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "Invalid logout request", "The logout request could not be parsed.")
		return
	}
	form := r.Form
	for k, v := range form {
		if len(v) > 1 {
			errorPage(w, http.StatusBadRequest, "Invalid logout request", "Parameter "+k+" is repeated.")
			return
		}
	}
	clientID := form.Get("client_id")
	if hint := form.Get("id_token_hint"); hint != "" {
		aud, msg := p.checkIDTokenHint(hint, clientID)
		if msg != "" {
			p.log.Info("devop: logout rejected", "reason", msg)
			errorPage(w, http.StatusBadRequest, "Invalid logout request", msg)
			return
		}
		clientID = aud
	}
	var client Client
	if clientID != "" {
		c, ok := p.clientByID(clientID)
		if !ok {
			errorPage(w, http.StatusBadRequest, "Invalid logout request", "The client_id is not registered.")
			return
		}
		client = c
	}
	target := form.Get("post_logout_redirect_uri")
	if target != "" {
		if client.ID == "" {
			errorPage(w, http.StatusBadRequest, "Invalid logout request", "post_logout_redirect_uri requires client_id or id_token_hint.")
			return
		}
		if !allowedURI(client.PostLogoutRedirectURIs, target) {
			errorPage(w, http.StatusBadRequest, "Invalid logout request", "The post_logout_redirect_uri is not registered for this client.")
			return
		}
	}
	p.endSession(w, r)
	p.log.Info("devop: logged out", "client_id", client.ID)
	if target == "" {
		renderPage(w, http.StatusOK, "loggedout", nil)
		return
	}
	v := url.Values{}
	if _, ok := form["state"]; ok {
		v.Set("state", form.Get("state"))
	}
	p.redirect(w, r, target, v)
}

// checkIDTokenHint verifies an id_token_hint: signed by one of our keys,
// issued by us, and for a registered client (clientID, when given). Expired
// tokens are fine. It returns the client ID the token was issued to, or a
// non-empty reason for rejecting it.
func (p *Provider) checkIDTokenHint(hint, clientID string) (string, string) {
	header, claims, err := p.verifyJWT(hint)
	if err != nil {
		return "", "The id_token_hint is not a valid ID token from this provider."
	}
	if header["typ"] == "at+jwt" {
		return "", "The id_token_hint is an access token, not an ID token."
	}
	if claims["iss"] != p.issuer {
		return "", "The id_token_hint was issued by another issuer."
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
	if clientID != "" {
		if !slices.Contains(aud, clientID) {
			return "", "The id_token_hint was not issued to client_id."
		}
		return clientID, ""
	}
	if azp, ok := claims["azp"].(string); ok && slices.Contains(aud, azp) {
		aud = []string{azp}
	}
	for _, a := range aud {
		if _, ok := p.clientByID(a); ok {
			return a, ""
		}
	}
	return "", "The id_token_hint was not issued to a registered client."
}

// handleV2Logout serves Auth0's /v2/logout: it ends the OP session and
// redirects to returnTo, which must be an allowed logout URL of client_id
// (or of any client when client_id is absent). federated is accepted and
// ignored.
func (p *Provider) handleV2Logout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	returnTo := q.Get("returnTo")
	if clientID := q.Get("client_id"); clientID != "" {
		c, ok := p.clientByID(clientID)
		if !ok {
			errorPage(w, http.StatusBadRequest, "Invalid logout request", "The client_id is not registered.")
			return
		}
		if returnTo != "" && !allowedURI(c.PostLogoutRedirectURIs, returnTo) {
			errorPage(w, http.StatusBadRequest, "Invalid logout request", "The returnTo URL is not an allowed logout URL for this client.")
			return
		}
	} else if returnTo != "" && !slices.ContainsFunc(p.clients, func(c Client) bool {
		return allowedURI(c.PostLogoutRedirectURIs, returnTo)
	}) {
		errorPage(w, http.StatusBadRequest, "Invalid logout request", "The returnTo URL is not an allowed logout URL.")
		return
	}
	p.endSession(w, r)
	p.log.Info("devop: logged out (v2)", "client_id", q.Get("client_id"))
	if returnTo == "" {
		renderPage(w, http.StatusOK, "loggedout", nil)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, returnTo, http.StatusFound)
}
