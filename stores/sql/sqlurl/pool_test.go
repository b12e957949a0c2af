package sqlurl

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
	sqlstore "github.com/auth0kit/auth0kit/stores/sql"
)

func TestSettingsFromURL(t *testing.T) {
	def := sqlstore.DefaultPool()
	for _, c := range []struct {
		in        string
		want      sqlstore.Pool
		wantQuery string
	}{
		{"postgres://h/db?sslmode=disable", def, "sslmode=disable"},
		{"postgres://h/db?sslmode=disable&pool_max_conns=32", sqlstore.Pool{MaxConns: 32, MaxIdleConns: 32,
			MaxConnLifetime: def.MaxConnLifetime, MaxConnIdleTime: def.MaxConnIdleTime}, "sslmode=disable"},
		{"mysql://h/db?pool_max_conns=10&pool_max_idle_conns=4&pool_max_conn_lifetime=1h&pool_max_conn_idle_time=0&timeout=2s",
			sqlstore.Pool{MaxConns: 10, MaxIdleConns: 4, MaxConnLifetime: time.Hour}, "timeout=2s"},
		{"sqlite:///x.db?pool_max_conn_lifetime=0s", sqlstore.Pool{MaxConns: def.MaxConns, MaxIdleConns: def.MaxIdleConns,
			MaxConnIdleTime: def.MaxConnIdleTime}, ""},
		{"postgres://h/db?reads_in_flight=0&sslmode=disable", def, "sslmode=disable"},
	} {
		u, _ := url.Parse(c.in)
		set, stripped, err := settingsFromURL(u)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if set.pool != c.want {
			t.Errorf("%s: pool %+v, want %+v", c.in, set.pool, c.want)
		}
		wantReads := -1
		if strings.Contains(c.in, "reads_in_flight=0") {
			wantReads = 0
		}
		if set.readsInFlight != wantReads {
			t.Errorf("%s: reads in flight %d, want %d", c.in, set.readsInFlight, wantReads)
		}
		if stripped.RawQuery != c.wantQuery {
			t.Errorf("%s: driver sees query %q, want %q", c.in, stripped.RawQuery, c.wantQuery)
		}
	}
	for _, in := range []string{
		"postgres://u:secret@h/db?pool_max_conns=many", "mysql://u:secret@h/db?pool_max_conns=-1",
		"mysql://u:secret@h/db?pool_max_idle_conns=1.5", "sqlite:///x.db?pool_max_conn_lifetime=10",
		"postgres://u:secret@h/db?pool_max_conn_idle_time=-1m", "mysql://u:secret@h/db?reads_in_flight=-2",
	} {
		db, _, err := OpenDB(in)
		if err == nil {
			_ = db.Close()
			t.Errorf("OpenDB(%q) succeeded", in)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("OpenDB(%q) error reveals the password: %v", in, err)
		}
	}
}

// TestPoolSettingsApplied: the URL's pool reaches the *sql.DB, and a
// WithPool given to Open overrides it.
func TestPoolSettingsApplied(t *testing.T) {
	db, _, err := OpenDB("postgres://postgres@127.0.0.1:5432/test?sslmode=disable&pool_max_conns=7")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Stats().MaxOpenConnections; got != 7 {
		t.Fatalf("MaxOpenConnections = %d, want 7", got)
	}
	ctx := context.Background()
	s, err := Open(ctx, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable&pool_max_conns=7",
		sqlstore.WithTable("auth0kit_test_"+randTable()), sqlstore.WithPool(sqlstore.Pool{MaxConns: 3}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.DB().Close()
	defer dropAll(t, s)
	if got := s.DB().Stats().MaxOpenConnections; got != 3 {
		t.Fatalf("MaxOpenConnections = %d, want 3 (WithPool)", got)
	}
}

// TestReadsInFlightParam: reads_in_flight reaches the store Open returns,
// a WithReadBatching given to Open overrides it, and without either the
// store batches by default.
func TestReadsInFlightParam(t *testing.T) {
	ctx := context.Background()
	const base = "sqlite:///"
	for _, c := range []struct {
		query string
		opts  []sqlstore.Option
		want  int
	}{
		{"", nil, max(sqlstore.DefaultReadsInFlight, runtime.GOMAXPROCS(0))},
		{"?reads_in_flight=0", nil, 0},
		{"?reads_in_flight=9", nil, 9},
		{"?reads_in_flight=9", []sqlstore.Option{sqlstore.WithReadBatching(2)}, 2},
	} {
		s, err := Open(ctx, base+filepath.Join(t.TempDir(), "r.db")+c.query, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.ReadsInFlight(); got != c.want {
			t.Errorf("%q: ReadsInFlight = %d, want %d", c.query, got, c.want)
		}
		_ = s.DB().Close()
	}
}

func randTable() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func dropAll(t *testing.T, s *sqlstore.Store) {
	a, r, l := s.Tables()
	for _, name := range []string{a, r, l} {
		if _, err := s.DB().Exec("DROP TABLE IF EXISTS " + name); err != nil {
			t.Error(err)
		}
	}
}

// opened returns how many connections db has opened so far: those open
// now and those it closed.
func opened(s sql.DBStats) int64 {
	return int64(s.OpenConnections) + s.MaxIdleClosed + s.MaxIdleTimeClosed + s.MaxLifetimeClosed
}

// TestNoConnectionChurn drives 50 concurrent readers for 2 s against a
// store opened with the default pool, on the real PostgreSQL and MariaDB:
// after a warm-up, the pool opens at most 5 new connections and closes
// none (database/sql's default of 2 idle connections opened and closed
// hundreds a second here).
func TestNoConnectionChurn(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	for _, u := range []string{
		"postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"mysql://root@127.0.0.1:3306/test",
	} {
		t.Run(strings.SplitN(u, ":", 2)[0], func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, u, sqlstore.WithTable("auth0kit_test_"+randTable()))
			if err != nil {
				t.Fatalf("Open(%s): %v (the database must be up)", u, err)
			}
			defer s.DB().Close()
			defer dropAll(t, s)
			sess := &auth0kit.Session{User: auth0kit.User{Sub: "auth0|churn"}, Internal: auth0kit.SessionInternal{SID: "s", CreatedAt: 1}}
			if err := s.Set(ctx, "id", sess, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			run := func(d time.Duration) int64 {
				var wg sync.WaitGroup
				var mu sync.Mutex
				var reads int64
				deadline := time.Now().Add(d)
				for range 50 {
					wg.Go(func() {
						var n int64
						for time.Now().Before(deadline) {
							got, err := s.Get(ctx, "id")
							if err != nil || got == nil {
								t.Errorf("Get = %v, %v", got, err)
								return
							}
							n++
						}
						mu.Lock()
						reads += n
						mu.Unlock()
					})
				}
				wg.Wait()
				return reads
			}
			run(500 * time.Millisecond) // warm-up
			before := s.DB().Stats()
			reads := run(2 * time.Second)
			after := s.DB().Stats()
			newConns := opened(after) - opened(before)
			t.Logf("%d reads in 2 s; open %d, new connections %d, waits %d (%v)", reads, after.OpenConnections,
				newConns, after.WaitCount-before.WaitCount, after.WaitDuration-before.WaitDuration)
			if newConns > 5 {
				t.Errorf("%d new connections after warm-up, want ≤ 5", newConns)
			}
			if after.MaxIdleClosed != 0 || after.MaxLifetimeClosed != 0 || after.MaxIdleTimeClosed != 0 {
				t.Errorf("connections closed under steady load: %+v", after)
			}
			if after.OpenConnections > after.MaxOpenConnections {
				t.Errorf("%d open connections, above the cap %d", after.OpenConnections, after.MaxOpenConnections)
			}
		})
	}
}
