package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"go/parser"
	"go/token"
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/storetest"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
	sqlstore "github.com/auth0kit/auth0kit/stores/sql"
	"github.com/auth0kit/auth0kit/stores/sql/sqlurl"
)

// The databases the tests need (CI starts the servers): the tests fail,
// not skip, when one does not answer.
const (
	postgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	mysqlURL    = "mysql://root@127.0.0.1:3306/test"
)

type backend struct {
	name string
	url  func(t testing.TB) string
}

var backends = []backend{
	{"postgres", func(testing.TB) string { return postgresURL }},
	{"mysql", func(testing.TB) string { return mysqlURL }},
	{"sqlite", func(t testing.TB) string { return "sqlite://" + filepath.Join(t.TempDir(), "store.db") }},
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// open opens a backend's database, closed when t ends.
func open(t testing.TB, b backend) (*sql.DB, sqlstore.Dialect) {
	t.Helper()
	u := b.url(t)
	db, dialect, err := sqlurl.OpenDB(u)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		t.Fatalf("%s at %s is not reachable (the store tests need it): %v", b.name, u, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db, dialect
}

// newTable returns a migrated store on a table of its own, whose three
// tables are dropped when t ends.
func newTable(t testing.TB, db *sql.DB, dialect sqlstore.Dialect, opts ...sqlstore.Option) *sqlstore.Store {
	t.Helper()
	table := "auth0kit_test_" + randHex(6)
	s, err := sqlstore.New(db, dialect, append([]sqlstore.Option{sqlstore.WithTable(table)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	t.Cleanup(func() { dropTables(t, s) })
	return s
}

func dropTables(t testing.TB, s *sqlstore.Store) {
	a, b, c := s.Tables()
	for _, name := range []string{a, b, c} {
		if _, err := s.DB().Exec("DROP TABLE IF EXISTS " + name); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	}
}

// same returns another store on s's tables.
func same(t testing.TB, s *sqlstore.Store, opts ...sqlstore.Option) *sqlstore.Store {
	t.Helper()
	table, _, _ := s.Tables()
	o, err := sqlstore.New(s.DB(), s.Dialect(), append([]sqlstore.Option{sqlstore.WithTable(table)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func forEachBackend(t *testing.T, f func(t *testing.T, db *sql.DB, dialect sqlstore.Dialect)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			db, dialect := open(t, b)
			f(t, db, dialect)
		})
	}
}

func TestConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sql.DB, dialect sqlstore.Dialect) {
		s := newTable(t, db, dialect)
		storetest.Run(t, func(t *testing.T) sessionstore.Store { return same(t, s) })
	})
}

func testSession(sub, sid string) *auth0kit.Session {
	return &auth0kit.Session{
		User:     auth0kit.User{Sub: sub, Name: "Test"},
		TokenSet: auth0kit.TokenSet{AccessToken: "at", IDToken: "idt", ExpiresAt: time.Now().Unix() + 3600},
		Internal: auth0kit.SessionInternal{SID: sid, CreatedAt: time.Now().Unix() - 5},
	}
}

// TestSchema checks the documented columns and what Set writes in them.
func TestSchema(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sql.DB, dialect sqlstore.Dialect) {
		s := newTable(t, db, dialect)
		ctx := context.Background()
		sess := testSession("auth0|schema", "sid-schema")
		exp := time.Now().Add(time.Hour).Truncate(time.Second).Add(300 * time.Millisecond)
		if err := s.Set(ctx, "id1", sess, exp); err != nil {
			t.Fatal(err)
		}
		table, _, _ := s.Tables()
		q := "SELECT id, sid, sub, data, created_at, expires_at FROM " + table + " WHERE id = 'id1'"
		var id, sid, sub string
		var data []byte
		var created, expires int64
		if err := db.QueryRow(q).Scan(&id, &sid, &sub, &data, &created, &expires); err != nil {
			t.Fatal(err)
		}
		if id != "id1" || sid != "sid-schema" || sub != "auth0|schema" || created != sess.Internal.CreatedAt {
			t.Fatalf("row = %q %q %q %d", id, sid, sub, created)
		}
		if string(data) != string(sessionstore.Marshal(sess)) {
			t.Fatalf("data = %s, want MarshalSession's JSON", data)
		}
		if expires != exp.Unix()+1 {
			t.Fatalf("expires_at = %d, want %d (unix seconds, rounded up)", expires, exp.Unix()+1)
		}
	})
}

func TestMigrateIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sql.DB, dialect sqlstore.Dialect) {
		s := newTable(t, db, dialect)
		ctx := context.Background()
		if err := s.Set(ctx, "kept", testSession("auth0|m", "sid-m"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if err := same(t, s).Migrate(ctx); err != nil {
					t.Errorf("concurrent Migrate: %v", err)
				}
			})
		}
		wg.Wait()
		if got, err := s.Get(ctx, "kept"); err != nil || got == nil {
			t.Fatalf("session lost by Migrate: %v, %v", got, err)
		}
	})
}

// TestExpiredRows: rows past expires_at are invisible, and Cleanup and
// the janitor delete them.
func TestExpiredRows(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sql.DB, dialect sqlstore.Dialect) {
		s := newTable(t, db, dialect)
		ctx := context.Background()
		// A store two hours behind writes rows already expired for s.
		past := same(t, s, sqlstore.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) }))
		sub := "auth0|expired"
		if err := past.Set(ctx, "old", testSession(sub, "sid-old"), time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := past.Revoke(ctx, sessionstore.LogoutTokenClaims{SID: "sid-old"}, time.Now(), time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		unlock, err := past.Lock(ctx, "old-lock", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		if err := s.Set(ctx, "live", testSession(sub, "sid-live"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, err := past.Get(ctx, "old"); err != nil || got == nil {
			t.Fatalf("setup: row not written: %v, %v", got, err)
		}
		if got, err := s.Get(ctx, "old"); err != nil || got != nil {
			t.Fatalf("Get(expired row) = %v, %v; want nil, nil", got, err)
		}
		if got, err := s.ListSessions(ctx, sub); err != nil || len(got) != 1 || got[0].ID != "live" {
			t.Fatalf("ListSessions = %v, %v; want [live]", got, err)
		}
		if ok, err := s.Revoked(ctx, "sid-old", "", time.Now()); err != nil || ok {
			t.Fatalf("Revoked(expired revocation) = %v, %v", ok, err)
		}
		unlockLive, err := s.Lock(ctx, "old-lock", time.Minute) // taken over
		if err != nil {
			t.Fatal(err)
		}
		unlockLive()
		unlock2, err := past.Lock(ctx, "old-lock-2", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock2()

		n, err := s.Cleanup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 { // the session, the revocation, the lock
			t.Fatalf("Cleanup deleted %d rows, want 3", n)
		}
		if got, err := past.Get(ctx, "old"); err != nil || got != nil {
			t.Fatalf("expired row still there after Cleanup: %v, %v", got, err)
		}
		if got, err := s.Get(ctx, "live"); err != nil || got == nil {
			t.Fatalf("Cleanup deleted a live session: %v", err)
		}

		// The janitor does the same in the background, until stopped.
		if err := past.Set(ctx, "old2", testSession(sub, "sid-old2"), time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		stop := s.StartJanitor(10 * time.Millisecond)
		deadline := time.Now().Add(5 * time.Second)
		for {
			if got, _ := past.Get(ctx, "old2"); got == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the janitor did not delete the expired row")
			}
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		stop() // idempotent
		if janitorRunning() {
			t.Fatal("janitor goroutine still running after stop")
		}
		if err := past.Set(ctx, "old3", testSession(sub, "sid-old3"), time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if got, _ := past.Get(ctx, "old3"); got == nil {
			t.Fatal("a stopped janitor deleted a row")
		}
	})
}

func janitorRunning() bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Contains(string(buf), "sqlstore.(*Store).janitor")
}

func TestNew(t *testing.T) {
	db := sql.OpenDB(nopConnector{})
	defer db.Close()
	s, err := sqlstore.New(db, sqlstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if table, rev, locks := s.Tables(); table != sqlstore.DefaultTable || rev != "auth0kit_sessions_revocations" || locks != "auth0kit_sessions_locks" {
		t.Fatalf("Tables() = %q %q %q", table, rev, locks)
	}
	if s.DB() != db || s.Dialect() != sqlstore.Postgres {
		t.Fatal("DB() or Dialect() wrong")
	}
	for _, d := range []sqlstore.Dialect{sqlstore.Postgres, sqlstore.MySQL, sqlstore.SQLite, 0, 7} {
		_ = d.String()
	}
	if sqlstore.Postgres.String() != "postgres" || sqlstore.MySQL.String() != "mysql" || sqlstore.SQLite.String() != "sqlite" {
		t.Fatal("Dialect.String")
	}
	if _, err := sqlstore.New(nil, sqlstore.Postgres); err == nil {
		t.Error("New(nil db) succeeded")
	}
	if _, err := sqlstore.New(db, 0); err == nil {
		t.Error("New with dialect 0 succeeded")
	}
	for _, name := range []string{"", "1abc", "a-b", "a b", "a;DROP TABLE x", `a"b`, "a`b", "schema.table", "é",
		strings.Repeat("a", 49)} {
		if _, err := sqlstore.New(db, sqlstore.MySQL, sqlstore.WithTable(name)); err == nil {
			t.Errorf("WithTable(%q) accepted", name)
		}
	}
	for _, name := range []string{"a", "_x", "Sessions_2", strings.Repeat("a", 48)} {
		if _, err := sqlstore.New(db, sqlstore.SQLite, sqlstore.WithTable(name)); err != nil {
			t.Errorf("WithTable(%q): %v", name, err)
		}
	}
}

// TestLongKeys: ids, sids, subs and lock keys are at most 255 bytes.
func TestLongKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sql.DB, dialect sqlstore.Dialect) {
		s := newTable(t, db, dialect)
		ctx := context.Background()
		long := strings.Repeat("x", 256)
		max := strings.Repeat("y", 255)
		if err := s.Set(ctx, long, testSession("auth0|l", "sid"), time.Now().Add(time.Hour)); !errors.Is(err, auth0kit.ErrSessionStore) {
			t.Fatalf("Set(256-byte id) = %v, want ErrSessionStore", err)
		}
		if err := s.Set(ctx, "id", testSession(long, "sid"), time.Now().Add(time.Hour)); !errors.Is(err, auth0kit.ErrSessionStore) {
			t.Fatalf("Set(256-byte sub) = %v, want ErrSessionStore", err)
		}
		if got, err := s.Get(ctx, long); got != nil || err != nil {
			t.Fatalf("Get(256-byte id) = %v, %v", got, err)
		}
		sess := testSession(max, max)
		if err := s.Set(ctx, max, sess, time.Now().Add(time.Hour)); err != nil {
			t.Fatalf("Set(255-byte id, sid, sub): %v", err)
		}
		if got, err := s.Get(ctx, max); err != nil || got == nil || got.User.Sub != max {
			t.Fatalf("Get(255-byte id) = %v, %v", got, err)
		}
		if _, err := s.Lock(ctx, long, time.Second); err == nil {
			t.Fatal("Lock(256-byte key) succeeded")
		}
		if _, err := s.Lock(ctx, "k", 0); err == nil {
			t.Fatal("Lock(ttl 0) succeeded")
		}
	})
}

// TestUndecodableData: a row whose data is not a session reads as none.
func TestUndecodableData(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sql.DB, dialect sqlstore.Dialect) {
		s := newTable(t, db, dialect)
		table, _, _ := s.Tables()
		q := "INSERT INTO " + table + " (id, sid, sub, data, created_at, expires_at) VALUES ('bad', '', '', 'not json', 0, " +
			strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10) + ")"
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(context.Background(), "bad"); got != nil || err != nil {
			t.Fatalf("Get(bad) = %v, %v; want nil, nil", got, err)
		}
	})
}

// TestReadAfterReconnect: the session read is a prepared statement,
// which lives on its connection; once the pool's connections are closed
// (a database restart, lifetimes), reads on new connections still work,
// and a table recreated under a prepared read is read afresh.
func TestReadAfterReconnect(t *testing.T) {
	sess := storetest.FixtureSession(t, "../../../shared/reference/fixtures/session.json")
	forEachBackend(t, func(t *testing.T, db *sql.DB, dialect sqlstore.Dialect) {
		ctx := context.Background()
		s := newTable(t, db, dialect)
		if err := s.Set(ctx, "id1", sess, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		read := func(want bool) {
			t.Helper()
			got, err := s.Get(ctx, "id1")
			if err != nil || (got != nil) != want {
				t.Fatalf("Get = %v, %v; want a session: %v", got, err, want)
			}
		}
		read(true)
		db.SetMaxIdleConns(0) // closes the connections the statement was prepared on
		db.SetMaxIdleConns(4)
		read(true)
		table, _, _ := s.Tables()
		if _, err := db.Exec("DROP TABLE " + table); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		read(false)
		if err := s.Set(ctx, "id1", sess, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		read(true)
	})
}

// TestUnavailable: a closed *sql.DB, and servers that are not there.
func TestUnavailable(t *testing.T) {
	for _, b := range backends {
		t.Run("closed/"+b.name, func(t *testing.T) {
			db, dialect, err := sqlurl.OpenDB(b.url(t))
			if err != nil {
				t.Fatal(err)
			}
			s, err := sqlstore.New(db, dialect)
			if err != nil {
				t.Fatal(err)
			}
			_ = db.Close()
			storetest.RunUnavailable(t, s)
			checkAdmin(t, s)
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	for name, u := range map[string]string{
		"unreachable/postgres": "postgres://postgres@" + closed + "/test?sslmode=disable&connect_timeout=2",
		"unreachable/mysql":    "mysql://root@" + closed + "/test?timeout=2s",
		"unreachable/sqlite":   "sqlite://" + filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"),
	} {
		t.Run(name, func(t *testing.T) {
			db, dialect, err := sqlurl.OpenDB(u)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			s, err := sqlstore.New(db, dialect)
			if err != nil {
				t.Fatal(err)
			}
			storetest.RunUnavailable(t, s)
			checkAdmin(t, s)
		})
	}
}

// checkAdmin checks Migrate and Cleanup on an unavailable store.
func checkAdmin(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.Migrate(ctx); !errors.Is(err, auth0kit.ErrSessionStore) {
		t.Errorf("Migrate = %v, want ErrSessionStore", err)
	}
	if _, err := s.Cleanup(ctx); !errors.Is(err, auth0kit.ErrSessionStore) {
		t.Errorf("Cleanup = %v, want ErrSessionStore", err)
	}
}

// TestNoDriverImported: package sqlstore itself imports no SQL driver
// (sqlurl does).
func TestNoDriverImported(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, "github.com/auth0kit/") && strings.Contains(p, ".") {
				t.Errorf("%s imports %s: sqlstore must depend on the standard library and core only", f, p)
			}
		}
	}
}

func BenchmarkStore(b *testing.B) {
	sess := storetest.FixtureSession(b, "../../../shared/reference/fixtures/session.json")
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db, dialect := open(b, be)
			storetest.Benchmark(b, newTable(b, db, dialect), sess)
		})
	}
}
