package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// Access token error codes (nextjs-auth0's AccessTokenErrorCode).
const (
	CodeMissingRefreshToken  = "missing_refresh_token"
	CodeFailedToRefreshToken = "failed_to_refresh_token"
)

var (
	// ErrMissingRefreshToken is returned when an access token is needed but
	// the session has no refresh token: the user must log in again.
	ErrMissingRefreshToken = errors.New("auth0kit: no refresh token in the session")
	// ErrRefreshFailed is returned when the provider refused a refresh.
	// The session is left as it was.
	ErrRefreshFailed = errors.New("auth0kit: the access token could not be refreshed")
)

// AccessTokenOptions select the access token [Client.GetAccessToken]
// returns.
type AccessTokenOptions struct {
	// Audience is the API the token is for; empty means the login's
	// audience. A different audience uses the refresh token to get a token
	// for it (Multi-Resource Refresh Tokens) and keeps it in the session.
	Audience string
	// Scope is the scope the token must carry, merged with the audience's
	// configured scope unless NoScopeMerge is set.
	Scope string
	// NoScopeMerge asks for exactly Scope.
	NoScopeMerge bool
	// Refresh forces a refresh even if the cached token is still valid.
	Refresh bool
}

// AccessToken is a token for calling an API on the user's behalf.
type AccessToken struct {
	Token     string
	ExpiresAt time.Time
	Scope     string
	TokenType string
	Audience  string
}

// tokenChoice is the stored token that answers a request: the session's
// main token set (main) or an entry of AccessTokens (index).
type tokenChoice struct {
	set   AccessTokenSet
	main  bool
	index int
	found bool
}

// GetAccessToken returns an access token for the logged-in user: the cached
// one while it is valid (and not within the refresh leeway of its expiry),
// or a new one from the refresh token, which is then saved in the session
// (rotated refresh token included) through the adapter's response.
//
// Concurrent calls that need the same refresh make exactly one token
// request and share its result, and a request that still carries a refresh
// token rotated moments ago gets the new tokens instead of replaying the
// old one (which a strict provider punishes by revoking the grant). With a
// [sessionstore.Store] that implements [sessionstore.Locker], instances sharing the store
// coordinate the same way. A failed refresh leaves the session unchanged.
//
// Errors: [ErrNoSession], [ErrMissingRefreshToken], [ErrRefreshFailed]
// (wrapping the provider's [*OAuthError]), [*MfaRequiredError] when the
// provider demands multi-factor authentication, [ErrSessionStore].
func (c *Client) GetAccessToken(ctx context.Context, opts AccessTokenOptions) (*AccessToken, error) {
	return c.getAccessToken(ctx, nil, opts)
}

// getAccessToken is [Client.GetAccessToken] for an exchange (nil: the one bound to ctx).
func (c *Client) getAccessToken(ctx context.Context, ex adapter.Exchange, opts AccessTokenOptions) (*AccessToken, error) {
	ls, err := c.requireSession(ctx, ex)
	if err != nil {
		return nil, err
	}
	defer ls.unlock()
	s := ls.s
	if c.resolverMode() {
		// Refresh goes to the session's own domain.
		ctx = withIssuer(ctx, s.Internal.MCDIssuer)
	}
	globalAud := firstNonEmpty(s.TokenSet.Audience, c.cfg.AuthorizationParams["audience"])
	audience := firstNonEmpty(opts.Audience, globalAud)
	requested := opts.Scope
	if !opts.NoScopeMerge {
		requested = mergeScopes(c.scopeFor(audience), opts.Scope)
	}
	choice := c.chooseToken(s, audience, globalAud, requested, opts.Scope != "")
	now := c.s.now()
	if !opts.Refresh && choice.found && choice.set.AccessToken != "" && choice.set.ExpiresAt > 0 &&
		now.Add(c.s.refreshLeeway).Unix() < choice.set.ExpiresAt {
		return c.accessToken(choice.set, audience), nil
	}
	if s.TokenSet.RefreshToken == "" {
		msg := "no access token found and the session has no refresh token; the user needs to log in again"
		if choice.found && choice.set.AccessToken != "" {
			msg = "the access token has expired and the session has no refresh token; the user needs to log in again"
		}
		return nil, &Error{Code: CodeMissingRefreshToken, Message: msg}
	}
	req := refreshRequest{
		refreshToken: s.TokenSet.RefreshToken,
		audience:     audience,
		scope:        requested,
		sendAudience: opts.Audience != "",
		sendScope:    opts.Scope != "",
		sid:          s.Internal.SID,
	}
	res, err := c.refresh(ctx, memoSession(ls.cs.id, s), ls.cs.id, req, s.User.Sub)
	if err != nil {
		return nil, err
	}
	next := c.applyRefresh(ctx, s, res, audience, globalAud, requested)
	if err := ls.save(ctx, next); err != nil {
		return nil, err
	}
	return c.accessToken(res.set, audience), nil
}

func (c *Client) accessToken(set AccessTokenSet, audience string) *AccessToken {
	at := &AccessToken{Token: set.AccessToken, Scope: set.Scope, TokenType: set.TokenType,
		Audience: firstNonEmpty(set.Audience, audience)}
	if set.ExpiresAt > 0 {
		at.ExpiresAt = time.Unix(set.ExpiresAt, 0)
	}
	if at.TokenType == "" {
		at.TokenType = "Bearer"
	}
	return at
}

// chooseToken finds the stored token for audience and requested scope:
// the main token set when the audience is the login's and its requested
// scope covers the request; otherwise the AccessTokens entry for the
// audience whose requested scope covers it with the fewest granted scopes.
func (c *Client) chooseToken(s *Session, audience, globalAud, requested string, scopeGiven bool) tokenChoice {
	ts := s.TokenSet
	if audience == globalAud {
		have := firstNonEmpty(ts.RequestedScope, c.scopeFor(globalAud))
		if !scopeGiven || scopeCovers(have, requested) || scopeCovers(ts.Scope, requested) {
			return tokenChoice{main: true, found: true, set: AccessTokenSet{
				AccessToken: ts.AccessToken, Scope: ts.Scope, RequestedScope: ts.RequestedScope,
				Audience: globalAud, TokenType: ts.TokenType, ExpiresAt: ts.ExpiresAt,
			}}
		}
	}
	best := tokenChoice{}
	for i, at := range s.AccessTokens {
		if at.Audience != audience || !scopeCovers(firstNonEmpty(at.RequestedScope, at.Scope), requested) {
			continue
		}
		if !best.found || scopeCount(at.Scope) < scopeCount(best.set.Scope) {
			best = tokenChoice{set: at, index: i, found: true}
		}
	}
	return best
}

// applyRefresh returns the session with a refresh's result stored: the
// main token set when the token is for the login's audience and scope,
// else an AccessTokens entry; the refresh token and ID token (and the
// user's claims) are always updated, so a rotation is never lost.
func (c *Client) applyRefresh(ctx context.Context, s *Session, res *refreshResult, audience, globalAud, requested string) *Session {
	next := wire.CloneSession(s)
	if res.refreshToken != "" {
		next.TokenSet.RefreshToken = res.refreshToken
	}
	if res.idToken != "" {
		next.TokenSet.IDToken = res.idToken
		if res.claims != nil {
			user := userFromClaims(res.claims, nil)
			if h := c.cfg.Hooks.BeforeSessionSaved; h != nil {
				cand := wire.CloneSession(next)
				cand.User = user
				if out, err := h(ctx, cand, res.idToken); err == nil && out != nil {
					internal := next.Internal
					next = out
					next.Internal = internal
				} else if err != nil {
					c.s.logger.Warn("auth0kit: BeforeSessionSaved failed after a refresh; claims kept", "error", err)
				}
			} else {
				next.User = filterClaims(user, c.s.claims)
			}
		}
	}
	set := res.set
	have := firstNonEmpty(s.TokenSet.RequestedScope, c.scopeFor(globalAud))
	if audience == globalAud && scopeCovers(have, requested) {
		next.TokenSet.AccessToken = set.AccessToken
		next.TokenSet.ExpiresAt = set.ExpiresAt
		next.TokenSet.Scope = set.Scope
		next.TokenSet.TokenType = set.TokenType
		return next
	}
	entry := AccessTokenSet{AccessToken: set.AccessToken, Scope: set.Scope, RequestedScope: requested,
		Audience: audience, TokenType: set.TokenType, ExpiresAt: set.ExpiresAt}
	// The entry moves to the end of the list: the list is kept in order of
	// use (a token in use is refreshed when it expires), and the oldest
	// entries beyond the cap are dropped.
	kept := next.AccessTokens[:0]
	for _, at := range next.AccessTokens {
		if at.Audience == audience && sameScopes(firstNonEmpty(at.RequestedScope, at.Scope), requested) {
			continue
		}
		kept = append(kept, at)
	}
	next.AccessTokens = capOldest(append(kept, entry), c.s.maxAccessTokens)
	return next
}

// capOldest keeps the last n elements of list (the most recently stored).
func capOldest[T any](list []T, n int) []T {
	if n > 0 && len(list) > n {
		return append(list[:0:0], list[len(list)-n:]...)
	}
	return list
}

// AccessTokenResponse is the JSON body of GET /auth/access-token.
type AccessTokenResponse struct {
	Token     string `json:"token"`
	Scope     string `json:"scope,omitempty"`
	ExpiresAt int64  `json:"expires_at"`
	ExpiresIn int64  `json:"expires_in"`
	TokenType string `json:"token_type,omitempty"`
}

// handleAccessToken serves /auth/access-token: 200 with the token, 401
// without a session or when the user must log in again, 403 when MFA is
// required or the request is not same-origin ([sameOriginRequest]), 400
// for an audience or scope the app did not configure, 503 when the store
// is down; always Cache-Control: no-store.
func (c *Client) handleAccessToken(ctx context.Context, ex adapter.Exchange) *adapter.Response {
	noStore(ex)
	if !sameOriginRequest(ex) {
		return accessTokenRequestResponse(&AccessTokenRequestError{Status: http.StatusForbidden, Code: CodeCrossSiteRequest,
			Message: "the request is not same-origin: send Sec-Fetch-Site: same-origin or the " + AccessTokenRequestHeader + " header"})
	}
	q, _ := url.ParseQuery(ex.RawQuery())
	if e := c.checkAccessTokenQuery(q); e != nil {
		return accessTokenRequestResponse(e)
	}
	opts := AccessTokenOptions{Audience: q.Get("audience"), Scope: q.Get("scope"),
		NoScopeMerge: q.Get("mergeScopes") == "false", Refresh: q.Get("refresh") == "true"}
	at, err := c.getAccessToken(ctx, ex, opts)
	if err != nil {
		return c.accessTokenError(err)
	}
	now := c.s.now().Unix()
	body := AccessTokenResponse{Token: at.Token, Scope: at.Scope, TokenType: at.TokenType}
	if !at.ExpiresAt.IsZero() {
		body.ExpiresAt = at.ExpiresAt.Unix()
		body.ExpiresIn = max(0, body.ExpiresAt-now)
	}
	b, _ := json.Marshal(body)
	return &adapter.Response{Status: 200, ContentType: "application/json", Body: b}
}

// accessTokenError renders token errors as nextjs-auth0 does:
// {"error":{"message","code"}}; MFA as 403 with the MFA JSON.
func (c *Client) accessTokenError(err error) *adapter.Response {
	var mfa *MfaRequiredError
	if errors.As(err, &mfa) {
		b, _ := json.Marshal(mfa)
		return &adapter.Response{Status: 403, ContentType: "application/json", Body: b}
	}
	code, msg, status := "failed_to_refresh_token", "the access token could not be retrieved", 401
	var e *Error
	if errors.As(err, &e) {
		code, msg = e.Code, e.Message
	}
	if errors.Is(err, ErrSessionStore) {
		status = 503
	}
	return errorJSON(status, code, msg)
}

// errorJSON is the access token route's error body
// {"error":{"message","code"}}.
func errorJSON(status int, code, msg string) *adapter.Response {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"message": msg, "code": code}})
	return &adapter.Response{Status: status, ContentType: "application/json", Body: b}
}
