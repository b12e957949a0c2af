package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
	"golang.org/x/sync/singleflight"
)

// refreshRequest is one refresh-token grant to make.
type refreshRequest struct {
	refreshToken string
	audience     string // the token's audience (sent only when sendAudience)
	scope        string // the requested scope (sent only when sendScope)
	sendAudience bool
	sendScope    bool
	// sid is the session's sid, sealed into an mfa_token the grant may
	// produce (with the sub) so that MFA Verify only serves that session.
	sid string
}

// key identifies refreshes that can share one token request.
func (r refreshRequest) key(rt string) string {
	k := rt + "\x00" + r.audience + "\x00"
	if r.sendScope {
		k += r.scope
	}
	if r.sendAudience {
		k += "\x00a"
	}
	return k
}

// refreshResult is what a refresh produced.
type refreshResult struct {
	set          AccessTokenSet
	refreshToken string // the new refresh token, or "" when not rotated
	idToken      string
	claims       map[string]json.RawMessage
}

// refresher coalesces refreshes and remembers recent rotations. Every key
// starts with the session's memo key ([memoSession]) so that a result is
// only handed to (stale copies of) the session that made it, and
// [refresher.forget] can drop a session's results when it logs out.
type refresher struct {
	flight singleflight.Group

	mu      sync.Mutex
	memo    map[string]memoEntry // session + refresh key → recent result
	rotated map[string]memoEntry // session + old refresh token → result holding the new one
	ended   map[string]time.Time // sessions logged out → until when nothing is remembered for them
}

type memoEntry struct {
	res     *refreshResult
	expires time.Time
}

// maxMemo bounds the refresher's maps; expired entries are pruned first.
const maxMemo = 4096

// memoSession names a session for the refresh memo: the store id of a
// stateful session, else the provider's sid, else the user and the
// session's creation time.
func memoSession(storeID string, s *Session) string {
	switch {
	case storeID != "":
		return "id:" + storeID
	case s == nil:
		return ""
	case s.Internal.SID != "":
		return "sid:" + s.Internal.SID
	}
	return "sub:" + s.User.Sub + "\x00" + strconv.FormatInt(s.Internal.CreatedAt, 10)
}

func (r *refresher) recall(m map[string]memoEntry, key string, now time.Time) *refreshResult {
	if e, ok := m[key]; ok && now.Before(e.expires) {
		return e.res
	}
	return nil
}

// pruneLocked makes room in maps at the cap: expired entries go first,
// everything if that is not enough. r.mu must be held.
func pruneLocked[V any](m map[string]V, expired func(V) bool) {
	if len(m) < maxMemo {
		return
	}
	for k, v := range m {
		if expired(v) {
			delete(m, k)
		}
	}
	if len(m) >= maxMemo {
		clear(m)
	}
}

func (r *refresher) remember(session, key, oldRT string, res *refreshResult, now time.Time, ttl time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if until, ok := r.ended[session]; ok && now.Before(until) {
		return // logged out while the refresh was in flight
	}
	if r.memo == nil {
		r.memo, r.rotated = map[string]memoEntry{}, map[string]memoEntry{}
	}
	for _, m := range []map[string]memoEntry{r.memo, r.rotated} {
		pruneLocked(m, func(e memoEntry) bool { return !now.Before(e.expires) })
	}
	e := memoEntry{res: res, expires: now.Add(ttl)}
	r.memo[session+"\x00"+key] = e
	if res.refreshToken != "" && res.refreshToken != oldRT {
		r.rotated[session+"\x00"+oldRT] = e
	}
}

// forget drops every remembered result of session and, for ttl, refuses
// new ones (a refresh still in flight when the session logged out).
func (r *refresher) forget(session string, now time.Time, ttl time.Duration) {
	if session == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	prefix := session + "\x00"
	for _, m := range []map[string]memoEntry{r.memo, r.rotated} {
		for k := range m {
			if strings.HasPrefix(k, prefix) {
				delete(m, k)
			}
		}
	}
	if r.ended == nil {
		r.ended = map[string]time.Time{}
	}
	pruneLocked(r.ended, func(until time.Time) bool { return !now.Before(until) })
	r.ended[session] = now.Add(ttl)
}

// current follows recorded rotations from rt to the newest refresh token.
func (r *refresher) current(session, rt string, now time.Time) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range 8 {
		res := r.recall(r.rotated, session+"\x00"+rt, now)
		if res == nil || res.refreshToken == "" {
			break
		}
		rt = res.refreshToken
	}
	return rt
}

func (r *refresher) recent(session, key string, now time.Time) *refreshResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.recall(r.memo, session+"\x00"+key, now)
}

// refresh gets a token for req, sharing one token request among concurrent
// callers with the same session, refresh token, audience and scope.
// session is the [memoSession] key; sessionID the store id ("" when
// stateless).
func (c *Client) refresh(ctx context.Context, session, sessionID string, req refreshRequest, sub string) (*refreshResult, error) {
	original := req.refreshToken
	key := req.key(original)
	// Fast path: a refresh from this token finished moments ago.
	if res := c.tokens.recent(session, key, c.s.now()); res != nil {
		return withRotation(res, c.tokens.current(session, original, c.s.now()), original), nil
	}
	ch := c.tokens.flight.DoChan(session+"\x00"+key, func() (any, error) {
		// Checked again inside the flight: a caller that missed the memo
		// just before the previous flight ended must not start a second
		// refresh with the same (now rotated) token.
		now := c.s.now()
		if res := c.tokens.recent(session, key, now); res != nil {
			return res, nil
		}
		r := req
		r.refreshToken = c.tokens.current(session, original, now)
		if r.refreshToken != original {
			if res := c.tokens.recent(session, r.key(r.refreshToken), now); res != nil {
				return res, nil
			}
		}
		// The shared request must not die with the first caller's context.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*c.s.httpTimeout)
		defer cancel()
		res, err := c.refreshLocked(fctx, sessionID, r, sub)
		if err == nil {
			now = c.s.now()
			c.tokens.remember(session, key, original, res, now, c.s.refreshMemo)
			if r.refreshToken != original {
				c.tokens.remember(session, r.key(r.refreshToken), r.refreshToken, res, now, c.s.refreshMemo)
			}
		}
		return res, err
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return withRotation(r.Val.(*refreshResult), c.tokens.current(session, original, c.s.now()), original), nil
	}
}

// withRotation makes sure a caller whose session still holds original
// stores the newest refresh token, even when it came from a memo.
func withRotation(res *refreshResult, current, original string) *refreshResult {
	if res.refreshToken != "" || current == original {
		return res
	}
	cp := *res
	cp.refreshToken = current
	return &cp
}

// refreshLocked holds the store's lock (when it has one) around the
// refresh, so that instances sharing a stateful store refresh once: after
// taking the lock it re-reads the session, and uses tokens another
// instance just stored instead of spending the refresh token again.
func (c *Client) refreshLocked(ctx context.Context, sessionID string, req refreshRequest, sub string) (*refreshResult, error) {
	locker, ok := c.store.(sessionstore.Locker)
	if !ok || sessionID == "" {
		return c.refreshGrant(ctx, req, sub)
	}
	unlock, err := locker.Lock(ctx, "refresh:"+sessionID, 2*c.s.httpTimeout)
	if err != nil {
		return nil, wrapStore(err)
	}
	defer unlock()
	stored, err := c.store.Get(ctx, sessionID)
	if err != nil {
		return nil, wrapStore(err)
	}
	if stored != nil && stored.TokenSet.RefreshToken != "" && stored.TokenSet.RefreshToken != req.refreshToken {
		globalAud := firstNonEmpty(stored.TokenSet.Audience, c.cfg.AuthorizationParams["audience"])
		choice := c.chooseToken(stored, req.audience, globalAud, req.scope, req.sendScope)
		if choice.found && choice.set.AccessToken != "" &&
			c.s.now().Add(c.s.refreshLeeway).Unix() < choice.set.ExpiresAt {
			set := choice.set
			set.Audience = req.audience
			return &refreshResult{set: set, refreshToken: stored.TokenSet.RefreshToken, idToken: stored.TokenSet.IDToken}, nil
		}
		req.refreshToken = stored.TokenSet.RefreshToken
	}
	res, err := c.refreshGrant(ctx, req, sub)
	if err == nil && stored != nil {
		// Stored before the lock is released: an instance waiting for it
		// re-reads the record and must find the new tokens, not spend the
		// rotated refresh token. Only the tokens: the caller's own save
		// follows and applies the new ID token's claims, so that
		// BeforeSessionSaved runs once per refresh.
		globalAud := firstNonEmpty(stored.TokenSet.Audience, c.cfg.AuthorizationParams["audience"])
		tokens := *res
		tokens.claims = nil
		next := c.applyRefresh(ctx, stored, &tokens, firstNonEmpty(req.audience, globalAud), globalAud, req.scope)
		exp := c.expiry(next.Internal.CreatedAt, next.Internal.SessionExpiresAt, c.s.now().Unix())
		if serr := c.store.Set(ctx, sessionID, next, time.Unix(exp, 0)); serr != nil {
			c.s.logger.Warn("auth0kit: storing refreshed tokens under the lock failed", "error", serr)
		}
	}
	return res, err
}

// refreshGrant makes the refresh_token grant (scope and audience only when
// the caller asked for them, as nextjs-auth0 does) and verifies any ID
// token it returns.
func (c *Client) refreshGrant(ctx context.Context, req refreshRequest, sub string) (*refreshResult, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {req.refreshToken}}
	if req.sendScope {
		form.Set("scope", req.scope)
	}
	if req.sendAudience {
		form.Set("audience", req.audience)
	}
	tr, err := c.tokenRequest(ctx, p, form)
	if err != nil {
		return nil, c.tokenError(err, mfaBinding{Sub: sub, SID: req.sid}, req.audience, req.scope, CodeFailedToRefreshToken,
			"the access token has expired and there was an error while trying to refresh it")
	}
	now := c.s.now().Unix()
	res := &refreshResult{refreshToken: tr.RefreshToken, idToken: tr.IDToken, set: AccessTokenSet{
		AccessToken: tr.AccessToken, Scope: firstNonEmpty(tr.Scope, req.scope), RequestedScope: req.scope,
		Audience: req.audience, TokenType: tr.TokenType,
	}}
	if n := tr.expiresIn(); n > 0 {
		res.set.ExpiresAt = now + n
	}
	if tr.IDToken != "" {
		idt, err := c.verifyIDToken(ctx, p, tr.IDToken, idTokenChecks{})
		if err != nil {
			return nil, &Error{Code: CodeFailedToRefreshToken, Message: "the refreshed ID token is invalid", Err: err}
		}
		if sub != "" && idt.sub != sub {
			return nil, &Error{Code: CodeFailedToRefreshToken, Message: "the refreshed ID token is for another user",
				Err: &IDTokenError{Reason: "sub changed on refresh"}}
		}
		res.claims = idt.claims
	}
	return res, nil
}

// tokenError turns a token endpoint failure into the SDK's error: an
// [*MfaRequiredError] for mfa_required, else an [*Error] with code and
// message wrapping the provider's answer.
func (c *Client) tokenError(err error, bind mfaBinding, audience, scope, code, msg string) error {
	var oe *OAuthError
	if errors.As(err, &oe) && oe.Code == "mfa_required" {
		return c.mfaRequired(oe, bind, audience, scope)
	}
	var e *Error
	if errors.As(err, &e) && e.Code == CodeDiscoveryError {
		return err
	}
	return &Error{Code: code, Message: msg, Err: err}
}
