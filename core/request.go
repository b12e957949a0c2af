package auth0kit

import (
	"context"
	"sync"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// requestState caches the session of one request, so that middleware,
// guards and handlers decrypt the cookie at most once. Adapters create it
// with [Client.Bind].
type requestState struct {
	c  *Client
	ex adapter.Exchange

	mu      sync.Mutex
	cookie  *cookieSession // nil until the cookie was read; then &scanned
	scanned cookieSession
	marked  bool // no-store headers were set

	// The request's issuer in resolver mode, resolved on first use.
	issMu   sync.Mutex
	issDone bool
	iss     string
	issErr  error
}

// boundState returns the request state that [Client.bind] attached to
// ctx, if any.
func boundState(ctx context.Context) (*requestState, bool) {
	b, ok := adapter.BindingFrom(ctx)
	if !ok {
		return nil, false
	}
	rs, ok := b.(*requestState)
	return rs, ok
}

// bind returns a context that carries the client and the exchange of the
// current request. [engine.Serve] calls it once per request and hands the
// context on; [SessionFromContext] and the Client methods then share one
// cached session read. Binding costs no cookie read: the session is
// decoded on first use only.
func (c *Client) bind(ctx context.Context, ex adapter.Exchange) context.Context {
	return adapter.WithBinding(ctx, &requestState{c: c, ex: ex})
}

// requestExchange returns the exchange of the request bound to ctx, or
// [ErrNotBound].
func (c *Client) requestExchange(ctx context.Context) (adapter.Exchange, error) {
	if rs, ok := boundState(ctx); ok && rs.c == c && rs.ex != nil {
		return rs.ex, nil
	}
	return nil, ErrNotBound
}

// state returns the bound request state for ex, or a fresh unbound one.
func (c *Client) state(ctx context.Context, ex adapter.Exchange) *requestState {
	if rs, ok := boundState(ctx); ok && rs.c == c && (ex == nil || rs.ex == ex) {
		return rs
	}
	return &requestState{c: c, ex: ex}
}

// scannedLocked returns the session cookie, found but not decrypted;
// rs.mu must be held.
func (rs *requestState) scannedLocked() *cookieSession {
	if rs.cookie == nil {
		rs.scanned = cookieSession{}
		rs.cookie = rs.c.scanCookieInto(&rs.scanned, rs.ex)
	}
	return rs.cookie
}

// cookieLocked returns the decrypted session cookie; rs.mu must be held.
func (rs *requestState) cookieLocked() *cookieSession {
	if cs := rs.cookie; cs != nil && !cs.decoded && cs.raw != "" && !cs.owned {
		if _, ok := rs.ex.(adapter.TransientCookies); ok {
			// The value scanned by Serve shares the framework's buffers,
			// which the application may have changed since: read it again.
			rs.cookie = nil
		}
	}
	cs := rs.scannedLocked()
	rs.c.decodeCookie(cs)
	return cs
}

// session returns the request's session (nil when logged out).
func (rs *requestState) session(ctx context.Context) (*Session, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	cs := rs.cookieLocked()
	if !cs.present() {
		return nil, nil
	}
	s, err := rs.c.load(ctx, cs)
	if s != nil && rs.c.resolverMode() {
		// Another domain's (or a legacy domain-less) session is no
		// session on this request; it is not deleted.
		ok, derr := rs.c.sessionDomainOK(ctx, rs, s)
		if derr != nil {
			return nil, derr
		}
		if !ok {
			return nil, nil
		}
	}
	if s != nil && !rs.marked && rs.ex != nil {
		// A response built from session data must never be cached.
		rs.marked = true
		noStore(rs.ex)
	}
	return s, err
}

// GetSession returns the session of the request, or (nil, nil) when the
// user is not logged in. An expired, garbled or foreign cookie reads as no
// session. Only a failing [sessionstore.Store] returns an error (matching
// [ErrSessionStore]).
func (c *Client) GetSession(ctx context.Context) (*Session, error) {
	return c.getSession(ctx, nil)
}

// getSession is [Client.GetSession] for an exchange (nil: the one bound to ctx).
func (c *Client) getSession(ctx context.Context, ex adapter.Exchange) (*Session, error) {
	return c.state(ctx, ex).session(ctx)
}

// GetUser returns the logged-in user, or nil.
func (c *Client) GetUser(ctx context.Context) (*User, error) {
	return c.getUser(ctx, nil)
}

// getUser is [Client.GetUser] for an exchange (nil: the one bound to ctx).
func (c *Client) getUser(ctx context.Context, ex adapter.Exchange) (*User, error) {
	s, err := c.getSession(ctx, ex)
	if s == nil || err != nil {
		return nil, err
	}
	return &s.User, nil
}

// UpdateSession replaces the request's session with s and writes it (cookie
// or store). The SDK-owned Internal part is kept from the current session.
// It returns an error matching [ErrNoSession] when the user is not logged
// in. Call it before the response body is written.
func (c *Client) UpdateSession(ctx context.Context, s *Session) error {
	return c.updateSession(ctx, nil, s)
}

// updateSession is [Client.UpdateSession] for an exchange (nil: the one bound to ctx).
func (c *Client) updateSession(ctx context.Context, ex adapter.Exchange, s *Session) error {
	ls, err := c.requireSession(ctx, ex)
	if err != nil {
		return err
	}
	defer ls.unlock()
	next := *s
	next.Internal = ls.s.Internal
	return ls.save(ctx, &next)
}

// SessionFromContext returns the session of the request bound to ctx by an
// adapter (nil when logged out or when ctx is not bound).
func SessionFromContext(ctx context.Context) (*Session, error) {
	rs, ok := boundState(ctx)
	if !ok {
		return nil, nil
	}
	return rs.session(ctx)
}

// touch is called by Serve on every request that is not an
// auth route. It extends a rolling session, but only once enough of the
// inactivity window has passed (RollingThreshold, default 1% of it):
// re-encrypting and re-sending the cookie on every request would add a
// Set-Cookie to every response. A session past its absolute cap is
// deleted. Stateful sessions are rolled without a store read until the
// cookie needs rewriting.
func (c *Client) touch(ctx context.Context) error {
	rs, ok := boundState(ctx)
	if !ok || (!c.s.rolling && c.s.migrate == nil) {
		return nil
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	cs := rs.scannedLocked()
	if cs.migrating {
		err := c.migrateSession(ctx, rs.ex, cs)
		if err != nil {
			sdkHeaders(rs.ex)
		}
		return err
	}
	if !c.s.rolling || cs.raw == "" {
		return nil
	}
	now := c.s.now().Unix()
	threshold := int64(c.s.rollThreshold / time.Second)
	// A cookie seen before (and decrypted then) needs no decryption to
	// decide that it is not due for rolling.
	if ri, ok := c.rolls.lookup(cs.raw); ok && !cs.decoded && now < ri.exp &&
		!c.expiredAt(ri.createdAt, ri.sessionExpiresAt, now) &&
		c.expiry(ri.createdAt, ri.sessionExpiresAt, now)-ri.exp < threshold {
		if _, transient := rs.ex.(adapter.TransientCookies); transient && !cs.owned && ri.raw == cs.raw {
			// The cache's own copy of the value: a later read in this
			// request need not scan a transient Cookie header again.
			cs.raw, cs.owned = ri.raw, true
		}
		return nil
	}
	c.decodeCookie(cs)
	if !cs.present() {
		return nil
	}
	var sessExp int64
	if cs.sess != nil {
		sessExp = cs.sess.Internal.SessionExpiresAt
	}
	if c.expiry(cs.createdAt, sessExp, now)-cs.exp < threshold {
		return nil
	}
	s, err := c.load(ctx, cs)
	if err == nil && s != nil {
		err = c.writeSession(ctx, rs.ex, cs, s, false)
	}
	if err != nil {
		// The adapter answers with errorResponse(err).
		sdkHeaders(rs.ex)
	}
	return err
}

// lockedSession is a request's session held for a read-modify-write: the
// request state stays locked until unlock, so concurrent calls in one
// request see each other's writes.
type lockedSession struct {
	c  *Client
	rs *requestState
	cs *cookieSession
	s  *Session // nil when logged out
	// foreign is set when a session exists but belongs to another domain
	// (resolver mode); s is then nil.
	foreign bool
}

// lockSession locks the request's state and loads its session. The caller
// must call unlock.
func (c *Client) lockSession(ctx context.Context, ex adapter.Exchange) (*lockedSession, error) {
	rs := c.state(ctx, ex)
	rs.mu.Lock()
	cs := rs.cookieLocked()
	s, err := c.load(ctx, cs)
	if err != nil {
		rs.mu.Unlock()
		return nil, err
	}
	ls := &lockedSession{c: c, rs: rs, cs: cs, s: s}
	if s != nil && c.resolverMode() {
		ok, err := c.sessionDomainOK(ctx, rs, s)
		if err != nil {
			rs.mu.Unlock()
			return nil, err
		}
		if !ok {
			ls.s, ls.foreign = nil, true
		}
	}
	return ls, nil
}

// requireSession is lockSession for operations that need a logged-in
// user: no session is an error matching [ErrNoSession].
func (c *Client) requireSession(ctx context.Context, ex adapter.Exchange) (*lockedSession, error) {
	ls, err := c.lockSession(ctx, ex)
	if err != nil {
		return nil, err
	}
	if ls.foreign {
		ls.unlock()
		return nil, domainMismatch()
	}
	if ls.s == nil {
		ls.unlock()
		return nil, &Error{Code: CodeMissingSession, Message: "the user does not have an active session"}
	}
	return ls, nil
}

func (ls *lockedSession) unlock() { ls.rs.mu.Unlock() }

// save writes next as the request's session.
func (ls *lockedSession) save(ctx context.Context, next *Session) error {
	return ls.c.writeSession(ctx, ls.rs.ex, ls.cs, next, false)
}
