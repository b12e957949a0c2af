package devop

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The subset of Auth0's My Account API (audience <issuer>me/) and My
// Organization API (audience <issuer>my-org/) devop serves, strictly:
// the token must come in an "Authorization: Bearer" header (never a
// cookie, body or query), be one of devop's access tokens for that
// audience, and carry the endpoint's scope; JSON bodies need an
// application/json Content-Type; a request carrying a Cookie header is
// refused. Every request, preflights included, is recorded
// ([Provider.ResourceRequests]).
//
//	POST   /me/v1/connected-accounts/connect        create:me:connected_accounts
//	POST   /me/v1/connected-accounts/complete       create:me:connected_accounts
//	GET    /me/v1/connected-accounts/accounts       read:me:connected_accounts (?take=&from=)
//	DELETE /me/v1/connected-accounts/accounts/{id}  delete:me:connected_accounts
//	GET    /me/v1/authentication-methods            read:me:authentication_methods
//	GET    /me/v1/factors                           read:me:factors
//	*      /me/v1/devop/echo                        any token of the audience (echoes the request; ?size=N streams N bytes)
//	GET    /my-org/organization/details             read:my_org:details
//	GET    /my-org/organization/members             read:my_org:members
//	OPTIONS /me/*, /my-org/*                        CORS preflight, which must carry no credentials
//
// The connect_uri is <issuer>connect: a consent page whose form approves
// (or denies) the link and redirects to the redirect_uri with
// connect_code and state.

// MyAccountScopes are the My Account API scopes devop grants on top of the
// grant's scopes for the audience <issuer>me/.
var MyAccountScopes = []string{
	"create:me:connected_accounts", "read:me:connected_accounts", "delete:me:connected_accounts",
	"read:me:authentication_methods", "read:me:factors",
}

// MyOrgScopes are the My Organization API scopes devop grants for the
// audience <issuer>my-org/.
var MyOrgScopes = []string{"read:my_org:details", "read:my_org:members"}

const (
	connectTicketTTL   = 5 * time.Minute
	maxResourceLog     = 1000
	maxConnectedPerUsr = 50
	accountsPageSize   = 2 // small, so clients must follow the cursor
	maxEchoSize        = 64 << 20
)

// ResourceRequest is what the My Account or My Organization API received.
type ResourceRequest struct {
	Method string
	Path   string
	Header http.Header
}

// connectedAccount is a linked account.
type connectedAccount struct {
	ID         string   `json:"id"`
	Connection string   `json:"connection"`
	AccessType string   `json:"access_type"`
	Scopes     []string `json:"scopes,omitempty"`
	CreatedAt  string   `json:"created_at"`
}

// connectTicket is a Connected Accounts flow between connect and
// complete, keyed by auth_session.
type connectTicket struct {
	ticket, authSession    string
	email, clientID        string
	connection, redirectRI string
	state, challenge       string
	scopes                 []string
	code                   string // set on consent
	expires                time.Time
}

// resourceScopes are the extra scopes an audience grants in a refresh.
func (p *Provider) resourceScopes(aud string) []string {
	switch aud {
	case p.issuer + "me/":
		return MyAccountScopes
	case p.issuer + "my-org/":
		return MyOrgScopes
	}
	return nil
}

// ResourceRequests returns what the My Account and My Organization APIs
// received, oldest first (at most the last 1000).
func (p *Provider) ResourceRequests() []ResourceRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.resourceLog)
}

// ConnectedAccounts returns the connections linked to the user with this
// e-mail address.
func (p *Provider) ConnectedAccounts(email string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, a := range p.connected[strings.ToLower(email)] {
		out = append(out, a.Connection)
	}
	return out
}

func (p *Provider) myAccountRoutes(mux *http.ServeMux, b string) {
	me, org := p.issuer+"me/", p.issuer+"my-org/"
	mux.HandleFunc("POST "+b+"/me/v1/connected-accounts/connect", p.resource(me, "create:me:connected_accounts", p.handleConnectStart))
	mux.HandleFunc("POST "+b+"/me/v1/connected-accounts/complete", p.resource(me, "create:me:connected_accounts", p.handleConnectComplete))
	mux.HandleFunc("GET "+b+"/me/v1/connected-accounts/accounts", p.resource(me, "read:me:connected_accounts", p.handleAccountsList))
	mux.HandleFunc("DELETE "+b+"/me/v1/connected-accounts/accounts/{id}", p.resource(me, "delete:me:connected_accounts", p.handleAccountDelete))
	mux.HandleFunc("GET "+b+"/me/v1/authentication-methods", p.resource(me, "read:me:authentication_methods", func(w http.ResponseWriter, r *http.Request, at *accessToken) {
		writeJSON(w, http.StatusOK, map[string]any{"authentication_methods": []map[string]any{{"id": "password|" + at.email, "type": "password"}}})
	}))
	mux.HandleFunc("GET "+b+"/me/v1/factors", p.resource(me, "read:me:factors", func(w http.ResponseWriter, r *http.Request, at *accessToken) {
		writeJSON(w, http.StatusOK, map[string]any{"factors": []map[string]any{{"type": "otp", "usage": []string{"secondary"}}}})
	}))
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		mux.HandleFunc(m+" "+b+"/me/v1/devop/echo", p.resource(me, "", p.handleEcho))
		mux.HandleFunc(m+" "+b+"/my-org/devop/echo", p.resource(org, "", p.handleEcho))
	}
	mux.HandleFunc("GET "+b+"/my-org/organization/details", p.resource(org, "read:my_org:details", func(w http.ResponseWriter, r *http.Request, at *accessToken) {
		writeJSON(w, http.StatusOK, map[string]any{"id": "org_devop", "name": "devop", "display_name": "Devop Inc."})
	}))
	mux.HandleFunc("GET "+b+"/my-org/organization/members", p.resource(org, "read:my_org:members", func(w http.ResponseWriter, r *http.Request, at *accessToken) {
		writeJSON(w, http.StatusOK, map[string]any{"members": []map[string]any{{"email": at.email}}})
	}))
	mux.HandleFunc("OPTIONS "+b+"/me/", p.handlePreflight)
	mux.HandleFunc("OPTIONS "+b+"/my-org/", p.handlePreflight)
	mux.HandleFunc("GET "+b+"/connect", p.handleConnectPage)
	mux.HandleFunc("POST "+b+"/connect", p.handleConnectDecision)
}

// problem writes an RFC 9457 problem, as the My Account API does.
func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "https://auth0.com/api-errors/" + strings.ReplaceAll(strings.ToLower(title), " ", "_"),
		"title": title, "status": status, "detail": safeDesc(detail)})
}

func (p *Provider) record(r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.resourceLog) >= maxResourceLog {
		p.resourceLog = p.resourceLog[1:]
	}
	p.resourceLog = append(p.resourceLog, ResourceRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()})
}

// resource wraps an API handler with the token checks: one Authorization
// header (Bearer, or DPoP with a valid proof for a DPoP-bound token, whose
// key must be the token's cnf.jkt), no cookie, a live devop access token
// for audience with scope.
func (p *Provider) resource(audience, scope string, h func(http.ResponseWriter, *http.Request, *accessToken)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p.record(r)
		w.Header().Set("Cache-Control", "no-store")
		if r.Header.Get("Cookie") != "" {
			problem(w, http.StatusBadRequest, "Bad Request", "cookies are not accepted")
			return
		}
		if r.URL.Query().Has("access_token") {
			problem(w, http.StatusBadRequest, "Bad Request", "access tokens in the query are not accepted")
			return
		}
		auth := r.Header.Values("Authorization")
		scheme, token, _ := strings.Cut(strings.Join(auth, ""), " ")
		var bound string // the token's cnf.jkt: DPoP-bound (RFC 9449 §6)
		if _, claims, err := p.verifyJWT(token); err == nil {
			if cnf, ok := claims["cnf"].(map[string]any); ok {
				bound, _ = cnf["jkt"].(string)
				if bound == "" {
					bound = "-" // a cnf this API cannot check: never accepted
				}
			}
		}
		switch {
		case len(auth) != 1 || token == "" || strings.ContainsAny(token, " ,"):
			w.Header().Set("WWW-Authenticate", `Bearer realm="devop"`)
			problem(w, http.StatusUnauthorized, "Unauthorized", "a single Authorization header with a Bearer or DPoP token is required")
			return
		case scheme == "Bearer" && bound != "":
			// A DPoP-bound token is never accepted as Bearer (RFC 9449 §7.1).
			w.Header().Set("WWW-Authenticate", `DPoP realm="devop", error="invalid_token"`)
			problem(w, http.StatusUnauthorized, "Unauthorized", "a DPoP-bound access token needs the DPoP scheme and a proof")
			return
		case scheme == "DPoP":
			if bound == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="devop", error="invalid_token"`)
				problem(w, http.StatusUnauthorized, "Unauthorized", "the access token is not DPoP-bound")
				return
			}
			proofs := r.Header.Values("DPoP")
			if len(proofs) != 1 {
				w.Header().Set("WWW-Authenticate", `DPoP realm="devop", error="invalid_dpop_proof"`)
				problem(w, http.StatusUnauthorized, "Unauthorized", "exactly one DPoP proof header is required")
				return
			}
			scheme := "http://"
			if r.TLS != nil {
				scheme = "https://"
			}
			jkt, perr := p.dpop.Verify(proofs[0], r.Method, scheme+r.Host+r.URL.Path, token)
			if perr != nil {
				if perr.Nonce != "" {
					w.Header().Set("DPoP-Nonce", perr.Nonce)
				}
				w.Header().Set("WWW-Authenticate", `DPoP realm="devop", error="`+perr.Code+`"`)
				problem(w, http.StatusUnauthorized, "Unauthorized", perr.Description)
				return
			}
			if jkt != bound {
				w.Header().Set("WWW-Authenticate", `DPoP realm="devop", error="invalid_token"`)
				problem(w, http.StatusUnauthorized, "Unauthorized", "the token is not bound to the proof's key")
				return
			}
		case scheme != "Bearer":
			w.Header().Set("WWW-Authenticate", `Bearer realm="devop"`)
			problem(w, http.StatusUnauthorized, "Unauthorized", "a single Authorization header with a Bearer or DPoP token is required")
			return
		}
		at, reason := p.checkAccessToken(token)
		if reason == "" && at.audience != audience {
			reason = "the access token is for another audience"
		}
		if reason != "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="devop", error="invalid_token"`)
			problem(w, http.StatusUnauthorized, "Unauthorized", reason)
			return
		}
		if scope != "" && !slices.Contains(at.scope, scope) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="devop", error="insufficient_scope", scope="`+scope+`"`)
			problem(w, http.StatusForbidden, "Insufficient Scope", "the access token lacks the scope "+scope)
			return
		}
		if r.Method == http.MethodPost && scope != "" {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				problem(w, http.StatusUnsupportedMediaType, "Unsupported Media Type", "the body must be application/json")
				return
			}
		}
		h(w, r, at)
	}
}

func decodeStrict(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFormBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		problem(w, http.StatusBadRequest, "Bad Request", "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func (p *Provider) handleConnectStart(w http.ResponseWriter, r *http.Request, at *accessToken) {
	var req struct {
		Connection          string            `json:"connection"`
		RedirectURI         string            `json:"redirect_uri"`
		State               string            `json:"state"`
		CodeChallenge       string            `json:"code_challenge"`
		CodeChallengeMethod string            `json:"code_challenge_method"`
		Scopes              []string          `json:"scopes"`
		AuthorizationParams map[string]string `json:"authorization_params"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	p.mu.Lock()
	clientID := p.grants[at.grantID].clientID
	p.mu.Unlock()
	client, _ := p.clientByID(clientID)
	switch {
	case !slices.Contains(p.connections, req.Connection):
		problem(w, http.StatusBadRequest, "Bad Request", "unknown connection")
	case !allowedURI(client.RedirectURIs, req.RedirectURI):
		problem(w, http.StatusBadRequest, "Bad Request", "redirect_uri is not registered")
	case req.State == "" || len(req.State) > 256:
		problem(w, http.StatusBadRequest, "Bad Request", "state is required")
	case req.CodeChallengeMethod != "S256" || len(req.CodeChallenge) != 43:
		problem(w, http.StatusBadRequest, "Bad Request", "code_challenge with code_challenge_method S256 is required")
	default:
		t := &connectTicket{ticket: randomString(24), authSession: randomString(24), email: at.email, clientID: clientID,
			connection: req.Connection, redirectRI: req.RedirectURI, state: req.State, challenge: req.CodeChallenge,
			scopes: req.Scopes, expires: p.now().Add(connectTicketTTL)}
		p.mu.Lock()
		for k, old := range p.connectTickets { // expired tickets go
			if !p.now().Before(old.expires) {
				delete(p.connectTickets, k)
			}
		}
		p.connectTickets[t.authSession] = t
		p.mu.Unlock()
		writeJSON(w, http.StatusCreated, map[string]any{"connect_uri": p.endpoint("connect"),
			"connect_params": map[string]string{"ticket": t.ticket}, "auth_session": t.authSession,
			"expires_in": int(connectTicketTTL.Seconds())})
	}
}

func (p *Provider) ticketByTicket(ticket string) *connectTicket {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.connectTickets {
		if subtle.ConstantTimeCompare([]byte(t.ticket), []byte(ticket)) == 1 && p.now().Before(t.expires) {
			return t
		}
	}
	return nil
}

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect an account · devop</title></head><body>
<h1>Connect {{.Connection}}</h1>
<p>Allow the application to link your {{.Connection}} account{{if .Scopes}} with {{.Scopes}}{{end}}?</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="ticket" value="{{.Ticket}}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>`))

func (p *Provider) handleConnectPage(w http.ResponseWriter, r *http.Request) {
	t := p.ticketByTicket(r.URL.Query().Get("ticket"))
	if t == nil {
		errorPage(w, http.StatusBadRequest, "Invalid ticket", "The connect ticket is unknown or expired.")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	_ = consentPage.Execute(w, map[string]any{"Connection": t.connection, "Scopes": strings.Join(t.scopes, " "),
		"Action": p.endpoint("connect"), "Ticket": t.ticket})
}

func (p *Provider) handleConnectDecision(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	t := p.ticketByTicket(r.PostForm.Get("ticket"))
	if t == nil {
		errorPage(w, http.StatusBadRequest, "Invalid ticket", "The connect ticket is unknown or expired.")
		return
	}
	params := url.Values{"state": {t.state}}
	p.mu.Lock()
	if r.PostForm.Get("decision") == "allow" && t.code == "" {
		t.code = randomString(24)
		params.Set("connect_code", t.code)
	} else {
		params.Set("error", "access_denied")
		delete(p.connectTickets, t.authSession)
	}
	p.mu.Unlock()
	loc, err := withParams(t.redirectRI, params)
	if err != nil {
		errorPage(w, http.StatusBadRequest, "Bad redirect_uri", "The redirect URI is unusable.")
		return
	}
	http.Redirect(w, r, loc, http.StatusFound)
}

func (p *Provider) handleConnectComplete(w http.ResponseWriter, r *http.Request, at *accessToken) {
	var req struct {
		AuthSession  string `json:"auth_session"`
		ConnectCode  string `json:"connect_code"`
		RedirectURI  string `json:"redirect_uri"`
		CodeVerifier string `json:"code_verifier"`
	}
	if !decodeStrict(w, r, &req) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.connectTickets[req.AuthSession]
	sum := sha256.Sum256([]byte(req.CodeVerifier))
	switch {
	case t == nil || !p.now().Before(t.expires) || t.code == "":
		problem(w, http.StatusBadRequest, "Bad Request", "unknown or expired auth_session")
		return
	case t.email != at.email || t.clientID != p.grants[at.grantID].clientID:
		problem(w, http.StatusBadRequest, "Bad Request", "the auth_session belongs to another user or client")
		return
	case subtle.ConstantTimeCompare([]byte(t.code), []byte(req.ConnectCode)) != 1:
		problem(w, http.StatusBadRequest, "Bad Request", "invalid connect_code")
		return
	case req.RedirectURI != t.redirectRI:
		problem(w, http.StatusBadRequest, "Bad Request", "redirect_uri does not match")
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != t.challenge:
		problem(w, http.StatusBadRequest, "Bad Request", "PKCE verification failed")
		return
	}
	delete(p.connectTickets, req.AuthSession) // single use
	list := p.connected[at.email]
	if len(list) >= maxConnectedPerUsr {
		problem(w, http.StatusConflict, "Conflict", "too many connected accounts")
		return
	}
	a := &connectedAccount{ID: "cac_" + randomString(12), Connection: t.connection, AccessType: "offline",
		Scopes: t.scopes, CreatedAt: p.now().UTC().Format(time.RFC3339)}
	p.connected[at.email] = append(list, a)
	writeJSON(w, http.StatusCreated, a)
}

func (p *Provider) handleAccountsList(w http.ResponseWriter, r *http.Request, at *accessToken) {
	q := r.URL.Query()
	take := accountsPageSize
	if v := q.Get("take"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 20 {
			problem(w, http.StatusBadRequest, "Bad Request", "take must be 1 to 20")
			return
		}
		take = n
	}
	from := 0
	if v := q.Get("from"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			problem(w, http.StatusBadRequest, "Bad Request", "invalid from cursor")
			return
		}
		from = n
	}
	p.mu.Lock()
	list := p.connected[at.email]
	out := []connectedAccount{}
	for i := from; i < len(list) && i < from+take; i++ {
		out = append(out, *list[i])
	}
	n := len(list)
	p.mu.Unlock()
	body := map[string]any{"accounts": out}
	if from+take < n {
		body["next"] = strconv.Itoa(from + take)
	}
	writeJSON(w, http.StatusOK, body)
}

func (p *Provider) handleAccountDelete(w http.ResponseWriter, r *http.Request, at *accessToken) {
	id := r.PathValue("id")
	p.mu.Lock()
	list := p.connected[at.email]
	i := slices.IndexFunc(list, func(a *connectedAccount) bool { return a.ID == id })
	if i >= 0 {
		p.connected[at.email] = slices.Delete(slices.Clone(list), i, i+1)
	}
	p.mu.Unlock()
	if i < 0 {
		problem(w, http.StatusNotFound, "Not Found", "no such connected account")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleEcho answers with what it received: method, path, query, headers,
// body length and SHA-256 (the body is read streaming). ?size=N answers
// N bytes of 'x' instead, streamed; ?status=N sets the status.
func (p *Provider) handleEcho(w http.ResponseWriter, r *http.Request, at *accessToken) {
	h := sha256.New()
	n, err := io.Copy(h, http.MaxBytesReader(w, r.Body, maxEchoSize))
	if err != nil {
		problem(w, http.StatusRequestEntityTooLarge, "Payload Too Large", "body too large")
		return
	}
	q := r.URL.Query()
	status := http.StatusOK
	if v, err := strconv.Atoi(q.Get("status")); err == nil && v >= 200 && v < 600 {
		status = v
	}
	w.Header().Set("X-Devop-Echo", "1")
	if v := q.Get("size"); v != "" {
		size, err := strconv.ParseInt(v, 10, 64)
		if err != nil || size < 0 || size > maxEchoSize {
			problem(w, http.StatusBadRequest, "Bad Request", "size must be 0 to 64 MiB")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(status)
		chunk := []byte(strings.Repeat("x", 32<<10))
		for size > 0 {
			k := min(size, int64(len(chunk)))
			if _, err := w.Write(chunk[:k]); err != nil {
				return
			}
			size -= k
		}
		return
	}
	writeJSON(w, status, map[string]any{"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery,
		"headers": r.Header, "body_len": n, "body_sha256": hex.EncodeToString(h.Sum(nil)), "scope": strings.Join(at.scope, " ")})
}

// handlePreflight answers a CORS preflight, which must carry no
// credentials (Fetch §3.2.5).
func (p *Provider) handlePreflight(w http.ResponseWriter, r *http.Request) {
	p.record(r)
	if r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" || r.Header.Get("DPoP") != "" {
		problem(w, http.StatusBadRequest, "Bad Request", "a preflight carries no credentials")
		return
	}
	if r.Header.Get("Access-Control-Request-Method") == "" {
		problem(w, http.StatusBadRequest, "Bad Request", "not a preflight")
		return
	}
	h := w.Header()
	if o := r.Header.Get("Origin"); o != "" {
		h.Set("Access-Control-Allow-Origin", o)
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}
