package auth0kit

import (
	"context"
	"net/http"
	"net/url"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// Scopes Auth0 expects for account linking (auth0-server-js).
const (
	linkScope   = "openid link_account offline_access"
	unlinkScope = "openid unlink_account"
)

// maxConnectionLength bounds the connection names of a link request.
const maxConnectionLength = 256

// LinkOptions customise [Client.StartLinkUser] and [Client.StartUnlinkUser].
type LinkOptions struct {
	// Connection is the connection of the identity to link or unlink
	// (requested_connection). Required.
	Connection string
	// ConnectionScope is requested from the linked connection
	// (requested_connection_scope); link only.
	ConnectionScope string
	// AppState is any JSON-encodable value handed back to the OnCallback
	// hook in [CallbackInfo].AppState.
	AppState any
	// AuthorizationParams are added to /authorize like LoginOptions'
	// (redirect_uri included); scope, requested_connection,
	// requested_connection_scope and id_token_hint are the SDK's.
	AuthorizationParams map[string]string
	// ReturnTo is where the user lands after the callback, as on login.
	ReturnTo string
}

// StartLinkUser begins linking an identity of opts.Connection to the
// logged-in user: an authorization request with scope
// "openid link_account offline_access", requested_connection(_scope) and
// the session's ID token as id_token_hint (PKCE, state and nonce as on
// login). It completes through the normal callback route; the OnCallback
// hook sees [CallbackInfo].Flow == "link" and the AppState, and the session
// is replaced by the one of the returned tokens. It needs a session with an
// ID token, on the request's own domain in resolver mode (otherwise an
// error matching [ErrNoSession], and [ErrDomainMismatch] for another
// domain's session).
func (c *Client) StartLinkUser(ctx context.Context, opts LinkOptions) (string, error) {
	ex, err := c.requestExchange(ctx)
	if err != nil {
		return "", err
	}
	return c.startLinkFlow(ctx, ex, "link", opts)
}

// StartUnlinkUser begins unlinking the identity of opts.Connection from the
// logged-in user (scope "openid unlink_account"); see [Client.StartLinkUser].
func (c *Client) StartUnlinkUser(ctx context.Context, opts LinkOptions) (string, error) {
	ex, err := c.requestExchange(ctx)
	if err != nil {
		return "", err
	}
	return c.startLinkFlow(ctx, ex, "unlink", opts)
}

// startLinkFlow is StartLinkUser ("link") and StartUnlinkUser ("unlink")
// for an exchange.
func (c *Client) startLinkFlow(ctx context.Context, ex adapter.Exchange, flow string, opts LinkOptions) (string, error) {
	if opts.Connection == "" || len(opts.Connection) > maxConnectionLength || len(opts.ConnectionScope) > maxConnectionLength {
		return "", &Error{Code: CodeAuthorizationError, Message: "a connection (at most 256 bytes) is required to " + flow + " an account"}
	}
	ls, err := c.requireSession(ctx, ex)
	if err != nil {
		return "", err
	}
	idToken := ls.s.TokenSet.IDToken
	ls.unlock()
	if idToken == "" {
		return "", &Error{Code: CodeMissingSession, Message: "Unable to " + flow + " the account: the session has no ID token."}
	}
	forced := map[string]string{
		"requested_connection": opts.Connection,
		"id_token_hint":        idToken,
		"organization":         "",
		"invitation":           "",
	}
	if flow == "link" {
		forced["scope"] = linkScope
		if opts.ConnectionScope != "" {
			forced["requested_connection_scope"] = opts.ConnectionScope
		}
	} else {
		forced["scope"] = unlinkScope
	}
	return c.startLogin(ctx, ex, LoginOptions{
		AuthorizationParams: opts.AuthorizationParams, ReturnTo: opts.ReturnTo, AppState: opts.AppState,
		flow: flow, forced: forced,
	})
}

// handleLink serves /auth/link?connection=…&connectionScope=…&returnTo=….
func (c *Client) handleLink(ctx context.Context, ex adapter.Exchange) *adapter.Response {
	return c.handleLinkFlow(ctx, ex, "link")
}

// handleUnlink serves /auth/unlink?connection=…&returnTo=….
func (c *Client) handleUnlink(ctx context.Context, ex adapter.Exchange) *adapter.Response {
	return c.handleLinkFlow(ctx, ex, "unlink")
}

func (c *Client) handleLinkFlow(ctx context.Context, ex adapter.Exchange, flow string) *adapter.Response {
	q, err := url.ParseQuery(ex.RawQuery())
	if err != nil {
		return errorResponse(&Error{Code: CodeAuthorizationError, Message: "the " + flow + " query is malformed", Err: err})
	}
	opts := LinkOptions{Connection: q.Get("connection"), ReturnTo: q.Get("returnTo")}
	if flow == "link" {
		opts.ConnectionScope = q.Get("connectionScope")
	}
	loc, err := c.startLinkFlow(ctx, ex, flow, opts)
	noStore(ex)
	if err != nil {
		c.s.logger.Info("auth0kit: "+flow+" refused", "error", err)
		return errorResponse(err)
	}
	return redirect(http.StatusTemporaryRedirect, loc)
}
