package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// DefaultTable is the sessions table's name unless [WithTable] says
// otherwise.
const DefaultTable = "auth0kit_sessions"

// Store is a [database/sql]-backed [sessionstore.Store], also
// implementing [sessionstore.Lister], [sessionstore.RevocationList] and
// [sessionstore.Locker]. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	table   string
	now     func() time.Time
	log     *slog.Logger
	q       queries
	pool    *Pool // set by WithPool
	reads   [1 + len(readBatchSizes)]preparedRead
	batch   readBatcher
}

var (
	_ sessionstore.Store          = (*Store)(nil)
	_ sessionstore.Lister         = (*Store)(nil)
	_ sessionstore.RevocationList = (*Store)(nil)
	_ sessionstore.Locker         = (*Store)(nil)
)

// Option configures a [Store].
type Option func(*Store)

// WithTable sets the sessions table's name (default [DefaultTable],
// "auth0kit_sessions"); the revocations and locks tables are named after
// it, <name>_revocations and <name>_locks. The name must be 1 to 48
// letters, digits and underscores, not starting with a digit; it is
// quoted, so its case is kept.
func WithTable(name string) Option {
	return func(s *Store) { s.table = name }
}

// WithClock sets the store's clock (default time.Now), used to tell
// expired rows, revocations and locks: the expiry times are compared with
// the application's clock, not the database's.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// WithLogger sets where the janitor started by [Store.StartJanitor]
// reports failed cleanups (default: nowhere).
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) { s.log = l }
}

// New returns a store keeping sessions in db, a database of the given
// dialect. It does no I/O: call [Store.Migrate] once to create the
// tables. The caller keeps ownership of db (and closes it). The error is
// about the arguments (an unknown dialect, a bad table name).
func New(db *sql.DB, dialect Dialect, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: nil *sql.DB")
	}
	if !dialect.valid() {
		return nil, fmt.Errorf("sqlstore: unknown dialect %v", dialect)
	}
	s := &Store{db: db, dialect: dialect, table: DefaultTable, now: time.Now,
		log: slog.New(slog.DiscardHandler)}
	s.batch.limit = max(DefaultReadsInFlight, runtime.GOMAXPROCS(0))
	for _, o := range opts {
		o(s)
	}
	if err := validTable(s.table); err != nil {
		return nil, err
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.q = buildQueries(dialect, s.table)
	if s.pool != nil {
		s.pool.Apply(db)
	}
	return s, nil
}

// DB returns the database handle the store uses.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the store's SQL dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// Tables returns the names of the store's three tables: sessions,
// revocations and locks.
func (s *Store) Tables() (sessions, revocations, locks string) {
	return s.table, s.table + "_revocations", s.table + "_locks"
}

// fail wraps a failure of operation op so that it matches
// auth0kit.ErrSessionStore.
func fail(op string, err error) error {
	return sessionstore.Unavailable(fmt.Errorf("sqlstore: %s: %w", op, err))
}

// ceilUnix returns t in unix seconds, rounded up: a session is kept until
// the second after its expiry at worst, never dropped early.
func ceilUnix(t time.Time) int64 {
	u := t.Unix()
	if t.Nanosecond() > 0 {
		u++
	}
	return u
}

// Get implements [sessionstore.Store]: it returns the session stored
// under id, or (nil, nil) when there is none, it has expired (its row
// stays until [Store.Cleanup]), or its data does not decode as a session.
func (s *Store) Get(ctx context.Context, id string) (*auth0kit.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fail("get", err)
	}
	if len(id) > maxKeyLen {
		return nil, nil
	}
	data, err := s.readData(ctx, id)
	if err != nil {
		return nil, fail("get", err)
	}
	if data == nil {
		return nil, nil
	}
	sess, err := sessionstore.Unmarshal(data)
	if err != nil {
		return nil, nil
	}
	return sess, nil
}

// Set implements [sessionstore.Store]: it upserts sess under id until
// expiresAt (kept in unix seconds, rounded up). A past expiresAt deletes
// the session. Ids, sids and subs longer than 255 bytes are refused.
func (s *Store) Set(ctx context.Context, id string, sess *auth0kit.Session, expiresAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return fail("set", err)
	}
	if sess == nil {
		return fail("set", errors.New("nil session"))
	}
	if !expiresAt.After(s.now()) {
		if err := s.Delete(ctx, id); err != nil {
			return err
		}
		return nil
	}
	sid, sub := sess.Internal.SID, sess.User.Sub
	if len(id) > maxKeyLen || len(sid) > maxKeyLen || len(sub) > maxKeyLen {
		return fail("set", fmt.Errorf("id, sid or sub longer than %d bytes", maxKeyLen))
	}
	ctx, cancel := detached(ctx)
	defer cancel()
	_, err := s.db.ExecContext(ctx, s.q.upsert, id, sid, sub, sessionstore.Marshal(sess),
		sess.Internal.CreatedAt, ceilUnix(expiresAt))
	if err != nil {
		return fail("set", err)
	}
	return nil
}

// Delete implements [sessionstore.Store]. Unknown ids are not an
// error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fail("delete", err)
	}
	if _, err := s.db.ExecContext(ctx, s.q.del, id); err != nil {
		return fail("delete", err)
	}
	return nil
}

// DeleteByLogoutToken implements [sessionstore.Store]: the rows whose
// sid and/or sub are those of the claims (both indexed) are read, and
// those the token ends ([sessionstore.LogoutTokenClaims.Matches]: a session of
// another custom domain is kept) are deleted by id. Empty claims delete
// nothing.
func (s *Store) DeleteByLogoutToken(ctx context.Context, c sessionstore.LogoutTokenClaims) error {
	if err := ctx.Err(); err != nil {
		return fail("delete by logout token", err)
	}
	var rows *sql.Rows
	var err error
	switch {
	case c.SID != "" && c.Sub != "":
		rows, err = s.db.QueryContext(ctx, s.q.selByBoth, c.SID, c.Sub)
	case c.SID != "":
		rows, err = s.db.QueryContext(ctx, s.q.selBySID, c.SID)
	case c.Sub != "":
		rows, err = s.db.QueryContext(ctx, s.q.selBySub, c.Sub)
	default:
		return nil
	}
	if err != nil {
		return fail("delete by logout token", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			rows.Close()
			return fail("delete by logout token", err)
		}
		// A record that does not decode is not a session anyone can use;
		// it goes too.
		if sess, err := sessionstore.Unmarshal(data); err != nil || c.Matches(sess) {
			ids = append(ids, id)
		}
	}
	if err := rows.Close(); err != nil {
		return fail("delete by logout token", err)
	}
	if err := rows.Err(); err != nil {
		return fail("delete by logout token", err)
	}
	for _, id := range ids {
		if _, err := s.db.ExecContext(ctx, s.q.del, id); err != nil {
			return fail("delete by logout token", err)
		}
	}
	return nil
}

// ListSessions implements [sessionstore.Lister]: the live sessions of
// sub (through the sub index), oldest login first. ExpiresAt is whole
// seconds.
func (s *Store) ListSessions(ctx context.Context, sub string) ([]sessionstore.StoredSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, fail("list sessions", err)
	}
	rows, err := s.db.QueryContext(ctx, s.q.list, sub, s.now().Unix())
	if err != nil {
		return nil, fail("list sessions", err)
	}
	defer rows.Close()
	var out []sessionstore.StoredSession
	for rows.Next() {
		var st sessionstore.StoredSession
		var created, expires int64
		if err := rows.Scan(&st.ID, &st.SID, &created, &expires); err != nil {
			return nil, fail("list sessions", err)
		}
		st.Sub, st.CreatedAt, st.ExpiresAt = sub, time.Unix(created, 0), time.Unix(expires, 0)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("list sessions", err)
	}
	return out, nil
}
