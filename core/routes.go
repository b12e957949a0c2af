package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// handle serves the SDK's routes (login, callback, logout, profile). It
// returns handled=false for any other request, which the adapter passes on
// to the application. Adapters call it from their middleware and write the
// returned [adapter.Response]; all route logic lives here so every framework
// answers alike.
func (c *Client) handle(ctx context.Context, ex adapter.Exchange) (res *adapter.Response, handled bool) {
	path, ok := c.routePath(ex.Path())
	if !ok {
		return nil, false
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	h := c.route(ex.Method(), path)
	if h == nil {
		return nil, false
	}
	sdkHeaders(ex)
	if c.s.routeChain != nil {
		return c.serveHooked(ctx, ex, path, h), true
	}
	return h(ctx, ex), true
}

// route returns the handler of an SDK route, or nil.
func (c *Client) route(method, path string) func(context.Context, adapter.Exchange) *adapter.Response {
	r := c.s.routes
	if c.s.myAccountProxy || c.s.myOrgProxy {
		if _, _, ok, _ := c.proxyTarget(path); ok {
			return c.handleProxy
		}
	}
	if method == http.MethodPost && path == r.BackchannelLogout {
		return c.handleBackchannelLogout
	}
	if method != http.MethodGet && method != http.MethodHead {
		return nil
	}
	switch path {
	case r.Login:
		return c.handleLogin
	case r.Callback:
		return c.handleCallback
	case r.Logout:
		return c.handleLogout
	case r.Profile:
		return c.handleProfile
	case r.AccessToken:
		if c.s.accessTokenRoute {
			return c.handleAccessToken
		}
	case r.ConnectAccount:
		if c.s.connectRoute {
			return c.handleConnect
		}
	}
	if c.cfg.Routes.AccountLinking {
		switch path {
		case r.Link:
			return c.handleLink
		case r.Unlink:
			return c.handleUnlink
		}
	}
	return nil
}

// isRoute reports whether path is one of the SDK's routes.
func (c *Client) isRoute(path string) bool {
	path, ok := c.routePath(path)
	if !ok {
		return false
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	r := c.s.routes
	return path == r.Login || path == r.Callback || path == r.Logout || path == r.Profile || path == r.BackchannelLogout ||
		(path == r.AccessToken && c.s.accessTokenRoute) || (path == r.ConnectAccount && c.s.connectRoute) ||
		(c.cfg.Routes.AccountLinking && (path == r.Link || path == r.Unlink))
}

func redirect(status int, location string) *adapter.Response {
	return &adapter.Response{Status: status, Location: location}
}

// errorResponse is the plain-text answer for err, with the status of
// [HTTPStatus]. Internal details stay in the logs.
func errorResponse(err error) *adapter.Response {
	status := HTTPStatus(err)
	msg := http.StatusText(status)
	var e *Error
	var cfg *InvalidConfigurationError
	switch {
	case errors.As(err, &cfg):
		msg = "The SDK is misconfigured."
	case errors.As(err, &e):
		msg = e.Message
	case errors.Is(err, ErrIDTokenInvalid):
		msg = "The ID token is invalid."
	}
	return &adapter.Response{Status: status, ContentType: "text/plain; charset=utf-8", Body: []byte(msg + "\n")}
}

// jsonError is the JSON answer {"error":code,"error_description":msg}.
func jsonError(status int, code, description string) *adapter.Response {
	b, _ := json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{code, description})
	return &adapter.Response{Status: status, ContentType: "application/json", Body: b}
}

func (c *Client) handleLogin(ctx context.Context, ex adapter.Exchange) *adapter.Response {
	q, err := url.ParseQuery(ex.RawQuery())
	if err != nil {
		return c.errorAnswer(ex, &Error{Code: CodeAuthorizationError, Message: "the login query is malformed", Err: err})
	}
	opts := LoginOptions{ReturnTo: q.Get("returnTo"), AuthorizationParams: map[string]string{}}
	for k, v := range q {
		if k == "returnTo" || k == "redirect_uri" || len(v) == 0 || v[len(v)-1] == "" { // redirect_uri: per call from code only
			continue
		}
		opts.AuthorizationParams[k] = v[len(v)-1]
	}
	loc, err := c.startLogin(ctx, ex, opts)
	if err != nil {
		c.s.logger.Warn("auth0kit: login failed", "error", err)
		return c.errorAnswer(ex, err)
	}
	ex.SetHeader("Cache-Control", "no-store")
	return redirect(http.StatusTemporaryRedirect, loc)
}

func (c *Client) handleCallback(ctx context.Context, ex adapter.Exchange) *adapter.Response {
	s, info, err := c.completeLogin(ctx, ex)
	if err == nil && info.ResponseType != responseTypeConnectCode {
		s, err = c.finishLogin(ctx, ex, s)
	}
	target := ""
	if h := c.cfg.Hooks.OnCallback; h != nil {
		override, hookErr := h(ctx, err, info, s)
		if hookErr != nil {
			err = hookErr
		} else if override != "" {
			target = override
			err = nil
		}
	}
	if err != nil {
		c.s.logger.Info("auth0kit: callback failed", "error", err)
		return c.errorAnswer(ex, err)
	}
	base, berr := c.baseURL(ex)
	if berr != nil {
		return c.errorAnswer(ex, berr)
	}
	if target == "" {
		target = info.ReturnTo
	}
	path, ok := SafeReturnTo(target, base)
	if !ok {
		path = c.cfg.SignInReturnToPath
	}
	noStore(ex)
	return redirect(http.StatusTemporaryRedirect, absoluteURL(base, path))
}

func (c *Client) handleLogout(ctx context.Context, ex adapter.Exchange) *adapter.Response {
	q, _ := url.ParseQuery(ex.RawQuery())
	opts := LogoutOptions{ReturnTo: q.Get("returnTo"), State: q.Get("state")}
	if v, ok := q["federated"]; ok && (len(v) == 0 || v[0] != "false") {
		opts.Federated = true
	}
	loc, err := c.logout(ctx, ex, opts)
	noStore(ex)
	if err != nil {
		c.s.logger.Warn("auth0kit: logout failed", "error", err)
		return c.errorAnswer(ex, err)
	}
	return redirect(http.StatusTemporaryRedirect, loc)
}

func (c *Client) handleProfile(ctx context.Context, ex adapter.Exchange) *adapter.Response {
	s, err := c.getSession(ctx, ex)
	if s == nil { // reading a session already marked the answer no-store
		noStore(ex)
	}
	if err != nil {
		return c.errorAnswer(ex, err)
	}
	if s == nil {
		return &adapter.Response{Status: http.StatusUnauthorized}
	}
	// The session codec's own encoder writes valid, compact JSON;
	// json.Marshal would only validate and compact it again.
	b := wire.AppendUser(make([]byte, 0, 512), &s.User) // one allocation for a typical profile
	return &adapter.Response{Status: http.StatusOK, ContentType: "application/json", Body: b}
}

// loginURL returns the login route with returnTo set to the given path, as
// page guards redirect to it. requestURI is the current path and query.
func (c *Client) loginURL(requestURI string) string {
	if requestURI == "" {
		return c.s.basePath + c.s.routes.Login
	}
	return c.s.basePath + c.s.routes.Login + "?returnTo=" + url.QueryEscape(requestURI)
}

// unauthorizedJSON is the 401 body API guards answer with (nextjs-auth0's
// withApiAuthRequired body).
func unauthorizedJSON() *adapter.Response {
	return &adapter.Response{Status: http.StatusUnauthorized, ContentType: "application/json",
		Body: []byte(`{"error":"not_authenticated","description":"The user does not have an active session or is not authenticated"}`)}
}

// handleBackchannelLogout serves POST /auth/backchannel-logout: the form
// field logout_token; 200 when the sessions were ended, 400 with a JSON
// error for a refused token, 503 when the store is down, 500 when neither
// a store nor a revocation list is configured.
func (c *Client) handleBackchannelLogout(ctx context.Context, ex adapter.Exchange) *adapter.Response {
	ex.SetHeader("Cache-Control", "no-store")
	err := c.HandleBackchannelLogout(ctx, ex.FormValue("logout_token"))
	var cfg *InvalidConfigurationError
	switch {
	case err == nil:
		return &adapter.Response{Status: http.StatusOK}
	case errors.Is(err, ErrBackchannelLogout):
		c.s.logger.Info("auth0kit: logout token refused", "error", err)
		var lte *LogoutTokenError
		errors.As(err, &lte)
		return jsonError(http.StatusBadRequest, "invalid_request", "The logout token is invalid: "+lte.Reason+".")
	case errors.Is(err, ErrSessionStore):
		return jsonError(http.StatusServiceUnavailable, CodeSessionStoreError, "The session store is unavailable.")
	case errors.As(err, &cfg):
		return jsonError(http.StatusInternalServerError, "invalid_configuration", "Back-channel logout is not configured.")
	}
	return jsonError(HTTPStatus(err), CodeBackchannelLogoutError, "The logout token could not be processed.")
}
