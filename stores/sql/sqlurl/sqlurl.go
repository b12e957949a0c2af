package sqlurl

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/auth0kit/auth0kit/core/sessionstore"
	sqlstore "github.com/auth0kit/auth0kit/stores/sql"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Open opens the database at databaseURL, checks it answers, creates the
// store's tables if needed ([sqlstore.Store.Migrate]) and returns the
// store. Close the database with store.DB().Close(). A malformed URL or
// an unknown scheme is a plain error; an unreachable database or a failed
// migration matches [auth0kit.ErrSessionStore].
func Open(ctx context.Context, databaseURL string, opts ...sqlstore.Option) (*sqlstore.Store, error) {
	db, dialect, set, err := openURL(databaseURL)
	if err != nil {
		return nil, err
	}
	if set.readsInFlight >= 0 {
		opts = append([]sqlstore.Option{sqlstore.WithReadBatching(set.readsInFlight)}, opts...)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, sessionstore.Unavailable(fmt.Errorf("sqlurl: connect to %s: %w", redact(databaseURL), err))
	}
	s, err := sqlstore.New(db, dialect, opts...)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// OpenDB returns a handle for the database at databaseURL and its dialect,
// without connecting (as [sql.Open]). The handle's connection pool is
// [sqlstore.DefaultPool] with the URL's pool_max_conns,
// pool_max_idle_conns, pool_max_conn_lifetime and pool_max_conn_idle_time
// parameters applied (and removed from what the driver sees). MySQL
// connections get interpolateParams=true unless the URL says otherwise
// (one round trip per statement instead of three); SQLite files get a 5 s
// busy timeout, the WAL journal, synchronous=NORMAL and immediate
// transactions unless the URL sets _busy_timeout/_journal_mode/_synchronous/_txlock or the
// matching _pragma.
func OpenDB(databaseURL string) (*sql.DB, sqlstore.Dialect, error) {
	db, dialect, _, err := openURL(databaseURL)
	return db, dialect, err
}

// openURL is [OpenDB], also returning the settings of the URL's own
// parameters.
func openURL(databaseURL string) (*sql.DB, sqlstore.Dialect, urlSettings, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return nil, 0, urlSettings{}, fmt.Errorf("sqlurl: invalid database URL: %w", stripURL(err))
	}
	set, stripped, err := settingsFromURL(u)
	if err != nil {
		return nil, 0, set, fmt.Errorf("sqlurl: invalid database URL %s: %w", redact(databaseURL), err)
	}
	driverURL := databaseURL
	if stripped != u {
		driverURL = stripped.String()
	}
	db, dialect, err := openDB(stripped, driverURL, databaseURL)
	if err != nil {
		return nil, 0, set, err
	}
	set.pool.Apply(db)
	return db, dialect, set, nil
}

// openDB opens u, the database URL without its pool parameters (as a
// string: driverURL); raw is the URL as given, for error messages.
func openDB(u *url.URL, driverURL, raw string) (*sql.DB, sqlstore.Dialect, error) {
	switch strings.ToLower(u.Scheme) {
	case "postgres", "postgresql":
		cfg, err := pgx.ParseConfig(driverURL)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlurl: invalid PostgreSQL URL %s: %w", redact(raw), err)
		}
		return stdlib.OpenDB(*cfg), sqlstore.Postgres, nil
	case "mysql", "mariadb":
		cfg, err := mysqlConfig(u)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlurl: invalid MySQL URL %s: %w", redact(raw), err)
		}
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlurl: invalid MySQL URL %s: %w", redact(raw), err)
		}
		return sql.OpenDB(conn), sqlstore.MySQL, nil
	case "sqlite", "sqlite3":
		dsn, err := sqliteDSN(u)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlurl: invalid SQLite URL %s: %w", redact(raw), err)
		}
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlurl: %w", err)
		}
		return db, sqlstore.SQLite, nil
	case "":
		return nil, 0, fmt.Errorf("sqlurl: database URL %s has no scheme (postgres://, mysql://, sqlite://)", redact(raw))
	}
	return nil, 0, fmt.Errorf("sqlurl: unsupported database URL scheme %q (postgres://, mysql://, sqlite://)", u.Scheme)
}

// mysqlConfig turns mysql://user:pass@host:port/db?params into a driver
// configuration.
func mysqlConfig(u *url.URL) (*mysql.Config, error) {
	host := u.Host
	if host == "" {
		host = "127.0.0.1:3306"
	} else if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "3306")
	}
	db := strings.TrimPrefix(u.Path, "/")
	q := u.Query()
	if !q.Has("interpolateParams") {
		q.Set("interpolateParams", "true")
	}
	cfg, err := mysql.ParseDSN("tcp(" + host + ")/" + db + "?" + q.Encode())
	if err != nil {
		return nil, err
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	return cfg, nil
}

// sqliteDSN turns sqlite:///abs/path.db, sqlite://rel/path.db or
// sqlite:rel.db into a modernc.org/sqlite DSN with safe defaults for
// concurrent use.
func sqliteDSN(u *url.URL) (string, error) {
	path := u.Opaque
	if path == "" {
		path = u.Host + u.Path
	}
	if path == "" {
		return "", fmt.Errorf("no file path")
	}
	q := u.Query()
	hasPragma := func(name string) bool {
		for _, p := range q["_pragma"] {
			if strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), name) {
				return true
			}
		}
		return false
	}
	if !q.Has("_busy_timeout") && !q.Has("_timeout") && !hasPragma("busy_timeout") {
		q.Add("_pragma", "busy_timeout(5000)")
	}
	if !q.Has("_journal_mode") && !q.Has("_journal") && !hasPragma("journal_mode") {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	if !q.Has("_synchronous") && !q.Has("_sync") && !hasPragma("synchronous") {
		q.Add("_pragma", "synchronous(NORMAL)") // safe with WAL; no fsync per commit
	}
	if !q.Has("_txlock") {
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode(), nil
}

// redact hides the password of a database URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// stripURL drops the URL (which may hold a password) from a url.Parse
// error.
func stripURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
