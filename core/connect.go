package auth0kit

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// Connected Accounts error codes (nextjs-auth0's ConnectAccountErrorCodes
// and ConnectedAccountsErrorCodes).
const (
	CodeInvalidConnectRequest = "invalid_connect_request"
	CodeFailedToInitiate      = "failed_to_initiate"
	CodeFailedToComplete      = "failed_to_complete"
	CodeFailedToList          = "failed_to_list_connected_accounts"
	CodeFailedToDisconnect    = "failed_to_disconnect_account"
)

// responseTypeConnectCode marks a transaction of the Connected Accounts
// flow, whose callback carries connect_code instead of code.
const responseTypeConnectCode = "connect_code"

// maxConnectedAccountPages bounds ConnectedAccounts' paging.
const maxConnectedAccountPages = 100

// ConnectAccountOptions start the Connected Accounts flow.
type ConnectAccountOptions struct {
	// Connection is the connection to link, e.g. "google-oauth2". Required.
	Connection string
	// Scopes are the permissions asked of the identity provider.
	Scopes []string
	// AuthorizationParams go to the connection's authorization request
	// (the My Account API's authorization_params).
	AuthorizationParams map[string]string
	// ReturnTo is where the callback sends the user; it must be
	// same-origin or relative, like the login returnTo.
	ReturnTo string
}

// ConnectedAccount is an account linked through the Connected Accounts
// flow, as the My Account API describes it.
type ConnectedAccount struct {
	ID         string   `json:"id"`
	Connection string   `json:"connection"`
	AccessType string   `json:"access_type,omitempty"`
	Scopes     []string `json:"scopes,omitempty"`
	CreatedAt  string   `json:"created_at,omitempty"`
	ExpiresAt  string   `json:"expires_at,omitempty"`
}

// ConnectAccount starts linking an account of another connection to the
// logged-in user (Auth0 Connected Accounts, for Token Vault): it asks the
// My Account API for a connect ticket with PKCE and state, keeps the
// transaction in a cookie, and returns the URL to redirect the browser
// to. The callback route completes the flow and gives the account to the
// OnCallback hook ([CallbackInfo].ConnectedAccount). A session refreshed
// for the My Account token is written to the response.
//
// Errors: [ErrNoSession], an [*Error] with code invalid_connect_request
// (no connection), the errors of [Client.GetAccessToken], or an [*Error]
// with code failed_to_initiate wrapping a [*MyAccountError].
func (c *Client) ConnectAccount(ctx context.Context, opts ConnectAccountOptions) (string, error) {
	ex, err := c.requestExchange(ctx)
	if err != nil {
		return "", err
	}
	return c.connectAccount(ctx, ex, opts)
}

// connectAccount is [Client.ConnectAccount] for an exchange.
func (c *Client) connectAccount(ctx context.Context, ex adapter.Exchange, opts ConnectAccountOptions) (string, error) {
	if opts.Connection == "" {
		return "", &Error{Code: CodeInvalidConnectRequest, Message: "a connection is required"}
	}
	base, err := c.baseURL(ex)
	if err != nil {
		return "", err
	}
	tok, err := c.myAccountToken(ctx, ex, ScopeCreateConnectedAccounts)
	if err != nil {
		return "", err
	}
	returnTo, ok := SafeReturnTo(opts.ReturnTo, base)
	if !ok {
		returnTo = c.cfg.SignInReturnToPath
	}
	t := &transaction{CodeVerifier: randomToken(), ResponseType: responseTypeConnectCode, State: randomToken(),
		ReturnTo: returnTo, RedirectURI: absoluteURL(base, base.EscapedPath()+c.s.routes.Callback)}
	req := struct {
		Connection          string            `json:"connection"`
		RedirectURI         string            `json:"redirect_uri"`
		State               string            `json:"state"`
		CodeChallenge       string            `json:"code_challenge"`
		CodeChallengeMethod string            `json:"code_challenge_method"`
		Scopes              []string          `json:"scopes,omitempty"`
		AuthorizationParams map[string]string `json:"authorization_params,omitempty"`
	}{opts.Connection, t.RedirectURI, t.State, pkceChallenge(t.CodeVerifier), "S256", opts.Scopes, opts.AuthorizationParams}
	var res struct {
		ConnectURI    string `json:"connect_uri"`
		ConnectParams struct {
			Ticket string `json:"ticket"`
		} `json:"connect_params"`
		AuthSession string `json:"auth_session"`
	}
	if err := c.callMyAccount(ctx, tok, http.MethodPost, "connected-accounts/connect", req, &res); err != nil {
		return "", &Error{Code: CodeFailedToInitiate, Message: "the connect account flow could not be started", Err: err}
	}
	u, err := url.Parse(res.ConnectURI)
	if err != nil || res.ConnectParams.Ticket == "" || res.AuthSession == "" || !c.onIssuerOrigin(u) {
		return "", &Error{Code: CodeFailedToInitiate, Message: "the My Account API answer is unusable",
			Err: errors.New("connect_uri not on the issuer's origin, or ticket or auth_session missing")}
	}
	t.AuthSession = clamp(res.AuthSession)
	if err := c.saveTransaction(ex, t); err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("ticket", res.ConnectParams.Ticket)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// onIssuerOrigin reports whether u has the issuer's scheme and host, so a
// compromised or confused API cannot turn the connect redirect into an
// open redirect.
func (c *Client) onIssuerOrigin(u *url.URL) bool {
	iss, err := url.Parse(c.s.issuer)
	return err == nil && u != nil && u.Scheme == iss.Scheme && u.Host == iss.Host
}

// completeConnect finishes the Connected Accounts flow of transaction t
// from the callback query: connect_code goes to the My Account API's
// connected-accounts/complete with the PKCE verifier. The My Account
// token it uses is persisted when it was refreshed. It returns the current
// session and the account.
func (c *Client) completeConnect(ctx context.Context, ex adapter.Exchange, t *transaction, params callbackParams) (*Session, *ConnectedAccount, error) {
	if params.errCode != "" {
		return nil, nil, &Error{Code: CodeFailedToComplete, Message: "the connect account flow returned an error",
			Err: &OAuthError{Code: params.errCode, Description: params.errDesc, URI: params.errURI}}
	}
	q, _ := url.ParseQuery(ex.RawQuery()) // parsed once already by parseCallbackParams
	if len(q["connect_code"]) != 1 || q.Get("connect_code") == "" {
		return nil, nil, &Error{Code: CodeFailedToComplete, Message: "the connect_code parameter is missing or repeated"}
	}
	tok, err := c.myAccountToken(ctx, ex, ScopeCreateConnectedAccounts)
	if err != nil {
		return nil, nil, err
	}
	req := map[string]string{"auth_session": t.AuthSession, "connect_code": q.Get("connect_code"),
		"redirect_uri": t.RedirectURI, "code_verifier": t.CodeVerifier}
	var acct ConnectedAccount
	if err := c.callMyAccount(ctx, tok, http.MethodPost, "connected-accounts/complete", req, &acct); err != nil {
		return nil, nil, &Error{Code: CodeFailedToComplete, Message: "the connect account flow could not be completed", Err: err}
	}
	s, err := c.getSession(ctx, ex)
	if err != nil {
		return nil, nil, err
	}
	return s, &acct, nil
}

// ConnectedAccounts lists the accounts linked to the logged-in user,
// following the API's cursor for at most 100 pages and stopping on a
// cursor seen before. Connection tokens in the session for connections no
// longer linked are dropped.
func (c *Client) ConnectedAccounts(ctx context.Context) ([]ConnectedAccount, error) {
	ex, err := c.requestExchange(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := c.myAccountToken(ctx, ex, ScopeReadConnectedAccounts)
	if err != nil {
		return nil, err
	}
	all, complete, err := c.listConnectedAccounts(ctx, tok)
	if err != nil {
		return nil, err
	}
	if complete {
		linked := map[string]bool{}
		for _, a := range all {
			linked[a.Connection] = true
		}
		if err := c.pruneConnectionTokens(ctx, ex, func(conn string) bool { return !linked[conn] }); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// listConnectedAccounts pages through connected-accounts/accounts;
// complete is false when the page bound or a cursor loop stopped it.
func (c *Client) listConnectedAccounts(ctx context.Context, tok *AccessToken) ([]ConnectedAccount, bool, error) {
	var all []ConnectedAccount
	seen := map[string]bool{}
	next := ""
	for range maxConnectedAccountPages {
		path := "connected-accounts/accounts"
		if next != "" {
			path += "?from=" + url.QueryEscape(next)
		}
		var page struct {
			Accounts []ConnectedAccount `json:"accounts"`
			Next     string             `json:"next"`
		}
		if err := c.callMyAccount(ctx, tok, http.MethodGet, path, nil, &page); err != nil {
			return nil, false, &Error{Code: CodeFailedToList, Message: "the connected accounts could not be listed", Err: err}
		}
		all = append(all, page.Accounts...)
		if page.Next == "" {
			return all, true, nil
		}
		if seen[page.Next] {
			c.s.logger.Warn("auth0kit: the connected accounts cursor loops; the list is cut")
			return all, false, nil
		}
		seen[page.Next] = true
		next = page.Next
	}
	c.s.logger.Warn("auth0kit: more than 100 pages of connected accounts; the list is cut")
	return all, false, nil
}

// DisconnectAccount unlinks every account of connection from the
// logged-in user (My Account API DELETE) and drops that connection's
// cached tokens from the session.
func (c *Client) DisconnectAccount(ctx context.Context, connection string) error {
	if connection == "" {
		return &Error{Code: CodeInvalidConnectRequest, Message: "a connection is required"}
	}
	ex, err := c.requestExchange(ctx)
	if err != nil {
		return err
	}
	tok, err := c.myAccountToken(ctx, ex, ScopeReadConnectedAccounts+" "+ScopeDeleteConnectedAccounts)
	if err != nil {
		return err
	}
	all, _, err := c.listConnectedAccounts(ctx, tok)
	if err != nil {
		return err
	}
	for _, a := range all {
		if a.Connection != connection || a.ID == "" {
			continue
		}
		if err := c.callMyAccount(ctx, tok, http.MethodDelete, "connected-accounts/accounts/"+url.PathEscape(a.ID), nil, nil); err != nil {
			return &Error{Code: CodeFailedToDisconnect, Message: "the account could not be disconnected", Err: err}
		}
	}
	return c.pruneConnectionTokens(ctx, ex, func(conn string) bool { return conn == connection })
}

// pruneConnectionTokens drops the session's connection tokens whose
// connection drop selects, writing the session only when one went.
func (c *Client) pruneConnectionTokens(ctx context.Context, ex adapter.Exchange, drop func(string) bool) error {
	ls, err := c.requireSession(ctx, ex)
	if err != nil {
		return err
	}
	defer ls.unlock()
	sets := connectionTokenSets(ls.s)
	kept := slices.DeleteFunc(slices.Clone(sets), func(t ConnectionTokenSet) bool { return drop(t.Connection) })
	if len(kept) == len(sets) {
		return nil
	}
	next := wire.CloneSession(ls.s)
	setConnectionTokenSets(next, kept)
	return ls.save(ctx, next)
}

// handleConnect serves the connect route:
// ?connection=…&returnTo=…&scopes=…(repeated, or scopes[]=…), every other
// parameter an authorization parameter. 400 without a connection, 401
// without a session, 307 to the provider's connect page.
func (c *Client) handleConnect(ctx context.Context, ex adapter.Exchange) *adapter.Response {
	noStore(ex)
	q, err := url.ParseQuery(ex.RawQuery())
	if err != nil || q.Get("connection") == "" {
		return &adapter.Response{Status: http.StatusBadRequest, ContentType: "text/plain; charset=utf-8", Body: []byte("A connection is required.\n")}
	}
	opts := ConnectAccountOptions{Connection: q.Get("connection"), ReturnTo: q.Get("returnTo")}
	for _, k := range []string{"scopes", "scopes[]"} {
		for _, v := range q[k] {
			if v != "" {
				opts.Scopes = append(opts.Scopes, v)
			}
		}
	}
	for k, v := range q {
		switch k {
		case "connection", "returnTo", "scopes", "scopes[]":
			continue
		}
		if len(v) > 0 && v[len(v)-1] != "" {
			if opts.AuthorizationParams == nil {
				opts.AuthorizationParams = map[string]string{}
			}
			opts.AuthorizationParams[k] = v[len(v)-1]
		}
	}
	loc, err := c.connectAccount(ctx, ex, opts)
	if err != nil {
		c.s.logger.Info("auth0kit: connect account failed", "error", err)
		return connectErrorResponse(err)
	}
	return redirect(http.StatusTemporaryRedirect, loc)
}

// connectErrorResponse answers a failed connect: the My Account API's 4xx
// as it came, 502 when the API failed or could not be reached, the usual
// status otherwise. The body never carries upstream text.
func connectErrorResponse(err error) *adapter.Response {
	var mae *MyAccountError
	var e *Error
	if errors.As(err, &e) && (e.Code == CodeFailedToInitiate || e.Code == CodeFailedToComplete) {
		status := http.StatusBadGateway
		msg := "An unexpected error occurred while trying to initiate the connect account flow."
		if errors.As(err, &mae) {
			msg = "The request to initiate the connect account flow failed with status " + http.StatusText(mae.Status) + "."
			if mae.Status/100 == 4 {
				status = mae.Status
			}
		}
		return &adapter.Response{Status: status, ContentType: "text/plain; charset=utf-8", Body: []byte(msg + "\n")}
	}
	if errors.As(err, &e) && e.Code == CodeInvalidConnectRequest {
		return &adapter.Response{Status: http.StatusBadRequest, ContentType: "text/plain; charset=utf-8", Body: []byte(strings.ToUpper(e.Message[:1]) + e.Message[1:] + ".\n")}
	}
	if errors.Is(err, ErrNoSession) {
		return &adapter.Response{Status: http.StatusUnauthorized, ContentType: "text/plain; charset=utf-8", Body: []byte("The user does not have an active session.\n")}
	}
	return errorResponse(err)
}

// connectStatus is the HTTP status of a Connected Accounts error: 400 for
// bad input or a refused consent, the My Account API's 4xx as it came, 502
// when the API failed or could not be reached.
func connectStatus(e *Error) int {
	var mae *MyAccountError
	var oe *OAuthError
	switch {
	case e.Code == CodeInvalidConnectRequest, errors.As(e.Err, &oe), e.Err == nil:
		return http.StatusBadRequest
	case errors.As(e.Err, &mae) && mae.Status/100 == 4:
		return mae.Status
	}
	return http.StatusBadGateway
}
