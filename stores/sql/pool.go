package sqlstore

import (
	"database/sql"
	"runtime"
	"time"
)

// Pool is the connection pool of a [*sql.DB], sized for a web server that
// reads a session on every request. database/sql's own default keeps only
// 2 idle connections: under more than 2 concurrent requests every extra
// connection is opened, used once and closed again, which on PostgreSQL
// (a process per connection) costs milliseconds per request. A Pool keeps
// as many connections idle as it lets open, so a steady load reuses the
// same connections.
type Pool struct {
	// MaxConns caps the open connections (sql.DB.SetMaxOpenConns); 0 or
	// less means no cap. Requests beyond it wait for a free connection.
	MaxConns int
	// MaxIdleConns caps the idle connections kept for reuse
	// (SetMaxIdleConns); 0 or less means MaxConns (or
	// [DefaultMaxConns] when MaxConns is not capped either).
	MaxIdleConns int
	// MaxConnLifetime closes a connection once it is this old
	// (SetConnMaxLifetime), letting a database fail over or rebalance; 0
	// or less keeps connections forever.
	MaxConnLifetime time.Duration
	// MaxConnIdleTime closes a connection left idle this long
	// (SetConnMaxIdleTime), shrinking the pool after a peak; 0 or less
	// keeps idle connections forever.
	MaxConnIdleTime time.Duration
}

// Pool defaults (see [DefaultPool]).
const (
	// DefaultMaxConns is the least number of connections of
	// [DefaultPool]: it allows 4 per CPU when that is more.
	DefaultMaxConns = 16
	// DefaultMaxConnLifetime is how long a connection of [DefaultPool]
	// lives.
	DefaultMaxConnLifetime = 30 * time.Minute
	// DefaultMaxConnIdleTime is how long a connection of [DefaultPool]
	// stays idle before it is closed.
	DefaultMaxConnIdleTime = 5 * time.Minute
)

// DefaultPool returns the pool [sqlurl] gives the databases it opens:
// max(16, 4×GOMAXPROCS) connections, all of them kept idle between
// requests, each closed after 30 minutes of life or 5 minutes unused.
func DefaultPool() Pool {
	n := max(DefaultMaxConns, 4*runtime.GOMAXPROCS(0))
	return Pool{MaxConns: n, MaxIdleConns: n, MaxConnLifetime: DefaultMaxConnLifetime, MaxConnIdleTime: DefaultMaxConnIdleTime}
}

// Apply sets the pool's limits on db. It can be called at any time;
// database/sql closes surplus connections as they are returned.
func (p Pool) Apply(db *sql.DB) {
	idle := p.MaxIdleConns
	if idle <= 0 {
		idle = p.MaxConns
	}
	if idle <= 0 {
		idle = DefaultMaxConns
	}
	open := max(p.MaxConns, 0)
	if open > 0 && idle > open {
		idle = open
	}
	// Order matters: SetMaxIdleConns is clamped to the current open
	// limit, so that limit is set first.
	db.SetMaxOpenConns(open)
	db.SetMaxIdleConns(idle)
	db.SetConnMaxLifetime(max(p.MaxConnLifetime, 0))
	db.SetConnMaxIdleTime(max(p.MaxConnIdleTime, 0))
}

// WithPool applies p to the store's database when the store is created
// (see [Pool.Apply]). Without it, [New] leaves the pool of the caller's
// *sql.DB as it is; [sqlurl] applies [DefaultPool] and the pool_*
// parameters of the database URL, which a WithPool passed to sqlurl.Open
// then overrides.
func WithPool(p Pool) Option {
	return func(s *Store) { s.pool = &p }
}
