package redisstore

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key a [Store] writes unless [WithPrefix]
// says otherwise.
const DefaultPrefix = "auth0kit:"

// indexGrace is how long an index member outlives its session's expiry,
// so that clock differences between app instances and Redis never prune a
// live session from its indexes.
const indexGrace = time.Minute

// maxConflictRetries bounds how often DeleteByLogoutToken re-reads a
// session that changed between its read and its deletion.
const maxConflictRetries = 5

// Store is a Redis-backed [sessionstore.Store], also implementing
// [sessionstore.Lister], [sessionstore.RevocationList] and
// [sessionstore.Locker]. It is safe for concurrent use.
type Store struct {
	c        redis.UniversalClient
	prefix   string
	oneNode  bool         // every key on one server: pipelines run in order
	cacheCfg *CacheConfig // set by WithCache
	trk      *tracker     // the session cache, when WithCache applies
}

var (
	_ sessionstore.Store          = (*Store)(nil)
	_ sessionstore.Lister         = (*Store)(nil)
	_ sessionstore.RevocationList = (*Store)(nil)
	_ sessionstore.Locker         = (*Store)(nil)
)

// Option configures a [Store].
type Option func(*Store)

// WithPrefix sets the string every key starts with (default
// [DefaultPrefix], "auth0kit:"). Apps sharing a Redis database without
// sharing sessions use different prefixes.
func WithPrefix(prefix string) Option {
	return func(s *Store) { s.prefix = prefix }
}

// New returns a store using client: a *redis.Client, a Sentinel-backed
// failover client, or a *redis.ClusterClient. The caller keeps ownership
// of client (and closes it).
func New(client redis.UniversalClient, opts ...Option) *Store {
	s := &Store{c: client, prefix: DefaultPrefix}
	_, s.oneNode = client.(*redis.Client)
	for _, o := range opts {
		o(s)
	}
	if rc, ok := client.(*redis.Client); ok && s.cacheCfg != nil {
		s.trk = startTracker(rc, s.sessionKey(""), s.cacheCfg)
	}
	return s
}

// Close stops the invalidation connection of [WithCache], if any. It does
// not close the store's client.
func (s *Store) Close() error {
	if s.trk == nil {
		return nil
	}
	return s.trk.close()
}

// CacheStats reports on the session cache of [WithCache]; without it (or
// with a client it does not apply to) the zero value.
func (s *Store) CacheStats() CacheStats {
	t := s.trk
	if t == nil {
		return CacheStats{}
	}
	return CacheStats{
		Active: t.active.Load(), Entries: t.cache.len(),
		Hits: t.cache.hits.Load(), Misses: t.cache.misses.Load(),
		Invalidations: t.cache.invalidations.Load(), Flushes: t.cache.flushes.Load(),
	}
}

// evict drops id from the session cache, if any.
func (s *Store) evict(id string) {
	if s.trk != nil {
		s.trk.cache.evict(id)
	}
}

// OpenURL connects to the Redis server at redisURL
// (redis://[user:password@]host:port/db or rediss:// for TLS, as
// redis.ParseURL reads it), checks it answers PING, and returns a store
// using it. The URL's parameters cache=1, cache_max_entries=N and
// cache_ttl=D turn on the session cache of [WithCache] (a WithCache
// among opts wins over them). Close the store with store.Close() and
// its connection with store.Client().Close().
func OpenURL(ctx context.Context, redisURL string, opts ...Option) (*Store, error) {
	cache, stripped, err := cacheFromURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: invalid Redis URL %s: %w", redact(redisURL), err)
	}
	o, err := redis.ParseURL(stripped)
	if err != nil {
		return nil, fmt.Errorf("redisstore: invalid Redis URL %s: %w", redact(redisURL), err)
	}
	c := redis.NewClient(o)
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, sessionstore.Unavailable(fmt.Errorf("redisstore: ping %s: %w", redact(redisURL), err))
	}
	if cache != nil {
		opts = append([]Option{WithCache(*cache)}, opts...)
	}
	return New(c, opts...), nil
}

// redact hides the password of a Redis URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Client returns the Redis client the store uses.
func (s *Store) Client() redis.UniversalClient { return s.c }

// Prefix returns the string every key of the store starts with.
func (s *Store) Prefix() string { return s.prefix }

func (s *Store) sessionKey(id string) string { return s.prefix + "s:" + id }
func (s *Store) sidKey(sid string) string    { return s.prefix + "sid:" + sid }
func (s *Store) subKey(sub string) string    { return s.prefix + "sub:" + sub }
func (s *Store) revSIDKey(sid string) string { return s.prefix + "rsid:" + sid }
func (s *Store) revSubKey(sub string) string { return s.prefix + "rsub:" + sub }
func (s *Store) lockKey(key string) string   { return s.prefix + "lock:" + key }

// fail wraps a failure of operation op so that it matches
// auth0kit.ErrSessionStore.
func fail(op string, err error) error {
	return sessionstore.Unavailable(fmt.Errorf("redisstore: %s: %w", op, err))
}

// ceilMillis returns d in whole milliseconds, rounded up.
func ceilMillis(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// Get implements [sessionstore.Store]: it returns the session stored
// under id, or (nil, nil) when there is none, it has expired, or its value
// does not decode as a session.
func (s *Store) Get(ctx context.Context, id string) (*auth0kit.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fail("get", err)
	}
	if t := s.trk; t != nil && t.active.Load() {
		return s.getCached(ctx, t, id)
	}
	b, err := s.c.Get(ctx, s.sessionKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fail("get", err)
	}
	sess, err := sessionstore.Unmarshal(b)
	if err != nil {
		return nil, nil
	}
	return sess, nil
}

// getCached answers Get from the session cache, or reads Redis (the
// value and its remaining life, in one round trip) and caches what it
// read unless Redis reported id changed meanwhile.
func (s *Store) getCached(ctx context.Context, t *tracker, id string) (*auth0kit.Session, error) {
	if b := t.cache.get(id, time.Now()); b != nil {
		t.cache.hits.Add(1)
		sess, err := sessionstore.Unmarshal(b)
		if err != nil {
			return nil, nil
		}
		return sess, nil
	}
	t.cache.misses.Add(1)
	fill := t.cache.begin(id)
	var get *redis.StringCmd
	var pttl *redis.DurationCmd
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, s.sessionKey(id))
		pttl = p.PTTL(ctx, s.sessionKey(id))
		return nil
	})
	b, gerr := get.Bytes()
	if err != nil && !errors.Is(err, redis.Nil) || gerr != nil && !errors.Is(gerr, redis.Nil) {
		if fill != nil {
			t.cache.finish(fill, nil, 0, time.Time{})
		}
		return nil, fail("get", errors.Join(err, gerr))
	}
	sess, derr := sessionstore.Unmarshal(b)
	if fill != nil {
		ttl := pttl.Val()
		if ttl == -1 { // no expiry: the cache's own TTL bounds it
			ttl = t.cache.ttl
		}
		if gerr != nil || derr != nil {
			b = nil
		}
		t.cache.finish(fill, b, ttl, time.Now())
	}
	if gerr != nil || derr != nil {
		return nil, nil
	}
	return sess, nil
}

// Set implements [sessionstore.Store]: it stores sess under id, with a
// time to live of expiresAt minus now (a past expiresAt deletes the
// session), and files id in the index sets of the session's sid and sub.
func (s *Store) Set(ctx context.Context, id string, sess *auth0kit.Session, expiresAt time.Time) error {
	defer s.evict(id)
	if err := ctx.Err(); err != nil {
		return fail("set", err)
	}
	if sess == nil {
		return fail("set", errors.New("nil session"))
	}
	now := time.Now()
	ttl := ceilMillis(expiresAt.Sub(now))
	if ttl <= 0 {
		if err := s.Delete(ctx, id); err != nil {
			return err
		}
		return nil
	}
	sid, sub := sess.Internal.SID, sess.User.Sub
	value := sessionstore.Marshal(sess)

	// 1. The indexes, then 2. the session (fetching the value it
	// replaces): a failure in between leaves only a stale member.
	score := strconv.FormatInt(expiresAt.Add(indexGrace).UnixMilli(), 10)
	nowMs := strconv.FormatInt(now.UnixMilli(), 10)
	var calls []*scriptCall
	if sid != "" {
		calls = append(calls, &scriptCall{script: indexAddScript, key: s.sidKey(sid), args: []any{nowMs, score, id}})
	}
	if sub != "" {
		calls = append(calls, &scriptCall{script: indexAddScript, key: s.subKey(sub), args: []any{nowMs, score, id}})
	}
	old, err := s.write(ctx, calls, s.sessionKey(id), value, time.Duration(ttl)*time.Millisecond)
	if errors.Is(err, redis.Nil) || (err == nil && bytes.Equal(old, value)) {
		return nil
	}
	if err != nil {
		return fail("set", err)
	}

	// 3. Move id out of the sets of the previous sid and sub.
	prev, err := sessionstore.Unmarshal(old)
	if err != nil {
		return nil // an undecodable value was never indexed by this store
	}
	var stale []string
	if prev.Internal.SID != "" && prev.Internal.SID != sid {
		stale = append(stale, s.sidKey(prev.Internal.SID))
	}
	if prev.User.Sub != "" && prev.User.Sub != sub {
		stale = append(stale, s.subKey(prev.User.Sub))
	}
	if err := s.zrem(ctx, stale, id); err != nil {
		return fail("set", err)
	}
	return nil
}

// write runs the index scripts calls, then SET key value PX ttl GET, and
// returns the value it replaced (redis.Nil: none). On a single server
// (or Sentinel-managed primary) both go in one pipeline, which the server
// runs in order; on Cluster the scripts may live on other nodes, so the
// SET waits for them.
func (s *Store) write(ctx context.Context, calls []*scriptCall, key string, value []byte, ttl time.Duration) ([]byte, error) {
	args := redis.SetArgs{TTL: ttl, Get: true}
	if !s.oneNode || len(calls) == 0 {
		if err := s.runScripts(ctx, calls); err != nil {
			return nil, err
		}
		return s.c.SetArgs(ctx, key, value, args).Bytes()
	}
	pipe := s.c.Pipeline()
	for _, c := range calls {
		c.cmd = c.script.EvalSha(ctx, pipe, []string{c.key}, c.args...)
	}
	set := pipe.SetArgs(ctx, key, value, args)
	_, _ = pipe.Exec(ctx)
	// Scripts the server did not know (its cache was flushed) did not
	// run: run them now. They are idempotent.
	var missing []*scriptCall
	for _, c := range calls {
		if redis.HasErrorPrefix(c.cmd.Err(), "NOSCRIPT") {
			missing = append(missing, c)
		}
	}
	if err := s.runScripts(ctx, missing); err != nil {
		return nil, err
	}
	for _, c := range calls {
		if err := replyErr(c.cmd.Err()); err != nil {
			return nil, err
		}
	}
	return set.Bytes()
}

// zrem removes member from each of the sets keys, in one pipeline.
func (s *Store) zrem(ctx context.Context, keys []string, member string) error {
	switch len(keys) {
	case 0:
		return nil
	case 1:
		return s.c.ZRem(ctx, keys[0], member).Err()
	}
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.ZRem(ctx, k, member)
		}
		return nil
	})
	return err
}

// indexKeys returns the index sets a session is filed in.
func (s *Store) indexKeys(sess *auth0kit.Session) []string {
	var keys []string
	if sess.Internal.SID != "" {
		keys = append(keys, s.sidKey(sess.Internal.SID))
	}
	if sess.User.Sub != "" {
		keys = append(keys, s.subKey(sess.User.Sub))
	}
	return keys
}

// Delete implements [sessionstore.Store]: it removes the session stored
// under id and its index entries. Unknown ids are not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	defer s.evict(id)
	if err := ctx.Err(); err != nil {
		return fail("delete", err)
	}
	old, err := s.c.GetDel(ctx, s.sessionKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fail("delete", err)
	}
	prev, err := sessionstore.Unmarshal(old)
	if err != nil {
		return nil
	}
	if err := s.zrem(ctx, s.indexKeys(prev), id); err != nil {
		return fail("delete", err)
	}
	return nil
}

// members returns the live members of the index set key, pruning those
// whose score (expiry plus grace) has passed.
func (s *Store) members(ctx context.Context, key string, now time.Time) ([]string, error) {
	var rng *redis.StringSliceCmd
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, key, "-inf", strconv.FormatInt(now.UnixMilli(), 10))
		rng = p.ZRange(ctx, key, 0, -1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rng.Val(), nil
}

// DeleteByLogoutToken implements [sessionstore.Store]: it removes the
// sessions whose sid (Internal.SID) and/or sub (User.Sub) are those of the
// claims, found through the index sets. Empty claims remove nothing.
func (s *Store) DeleteByLogoutToken(ctx context.Context, c sessionstore.LogoutTokenClaims) error {
	if err := ctx.Err(); err != nil {
		return fail("delete by logout token", err)
	}
	if c.SID == "" && c.Sub == "" {
		return nil
	}
	idx := s.subKey(c.Sub)
	if c.SID != "" {
		idx = s.sidKey(c.SID)
	}
	ids, err := s.members(ctx, idx, time.Now())
	if err != nil {
		return fail("delete by logout token", err)
	}
	for range maxConflictRetries {
		if len(ids) == 0 {
			return nil
		}
		if ids, err = s.deleteMatching(ctx, ids, c); err != nil {
			return fail("delete by logout token", err)
		}
	}
	if len(ids) > 0 {
		return fail("delete by logout token", fmt.Errorf("%d sessions kept changing while being deleted", len(ids)))
	}
	return nil
}

// deleteMatching deletes the sessions of ids that match c, each only if it
// is unchanged since it was read, and returns the ids of those that
// changed in between (to try again).
func (s *Store) deleteMatching(ctx context.Context, ids []string, c sessionstore.LogoutTokenClaims) ([]string, error) {
	gets := make([]*redis.StringCmd, len(ids))
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			gets[i] = p.Get(ctx, s.sessionKey(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	type candidate struct {
		id   string
		sess *auth0kit.Session
		call *scriptCall
	}
	var cands []candidate
	var calls []*scriptCall
	for i, id := range ids {
		b, err := gets[i].Bytes()
		if err != nil { // redis.Nil: deleted or expired meanwhile
			continue
		}
		sess, err := sessionstore.Unmarshal(b)
		if err != nil || !c.Matches(sess) {
			continue
		}
		sum := sha1.Sum(b)
		call := &scriptCall{script: compareDeleteScript, key: s.sessionKey(id), args: []any{hex.EncodeToString(sum[:])}}
		cands = append(cands, candidate{id, sess, call})
		calls = append(calls, call)
	}
	if err := s.runScripts(ctx, calls); err != nil {
		return nil, err
	}
	var changed []string
	type removal struct{ key, member string }
	var removals []removal
	for _, cd := range cands {
		s.evict(cd.id)
		if n, _ := cd.call.cmd.Int(); n == 1 {
			for _, k := range s.indexKeys(cd.sess) {
				removals = append(removals, removal{k, cd.id})
			}
		} else {
			changed = append(changed, cd.id)
		}
	}
	if len(removals) > 0 {
		_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, r := range removals {
				p.ZRem(ctx, r.key, r.member)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return changed, nil
}

// ListSessions implements [sessionstore.Lister]: it lists the live
// sessions of sub through its index set, oldest login first.
func (s *Store) ListSessions(ctx context.Context, sub string) ([]sessionstore.StoredSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, fail("list sessions", err)
	}
	ids, err := s.members(ctx, s.subKey(sub), time.Now())
	if err != nil {
		return nil, fail("list sessions", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	gets := make([]*redis.StringCmd, len(ids))
	ttls := make([]*redis.DurationCmd, len(ids))
	_, err = s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			gets[i] = p.Get(ctx, s.sessionKey(id))
			ttls[i] = p.PTTL(ctx, s.sessionKey(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fail("list sessions", err)
	}
	now := time.Now()
	var out []sessionstore.StoredSession
	for i, id := range ids {
		b, err := gets[i].Bytes()
		ttl := ttls[i].Val()
		if err != nil || ttl <= 0 {
			continue
		}
		sess, err := sessionstore.Unmarshal(b)
		if err != nil || sess.User.Sub != sub {
			continue
		}
		out = append(out, sessionstore.StoredSession{
			ID: id, SID: sess.Internal.SID, Sub: sub,
			CreatedAt: time.Unix(sess.Internal.CreatedAt, 0),
			ExpiresAt: now.Add(ttl).Truncate(time.Millisecond),
		})
	}
	slices.SortFunc(out, func(a, b sessionstore.StoredSession) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}
