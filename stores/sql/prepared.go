package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// prepareRetry is how long a failed preparation of the session read is
// not tried again; meanwhile the read runs as a plain query.
const prepareRetry = 30 * time.Second

// preparedRead is the session read as a prepared statement, on MySQL and
// SQLite. The read runs on every request of a stateful app, and a
// prepared statement is parsed once per connection instead of once per
// query: on MariaDB that is about a quarter of the server's CPU per read
// (56 → 43 µs on the test machine). database/sql prepares it again on
// each new connection of the pool by itself. When preparing fails (the
// database is down, or a proxy in front of it does not support prepared
// statements), reads run as plain queries and preparing is tried again
// after prepareRetry.
//
// PostgreSQL reads stay plain queries: pgx already caches a prepared
// statement per connection in its default mode, and a user who set
// another mode (default_query_exec_mode=simple_protocol, for PgBouncer's
// transaction pooling) would find a statement prepared through the pooler
// missing on the next server connection.
type preparedRead struct {
	stmt   atomic.Pointer[sql.Stmt]
	mu     sync.Mutex // held while preparing
	failed time.Time  // of the last failed preparation; guarded by mu
}

// get returns the prepared session read, preparing it first when it has
// not been yet; nil means: run the plain query.
func (p *preparedRead) get(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	if st := p.stmt.Load(); st != nil {
		return st
	}
	if !p.mu.TryLock() {
		return nil // another read is preparing it
	}
	defer p.mu.Unlock()
	if st := p.stmt.Load(); st != nil {
		return st
	}
	if !p.failed.IsZero() && time.Since(p.failed) < prepareRetry {
		return nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		p.failed = time.Now()
		return nil
	}
	p.stmt.Store(st)
	return st
}

// prepared returns the store's prepared session read i (0: one id; 1+k:
// the batch of readBatchSizes[k] ids), or nil when the read runs as a
// plain query (PostgreSQL, or preparing failed).
func (s *Store) prepared(ctx context.Context, i int) *sql.Stmt {
	if s.dialect == Postgres {
		return nil
	}
	q := s.q.get
	if i > 0 {
		q = s.q.getBatch[i-1]
	}
	return s.reads[i].get(ctx, s.db, q)
}
