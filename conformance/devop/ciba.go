package devop

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CIBA request limits.
const (
	defaultCIBAExpiry    = 120 * time.Second
	maxCIBAExpiry        = time.Hour
	maxBindingMessageLen = 64
)

// cibaRequest is a pending backchannel authentication request.
type cibaRequest struct {
	clientID    string
	email       string
	scope       []string
	audience    string
	authDetails json.RawMessage // authorization_details, as sent; nil if absent
	expires     time.Time
	decideAt    time.Time // when the simulated user answers
	deny        bool
	interval    time.Duration // grows with every slow_down
	lastPoll    time.Time
	done        bool // tokens issued or access denied
}

// loginHint is Auth0's CIBA login_hint.
type loginHint struct {
	Format string `json:"format"`
	Iss    string `json:"iss"`
	Sub    string `json:"sub"`
}

// handleBCAuthorize serves the backchannel authentication endpoint (OpenID
// CIBA Core 1.0 §7, poll mode) with Auth0's iss_sub login_hint.
func (p *Provider) handleBCAuthorize(w http.ResponseWriter, r *http.Request) {
	if err := parsePostForm(w, r); err != nil {
		writeOAuthError(w, err)
		return
	}
	client, cerr := p.authenticateClient(r)
	if cerr != nil {
		writeClientError(w, r, cerr)
		return
	}
	resp, err := p.bcAuthorize(client, r.PostForm)
	if err != nil {
		p.log.Info("devop: backchannel authentication request rejected", "client_id", client.ID, "error", err.code, "description", err.description)
		writeOAuthError(w, err)
		return
	}
	noStore(w)
	writeJSON(w, http.StatusOK, resp)
}

func (p *Provider) bcAuthorize(client Client, form url.Values) (map[string]any, *oauthError) {
	cibaErr := func(code, desc string) *oauthError {
		return &oauthError{status: http.StatusBadRequest, code: code, description: desc}
	}
	if len(client.GrantTypes) > 0 && !slices.Contains(client.GrantTypes, grantCIBA) {
		return nil, cibaErr("unauthorized_client", "the client is not authorized to use CIBA")
	}
	if _, ok := form["request"]; ok {
		return nil, errInvalidRequest("signed authentication requests are not supported")
	}
	scope := dedupe(strings.Fields(form.Get("scope")))
	if !slices.Contains(scope, "openid") {
		return nil, cibaErr("invalid_scope", "scope must contain openid")
	}
	hints := 0
	for _, h := range []string{"login_hint", "login_hint_token", "id_token_hint"} {
		if form.Get(h) != "" {
			hints++
		}
	}
	if hints != 1 {
		return nil, errInvalidRequest("exactly one of login_hint, login_hint_token and id_token_hint is required")
	}
	raw := form.Get("login_hint")
	if raw == "" {
		return nil, errInvalidRequest("only login_hint is supported")
	}
	var hint loginHint
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&hint); err != nil || dec.More() {
		return nil, errInvalidRequest(`login_hint must be the JSON object {"format":"iss_sub","iss":<issuer>,"sub":<subject>}`)
	}
	switch {
	case hint.Format != "iss_sub":
		return nil, errInvalidRequest("login_hint format must be iss_sub")
	case hint.Iss != p.issuer:
		return nil, errInvalidRequest("login_hint iss is not this issuer")
	case hint.Sub == "":
		return nil, errInvalidRequest("login_hint sub is required")
	}
	msg, ok := form["binding_message"]
	if !ok || msg[0] == "" {
		return nil, errInvalidRequest("binding_message is required")
	}
	if !validBindingMessage(msg[0]) {
		return nil, cibaErr("invalid_binding_message", "binding_message must be at most 64 characters among A-Z a-z 0-9 space + - _ . , : #")
	}
	expiry := defaultCIBAExpiry
	if s, ok := form["requested_expiry"]; ok {
		n, err := strconv.Atoi(s[0])
		if err != nil || n <= 0 || time.Duration(n)*time.Second > maxCIBAExpiry {
			return nil, errInvalidRequest("requested_expiry must be a positive integer of at most 3600 seconds")
		}
		expiry = time.Duration(n) * time.Second
	}
	var details json.RawMessage
	if s, ok := form["authorization_details"]; ok {
		if !validAuthorizationDetails(s[0]) {
			return nil, cibaErr("invalid_authorization_details", "authorization_details must be a JSON array of objects with a type")
		}
		details = json.RawMessage(s[0])
	}
	audience := form.Get("audience")
	if audience != "" {
		if e := p.checkAudience(audience); e != nil {
			return nil, e
		}
	}

	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.userBySubLocked(hint.Sub)
	if u == nil {
		return nil, cibaErr("unknown_user_id", "no user has this sub")
	}
	for k, c := range p.cibaRequests {
		if now.Sub(c.expires) > 10*time.Minute {
			delete(p.cibaRequests, k)
		}
	}
	id := randomString(24)
	p.cibaRequests[id] = &cibaRequest{
		clientID:    client.ID,
		email:       u.email,
		scope:       scope,
		audience:    audience,
		authDetails: details,
		expires:     now.Add(expiry),
		decideAt:    now.Add(p.cibaDelay),
		deny:        slices.Contains(p.cibaDeny, u.sub),
		interval:    p.cibaInterval,
	}
	p.log.Info("devop: backchannel authentication requested", "client_id", client.ID, "sub", u.sub, "binding_message", msg[0])
	return map[string]any{
		"auth_req_id": id,
		"expires_in":  int64(expiry / time.Second),
		"interval":    int64((p.cibaInterval + time.Second - 1) / time.Second),
	}, nil
}

// validBindingMessage checks Auth0's binding_message rules.
func validBindingMessage(s string) bool {
	if len(s) > maxBindingMessageLen {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			strings.IndexByte(" +-_.,:#", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validAuthorizationDetails checks RFC 9396 §2: a JSON array of objects,
// each with a string type.
func validAuthorizationDetails(s string) bool {
	var list []map[string]any
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if err := dec.Decode(&list); err != nil || dec.More() || list == nil {
		return false
	}
	for _, d := range list {
		if t, ok := d["type"].(string); !ok || t == "" {
			return false
		}
	}
	return true
}

// userBySubLocked returns the known user with this sub, or nil. Callers
// hold p.mu.
func (p *Provider) userBySubLocked(sub string) *user {
	for _, u := range p.users {
		if u.sub == sub {
			return u
		}
	}
	return nil
}

// cibaGrant serves the CIBA token request (CIBA Core §10, poll mode).
func (p *Provider) cibaGrant(client Client, form url.Values) (map[string]any, *oauthError) {
	id := form.Get("auth_req_id")
	if id == "" {
		return nil, errInvalidRequest("auth_req_id is required")
	}
	pollErr := func(code, desc string) *oauthError {
		return &oauthError{status: http.StatusBadRequest, code: code, description: desc}
	}
	now := p.now()
	p.mu.Lock()
	req, ok := p.cibaRequests[id]
	switch {
	case !ok:
		p.mu.Unlock()
		return nil, errInvalidGrant("unknown auth_req_id")
	case req.clientID != client.ID:
		p.mu.Unlock()
		return nil, errInvalidGrant("auth_req_id was issued to another client")
	case req.done:
		p.mu.Unlock()
		return nil, errInvalidGrant("auth_req_id has already been used")
	case !now.Before(req.expires):
		p.mu.Unlock()
		return nil, pollErr("expired_token", "the authentication request has expired")
	case !req.lastPoll.IsZero() && now.Sub(req.lastPoll) < req.interval:
		req.lastPoll = now
		req.interval += p.cibaSlowDown
		p.mu.Unlock()
		return nil, pollErr("slow_down", "polling too fast; wait longer between requests")
	}
	req.lastPoll = now
	if now.Before(req.decideAt) {
		p.mu.Unlock()
		return nil, pollErr("authorization_pending", "the user has not answered yet")
	}
	req.done = true
	if req.deny {
		p.mu.Unlock()
		return nil, pollErr("access_denied", "the user denied the request")
	}
	g := &grant{
		id:       randomString(16),
		clientID: client.ID,
		email:    req.email,
		sid:      randomString(16),
		scope:    req.scope,
		audience: req.audience,
		authTime: req.decideAt.Truncate(time.Second),
	}
	p.grants[g.id] = g
	spec := issueSpec{scope: req.scope, audience: req.audience, refresh: slices.Contains(req.scope, "offline_access")}
	if req.authDetails != nil {
		spec.extra = map[string]any{"authorization_details": req.authDetails}
	}
	p.mu.Unlock()
	return p.issueTokens(client, g, spec)
}
