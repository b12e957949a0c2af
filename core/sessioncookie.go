package auth0kit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/wire"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// cookieSession is what the session cookie says, before any store lookup.
type cookieSession struct {
	exp       int64    // cookie expiry, unix seconds
	createdAt int64    // session start, unix seconds
	sess      *Session // stateless: the session itself; stateful: loaded lazily
	id        string   // stateful: the store key
	loaded    bool     // sess is final (stateless, or fetched from the store)
	chunks    chunkSet // indexes of chunk cookies present in the request
	hasBase   bool     // the unchunked cookie is present
	// baseVal and chunkVals are the raw values of the base cookie and of
	// the chunks (by index) while scanCookie joins them.
	baseVal   string
	chunkVals []string
	raw       string // the joined cookie value
	decoded   bool   // raw was decrypted (successfully or not)
	// owned: raw is a string of the SDK's own (not one sharing an
	// adapter's transient buffers; see adapter.TransientCookies).
	owned bool
	// revChecked: the stateless session was checked against the
	// revocation list (back-channel logout).
	revChecked bool
	// legacy names the legacy session cookies of the request (enabled
	// formats only), deleted on the next write; migrating: sess was read
	// from one of them and is due to be rewritten (migrate.go).
	legacy    []string
	migrating bool
}

// statefulID is the payload of a stateful session cookie. nextjs-auth0
// writes {id, exp}; createdAt is our addition (ignored by that SDK) so that
// rolling decisions need no store round-trip.
type statefulID struct {
	ID        string `json:"id"`
	CreatedAt int64  `json:"createdAt,omitempty"`
}

// scanCookie finds the session cookie(s) of the request and joins their
// value, without any cryptography.
func (c *Client) scanCookie(ex adapter.Exchange) *cookieSession {
	return c.scanCookieInto(new(cookieSession), ex)
}

// scanCookieInto is scanCookie into cs, which must be zero (the request
// state's own, to save an allocation per request).
func (c *Client) scanCookieInto(cs *cookieSession, ex adapter.Exchange) *cookieSession {
	t := c.s.sessionCookie
	if ex == nil { // no request: a context an adapter did not bind
		return cs
	}
	// One pass over the Cookie header keeps the first value of each name
	// (as adapter.Exchange.Cookie returns it), so joining needs no further scans of
	// a header that may be a megabyte of junk.
	ex.VisitCookies(func(name, value string) {
		if name == t.name {
			if !cs.hasBase {
				cs.hasBase, cs.baseVal = true, value
			}
		} else if i, ok := wire.ParseChunkIndex(t.name, name); ok && cs.chunks.add(i) {
			if i >= len(cs.chunkVals) {
				cs.chunkVals = append(cs.chunkVals, make([]string, i+1-len(cs.chunkVals))...)
			}
			cs.chunkVals[i] = value
		}
	})
	if !cs.hasBase && cs.chunks.empty() {
		if c.s.migrate != nil {
			c.scanLegacy(ex, cs)
		}
		return cs
	}
	if value, _, ok := wire.JoinChunks(t.name, func(name string) (string, bool) {
		if name == t.name {
			return percentDecode(cs.baseVal), cs.hasBase
		}
		if i, ok := wire.ParseChunkIndex(t.name, name); ok && cs.chunks.has(i) {
			return percentDecode(cs.chunkVals[i]), true
		}
		return "", false
	}); ok {
		cs.raw = value
	}
	cs.baseVal, cs.chunkVals = "", nil
	return cs
}

// decodeCookie decrypts the joined value. A missing, garbled, tampered,
// foreign-secret or expired cookie is "no session": the reason is logged
// at debug level, never returned to the user.
func (c *Client) decodeCookie(cs *cookieSession) {
	if cs.decoded {
		return
	}
	cs.decoded = true
	if cs.raw == "" {
		return
	}
	now := c.s.now().Unix()
	var sessExp int64
	rk := c.rolls.key(cs.raw)
	if ri, ok := c.rolls.decoded(rk, cs.raw); ok && now < ri.exp && (ri.sess != nil) == (c.store == nil) {
		// A value decrypted (or written) before: its payload, copied.
		if ri.sess != nil {
			cs.sess, cs.loaded = wire.CloneSession(ri.sess), true
		}
		cs.id, cs.exp, cs.createdAt = ri.id, ri.exp, ri.createdAt
		if c.expiredAt(cs.createdAt, ri.sessionExpiresAt, now) {
			cs.sess, cs.id, cs.loaded = nil, "", false
		}
		return
	}
	// A value seen before (its key is in the cache) is remembered with its
	// payload from this second read on; a value seen once costs no copies.
	seen := c.rolls.known(rk)
	keep := seen && !c.rolls.keyOnly
	var ri rollInfo
	if c.store == nil {
		s, exp, err := c.openSessionCookie(cs.raw, now)
		if err == nil {
			// Once per distinct cookie value: the roll cache only holds
			// values that passed this check or that we wrote.
			if !seen && !c.issuedToUs(s) {
				err = errForeignClient
			}
		}
		if err != nil {
			c.s.logger.Debug("auth0kit: ignoring session cookie", "error", err)
			return
		}
		cs.sess, cs.exp, cs.createdAt, cs.loaded = s, exp, s.Internal.CreatedAt, true
		sessExp = s.Internal.SessionExpiresAt
		if keep {
			ri.sess = wire.CloneSession(s)
		}
	} else {
		sid, err := c.openStatefulID(cs.raw, now)
		if err != nil {
			c.s.logger.Debug("auth0kit: ignoring session id cookie", "error", err)
			return
		}
		cs.id, cs.exp, cs.createdAt = sid.ID, sid.Exp, sid.CreatedAt
		if keep {
			ri.id = sid.ID
		}
	}
	if c.expired(cs.createdAt, cs.sess, now) {
		cs.sess, cs.id, cs.loaded = nil, "", false
		return
	}
	if keep {
		// The cache outlives the request: it keeps its own copy of the
		// value (an adapter's may share the framework's buffers).
		cs.raw, cs.owned = strings.Clone(cs.raw), true
		ri.raw = cs.raw
	}
	ri.exp, ri.createdAt, ri.sessionExpiresAt = cs.exp, cs.createdAt, sessExp
	c.rolls.rememberKey(rk, ri)
}

// present reports whether the cookie names a (possibly not yet loaded)
// session.
func (cs *cookieSession) present() bool { return cs.sess != nil || cs.id != "" }

// load completes a stateful read with the store lookup.
func (c *Client) load(ctx context.Context, cs *cookieSession) (*Session, error) {
	if cs.loaded || cs.id == "" {
		if cs.sess != nil && c.store == nil && c.revocations != nil && !cs.revChecked {
			s := cs.sess
			created := time.Unix(s.Internal.CreatedAt, 0)
			sc := issuerScoped(sessionstore.LogoutTokenClaims{SID: s.Internal.SID, Sub: s.User.Sub}, s.Internal.MCDIssuer, s.Internal.MCDIssuer != "")
			revoked, err := c.revocations.Revoked(ctx, sc.SID, sc.Sub, created)
			if err == nil && !revoked && s.Internal.SID != "" {
				// Ended by a local logout ([Client.Logout]).
				revoked, err = c.revocations.Revoked(ctx, localLogoutKey(s), "", created)
			}
			if err != nil {
				return nil, wrapStore(err)
			}
			cs.revChecked = true
			if revoked {
				cs.sess, cs.loaded = nil, false
			}
		}
		return cs.sess, nil
	}
	s, err := c.store.Get(ctx, cs.id)
	if err != nil {
		return nil, wrapStore(err)
	}
	cs.loaded = true
	if s != nil && (!validSession(s) || !c.issuedToUsCached(s) || c.expired(s.Internal.CreatedAt, s, c.s.now().Unix())) {
		s = nil
	}
	cs.sess = s
	if cs.createdAt == 0 && s != nil {
		cs.createdAt = s.Internal.CreatedAt
	}
	return s, nil
}

// expired applies the absolute cap and the provider's session_expiry
// ceiling (with its 30 s margin), which hold whatever the cookie says.
func (c *Client) expired(createdAt int64, s *Session, now int64) bool {
	var sessExp int64
	if s != nil {
		sessExp = s.Internal.SessionExpiresAt
	}
	return c.expiredAt(createdAt, sessExp, now)
}

func (c *Client) expiredAt(createdAt, sessionExpiresAt, now int64) bool {
	if c.s.absolute > 0 && createdAt > 0 && now >= createdAt+int64(c.s.absolute/time.Second) {
		return true
	}
	return sessionExpiresAt > 0 && now >= sessionExpiresAt-30
}

// expiry returns when a session that started at createdAt ends if it is
// written now: with rolling, the sooner of now+inactivity and
// createdAt+absolute; without, createdAt+absolute (truly absolute, unlike
// the JS SDKs, which restart the clock on every write). The provider's
// session_expiry caps both.
func (c *Client) expiry(createdAt, sessionExpiresAt, now int64) int64 {
	abs := int64(-1)
	if c.s.absolute > 0 {
		abs = createdAt + int64(c.s.absolute/time.Second)
	}
	var exp int64
	switch {
	case c.s.rolling:
		exp = now + int64(c.s.inactivity/time.Second)
		if abs >= 0 && abs < exp {
			exp = abs
		}
	case abs >= 0:
		exp = abs
	default:
		exp = now + int64(c.s.inactivity/time.Second)
	}
	if sessionExpiresAt > 0 && sessionExpiresAt < exp {
		exp = sessionExpiresAt
	}
	return exp
}

// writeSession stores s and sets the session cookie(s). fresh marks a new
// login: a stateful session then gets a new id and the old record is
// deleted (session fixation defence).
func (c *Client) writeSession(ctx context.Context, ex adapter.Exchange, cs *cookieSession, s *Session, fresh bool) error {
	now := c.s.now()
	exp := c.expiry(s.Internal.CreatedAt, s.Internal.SessionExpiresAt, now.Unix())
	maxAge := time.Duration(exp-now.Unix()) * time.Second
	if maxAge <= 0 {
		return c.deleteSession(ctx, ex, cs)
	}
	var value string
	if c.store == nil {
		v, err := c.keys.session.SealSession(s, exp)
		if err != nil {
			return err
		}
		value = v
	} else {
		id := cs.id
		if fresh || id == "" {
			if id != "" {
				if err := c.store.Delete(ctx, id); err != nil {
					return wrapStore(err)
				}
			}
			id = newSessionID()
		}
		if err := c.store.Set(ctx, id, s, time.Unix(exp, 0)); err != nil {
			return wrapStore(err)
		}
		v, err := c.keys.session.SealJSON(statefulID{ID: id, CreatedAt: s.Internal.CreatedAt}, exp)
		if err != nil {
			return err
		}
		value = v
		cs.id = id
	}
	c.setSessionCookies(ex, cs, value, maxAge, now)
	if cs.legacy != nil {
		c.dropLegacy(ex, cs)
	}
	cs.sess, cs.exp, cs.createdAt, cs.loaded = s, exp, s.Internal.CreatedAt, true
	cs.raw, cs.decoded, cs.owned = value, true, true
	ri := rollInfo{exp: exp, createdAt: s.Internal.CreatedAt, sessionExpiresAt: s.Internal.SessionExpiresAt, raw: value, id: cs.id}
	if c.store == nil {
		ri.sess = wire.CloneSession(s)
	}
	c.rolls.remember(value, ri)
	noStore(ex)
	return nil
}

// setSessionCookies writes value as one cookie or as chunks, and deletes
// the request's cookies that the new set does not overwrite.
func (c *Client) setSessionCookies(ex adapter.Exchange, cs *cookieSession, value string, maxAge time.Duration, now time.Time) {
	t := c.s.sessionCookie
	if c.store != nil || len(value) <= wire.MaxChunkSize {
		ex.SetCookie(t.cookie(t.name, value, maxAge, now))
		for i := range cs.chunks.all() {
			ex.SetCookie(t.deletion(wire.ChunkName(t.name, i)))
		}
		cs.hasBase, cs.chunks = true, chunkSet{}
		return
	}
	parts := wire.SplitChunks(value, wire.MaxChunkSize)
	for i, p := range parts {
		ex.SetCookie(t.cookie(wire.ChunkName(t.name, i), p, maxAge, now))
	}
	if cs.hasBase {
		ex.SetCookie(t.deletion(t.name))
	}
	for i := range cs.chunks.all() {
		if i >= len(parts) {
			ex.SetCookie(t.deletion(wire.ChunkName(t.name, i)))
		}
	}
	cs.hasBase, cs.chunks = false, chunkSet{}
	cs.chunks.fill(len(parts))
}

// deleteSession removes the session record (stateful) and every session
// cookie of the request.
func (c *Client) deleteSession(ctx context.Context, ex adapter.Exchange, cs *cookieSession) error {
	if c.store != nil && cs.id != "" {
		if err := c.store.Delete(ctx, cs.id); err != nil {
			return wrapStore(err)
		}
	}
	c.clearSessionCookies(ex, cs)
	return nil
}

// clearSessionCookies deletes the request's session cookies (every chunk)
// without touching the store.
func (c *Client) clearSessionCookies(ex adapter.Exchange, cs *cookieSession) {
	t := c.s.sessionCookie
	if cs.hasBase {
		ex.SetCookie(t.deletion(t.name))
	}
	for i := range cs.chunks.all() {
		ex.SetCookie(t.deletion(wire.ChunkName(t.name, i)))
	}
	if cs.legacy != nil {
		c.dropLegacy(ex, cs)
	}
	*cs = cookieSession{decoded: true}
	noStore(ex)
}

// wrapStore makes a store's failure a core *Error (code
// session_store_error, 503) that matches [ErrSessionStore] and unwraps to
// the store's own error.
func wrapStore(err error) error {
	if e := (*Error)(nil); errors.As(err, &e) && e.Code == CodeSessionStoreError {
		return err
	}
	return storeError(err)
}

// newSessionID returns 16 random bytes as lowercase hex, as nextjs-auth0
// does.
func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
