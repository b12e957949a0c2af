package devop

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sessionCookie is the name of the OP session cookie.
const sessionCookie = "devop_session"

// authzError is an error to be returned to the client by redirecting to
// its redirect_uri (RFC 6749 §4.1.2.1).
type authzError struct {
	code        string
	description string // only characters allowed by RFC 6749 §5.2
}

// handleAuthorize serves the authorization endpoint (OIDC Core §3.1.2).
func (p *Provider) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "Invalid request", "The authorization request could not be parsed.")
		return
	}
	form := r.Form
	pushed := false
	if _, ok := form["request_uri"]; ok {
		if len(form["request_uri"]) != 1 || len(form["client_id"]) != 1 {
			errorPage(w, http.StatusBadRequest, "Invalid request", "client_id or request_uri is missing or repeated.")
			return
		}
		f := p.takePushed(form.Get("client_id"), form.Get("request_uri"))
		if f == nil {
			errorPage(w, http.StatusBadRequest, "Invalid request_uri", "The request_uri is unknown, expired, already used or another client's.")
			return
		}
		form, pushed = f, true // RFC 9126 §4: only the pushed parameters count
	}

	// Errors about the client or its redirect_uri must not be redirected.
	if len(form["client_id"]) != 1 || form.Get("client_id") == "" {
		errorPage(w, http.StatusBadRequest, "Invalid request", "client_id is missing or repeated.")
		return
	}
	client, ok := p.clientByID(form.Get("client_id"))
	if !ok {
		errorPage(w, http.StatusBadRequest, "Unknown client", "The client_id is not registered.")
		return
	}
	if len(form["redirect_uri"]) != 1 || form.Get("redirect_uri") == "" {
		errorPage(w, http.StatusBadRequest, "Invalid request", "redirect_uri is missing or repeated.")
		return
	}
	redirectURI := form.Get("redirect_uri")
	if !allowedURI(client.RedirectURIs, redirectURI) {
		errorPage(w, http.StatusBadRequest, "Invalid redirect_uri", "The redirect_uri is not registered for this client.")
		return
	}

	req, aerr := p.parseAuthRequest(form)
	req.clientID = client.ID
	req.redirectURI = redirectURI
	if aerr == nil && !pushed && (p.requirePAR || client.RequirePushedAuthorizationRequests) {
		aerr = &authzError{"invalid_request", "pushed authorization requests are required for this client"}
	}
	if aerr != nil {
		p.log.Info("devop: authorization request rejected", "client_id", client.ID, "error", aerr.code, "description", aerr.description)
		p.redirectError(w, r, req, aerr)
		return
	}
	prompts := strings.Fields(form.Get("prompt"))
	maxAge := -1
	if s := form.Get("max_age"); s != "" {
		maxAge, _ = strconv.Atoi(s) // validated by parseAuthRequest
	}

	now := p.now()
	sess, _ := p.sessionFromRequest(r)
	needLogin := sess == nil || slices.Contains(prompts, "login") ||
		(maxAge >= 0 && now.Sub(sess.authTime) > time.Duration(maxAge)*time.Second)
	switch {
	case !needLogin:
		p.redirectWithCode(w, r, req, sess)
	case slices.Contains(prompts, "none"):
		p.redirectError(w, r, req, &authzError{"login_required", "End-User authentication is required"})
	case p.autoUser != "":
		email, _ := normalizeEmail(p.autoUser) // validated by New
		p.redirectWithCode(w, r, req, p.login(w, r, email))
	default:
		id := randomString(16)
		req.expires = now.Add(pendingTTL)
		p.mu.Lock()
		for k, v := range p.pending {
			if now.After(v.expires) {
				delete(p.pending, k)
			}
		}
		p.pending[id] = req
		p.mu.Unlock()
		email := ""
		if e, err := normalizeEmail(req.loginHint); err == nil {
			email = e
		}
		renderPage(w, http.StatusOK, "login", loginPageData{Action: p.endpoint("authorize/login"), ReqID: id, Email: email})
	}
}

// parseAuthRequest validates everything but client_id and redirect_uri. It
// always returns a request carrying the state, so that errors can echo it.
func (p *Provider) parseAuthRequest(form url.Values) (*authRequest, *authzError) {
	req := &authRequest{state: form.Get("state")}
	_, req.hasState = form["state"]
	for k, v := range form {
		if len(v) > 1 {
			return req, &authzError{"invalid_request", "parameter " + safeDesc(k) + " is repeated"}
		}
	}
	if _, ok := form["request"]; ok {
		return req, &authzError{"request_not_supported", "the request parameter is not supported"}
	}
	if _, ok := form["request_uri"]; ok {
		return req, &authzError{"request_uri_not_supported", "the request_uri parameter is not supported"}
	}
	switch rt := form.Get("response_type"); rt {
	case "code":
	case "":
		return req, &authzError{"invalid_request", "response_type is required"}
	default:
		return req, &authzError{"unsupported_response_type", "only response_type=code is supported"}
	}
	if rm, ok := form["response_mode"]; ok && rm[0] != "query" {
		return req, &authzError{"invalid_request", "only response_mode=query is supported"}
	}
	req.scope = dedupe(strings.Fields(form.Get("scope")))
	if !slices.Contains(req.scope, "openid") {
		return req, &authzError{"invalid_scope", "scope must contain openid"}
	}
	challenge := form.Get("code_challenge")
	if challenge == "" {
		return req, &authzError{"invalid_request", "code_challenge is required (PKCE)"}
	}
	if !validPKCEValue(challenge) {
		return req, &authzError{"invalid_request", "code_challenge is malformed"}
	}
	switch m := form.Get("code_challenge_method"); m {
	case "S256":
	case "":
		return req, &authzError{"invalid_request", "code_challenge_method is required and must be S256"}
	default:
		return req, &authzError{"invalid_request", "transform algorithm not supported, use S256"}
	}
	req.codeChallenge = challenge
	req.dpopJKT = form.Get("dpop_jkt")
	if s, ok := form["max_age"]; ok {
		n, err := strconv.Atoi(s[0])
		if err != nil || n < 0 {
			return req, &authzError{"invalid_request", "max_age must be a non-negative integer"}
		}
	}
	prompts := strings.Fields(form.Get("prompt"))
	if slices.Contains(prompts, "none") && len(prompts) > 1 {
		return req, &authzError{"invalid_request", "prompt=none cannot be combined with other values"}
	}
	if s, ok := form["authorization_details"]; ok {
		if !validAuthorizationDetails(s[0]) {
			return req, &authzError{"invalid_authorization_details", "authorization_details must be a JSON array of objects with a type"}
		}
		req.authDetails = json.RawMessage(s[0])
	}
	org := strings.TrimSpace(form.Get("organization"))
	if _, ok := form["organization"]; ok && org == "" {
		return req, &authzError{"invalid_request", "organization must not be blank"}
	}
	if _, ok := form["invitation"]; ok && (org == "" || strings.TrimSpace(form.Get("invitation")) == "") {
		return req, &authzError{"invalid_request", "invitation requires an organization"}
	}
	if org != "" {
		req.orgID, req.orgName = orgClaims(org)
	}
	lr, lerr := p.parseLinkRequest(req.scope, form.Get, form.Get("client_id"))
	if lerr != nil {
		return req, lerr
	}
	req.link = lr
	req.nonce = form.Get("nonce")
	req.audience = form.Get("audience")
	req.loginHint = form.Get("login_hint")
	return req, nil
}

// handleLogin receives the login form.
func (p *Provider) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "Invalid request", "The login form could not be parsed.")
		return
	}
	id := r.PostForm.Get("req_id")
	now := p.now()
	p.mu.Lock()
	req, ok := p.pending[id]
	if ok && now.After(req.expires) {
		delete(p.pending, id)
		ok = false
	}
	p.mu.Unlock()
	if !ok {
		errorPage(w, http.StatusBadRequest, "Login expired", "This login request is unknown or has expired. Go back to the application and start again.")
		return
	}
	email, err := normalizeEmail(r.PostForm.Get("email"))
	if err != nil {
		renderPage(w, http.StatusBadRequest, "login", loginPageData{
			Action: p.endpoint("authorize/login"), ReqID: id,
			Email: r.PostForm.Get("email"), Error: "Enter a valid e-mail address.",
		})
		return
	}
	p.mu.Lock()
	_, ok = p.pending[id]
	delete(p.pending, id)
	p.mu.Unlock()
	if !ok { // submitted twice concurrently
		errorPage(w, http.StatusBadRequest, "Login expired", "This login request was already used.")
		return
	}
	p.redirectWithCode(w, r, req, p.login(w, r, email))
}

// login starts a new OP session for email, replacing the browser's
// previous one, and sets the session cookie.
func (p *Provider) login(w http.ResponseWriter, r *http.Request, email string) *session {
	now := p.now()
	cookie := randomString(32)
	sess := &session{sid: randomString(16), email: email, authTime: now.Truncate(time.Second)}
	p.mu.Lock()
	if c, err := r.Cookie(sessionCookie); err == nil {
		delete(p.sessions, c.Value)
	}
	p.sessions[cookie] = sess
	p.userFor(email, now)
	p.mu.Unlock()
	http.SetCookie(w, p.cookie(cookie, 0))
	p.log.Info("devop: user logged in", "email", email, "sid", sess.sid)
	return sess
}

// cookie returns the session cookie; maxAge < 0 deletes it.
func (p *Provider) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     sessionCookie,
		Value:    value,
		Path:     p.basePath + "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   p.secure,
		SameSite: http.SameSiteLaxMode,
	}
}

// sessionFromRequest returns the OP session named by the request's cookie.
func (p *Provider) sessionFromRequest(r *http.Request) (*session, string) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sessions[c.Value], c.Value
}

// endSession deletes the browser's OP session and its cookie, and sends
// back-channel logout tokens for it.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	var ended *session
	if c, err := r.Cookie(sessionCookie); err == nil {
		p.mu.Lock()
		if s, ok := p.sessions[c.Value]; ok {
			ended = s.copyLocked()
			delete(p.sessions, c.Value)
		}
		p.mu.Unlock()
	}
	http.SetCookie(w, p.cookie("", -1))
	_ = p.sendLogoutTokens(ended) // failures are logged
}

// redirectWithCode issues an authorization code for req and sess and
// redirects the browser back to the client (RFC 6749 §4.1.2, RFC 9207).
func (p *Provider) redirectWithCode(w http.ResponseWriter, r *http.Request, req *authRequest, sess *session) {
	if aerr := p.applyLink(req.link, subjectFor(sess.email)); aerr != nil {
		p.redirectError(w, r, req, aerr)
		return
	}
	code := randomString(32)
	now := p.now()
	p.mu.Lock()
	for k, c := range p.codes { // forget codes long after they expired
		if now.Sub(c.expires) > 10*time.Minute {
			delete(p.codes, k)
		}
	}
	sess.recordClientLocked(req.clientID)
	p.codes[code] = &authCode{
		clientID:      req.clientID,
		redirectURI:   req.redirectURI,
		codeChallenge: req.codeChallenge,
		dpopJKT:       req.dpopJKT,
		nonce:         req.nonce,
		scope:         req.scope,
		audience:      req.audience,
		authDetails:   req.authDetails,
		orgID:         req.orgID,
		orgName:       req.orgName,
		email:         sess.email,
		sid:           sess.sid,
		authTime:      sess.authTime,
		expires:       now.Add(codeTTL),
	}
	p.mu.Unlock()
	v := url.Values{"code": {code}, "iss": {p.issuer}}
	if req.hasState {
		v.Set("state", req.state)
	}
	p.redirect(w, r, req.redirectURI, v)
}

// redirectError sends an authorization error back to the client.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, req *authRequest, e *authzError) {
	v := url.Values{"error": {e.code}, "error_description": {e.description}, "iss": {p.issuer}}
	if req.hasState {
		v.Set("state", req.state)
	}
	p.redirect(w, r, req.redirectURI, v)
}

func (p *Provider) redirect(w http.ResponseWriter, r *http.Request, base string, v url.Values) {
	loc, err := withParams(base, v)
	if err != nil {
		errorPage(w, http.StatusBadRequest, "Invalid redirect", "The redirect URI is malformed.")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, loc, http.StatusFound)
}

// validPKCEValue checks the code_verifier / code_challenge syntax:
// 43 to 128 unreserved characters (RFC 7636 §4.1, §4.2).
func validPKCEValue(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// safeDesc strips characters that RFC 6749 §5.2 forbids in
// error_description.
func safeDesc(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, s)
}

// dedupe removes repeated values, keeping the first occurrence.
func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
