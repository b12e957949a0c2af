package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// The prepared session read: prepared once, a failure falls back to the
// plain query and is not retried within prepareRetry, and a read that
// finds another preparing does not wait.
func TestPreparedRead(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	if _, err := db.Exec(`CREATE TABLE t (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	const good, bad = `SELECT id FROM t WHERE id = ?`, `SELECT id FROM missing WHERE id = ?`

	var p preparedRead
	if st := p.get(ctx, db, bad); st != nil || p.failed.IsZero() {
		t.Fatalf("a query that does not prepare: stmt %v, failed %v", st, p.failed)
	}
	if st := p.get(ctx, db, good); st != nil {
		t.Fatal("preparing was retried within prepareRetry")
	}
	p.failed = time.Now().Add(-prepareRetry)
	st := p.get(ctx, db, good)
	if st == nil {
		t.Fatal("not prepared once prepareRetry passed")
	}
	if again := p.get(ctx, db, bad); again != st {
		t.Fatal("the prepared statement was not kept")
	}

	var busy preparedRead
	busy.mu.Lock()
	if st := busy.get(ctx, db, good); st != nil {
		t.Fatal("a read waited for, or raced, the one preparing")
	}
	busy.mu.Unlock()
	if st := busy.get(ctx, db, good); st == nil {
		t.Fatal("not prepared once the lock was free")
	}
}

// The store prepares its session read on MySQL and SQLite, not on
// PostgreSQL (pgx caches its own statements, in the mode the user chose).
func TestPreparedReadDialects(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	for _, tt := range []struct {
		dialect  Dialect
		prepared bool
	}{{Postgres, false}, {SQLite, true}} {
		s, err := New(db, tt.dialect)
		if err != nil {
			t.Fatal(err)
		}
		if tt.dialect == SQLite {
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := s.prepared(ctx, 0) != nil; got != tt.prepared {
			t.Errorf("%v: prepared %v, want %v", tt.dialect, got, tt.prepared)
		}
	}
}

// openSQLite opens a SQLite database in a temporary file, closed when t
// ends.
func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
