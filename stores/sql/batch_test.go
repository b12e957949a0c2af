package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/storetest"
	auth0kit "github.com/auth0kit/auth0kit/core"
	sqlstore "github.com/auth0kit/auth0kit/stores/sql"
)

// queueReads starts a Get of each id while s's reads are held, and waits
// until all of them wait in its queue. The results arrive on the
// returned channels, in the order of ids.
func queueReads(t *testing.T, ctx context.Context, s *sqlstore.Store, ids []string) []chan getResult {
	t.Helper()
	sqlstore.HoldReads(s)
	out := make([]chan getResult, len(ids))
	for i, id := range ids {
		out[i] = make(chan getResult, 1)
		go func() {
			sess, err := s.Get(ctx, id)
			out[i] <- getResult{sess, err}
		}()
	}
	waitQueue(t, s, len(ids))
	return out
}

type getResult struct {
	sess *auth0kit.Session
	err  error
}

func waitQueue(t *testing.T, s *sqlstore.Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if waiting, _ := sqlstore.ReadQueue(s); waiting == n {
			return
		}
		if time.Now().After(deadline) {
			waiting, _ := sqlstore.ReadQueue(s)
			t.Fatalf("%d reads wait, want %d", waiting, n)
		}
	}
}

// TestReadBatching: reads that wait for a running one go together, up to
// MaxReadBatch per query, padded to the statement sizes; each gets its
// own session, none for a missing, expired or undecodable one, and the
// same session for repeated ids. Afterwards nothing waits or runs.
func TestReadBatching(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sql.DB, dialect sqlstore.Dialect) {
		ctx := context.Background()
		s := newTable(t, db, dialect, sqlstore.WithReadBatching(1))
		later := time.Now().Add(time.Hour)
		for i := range 40 {
			if err := s.Set(ctx, fmt.Sprint("s", i), testSession(fmt.Sprint("user", i), "sid"), later); err != nil {
				t.Fatal(err)
			}
		}
		past := same(t, s, sqlstore.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) }))
		if err := past.Set(ctx, "expired", testSession("old", "sid"), time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		table, _, _ := s.Tables()
		if _, err := db.Exec("INSERT INTO " + table + " (id, sid, sub, data, created_at, expires_at) VALUES ('bad', '', '', 'x', 0, " +
			fmt.Sprint(later.Unix()) + ")"); err != nil {
			t.Fatal(err)
		}

		for _, n := range []int{2, 3, 5, 9, 17, 32, 33, 70} {
			t.Run(fmt.Sprint(n), func(t *testing.T) {
				ids := make([]string, n)
				for i := range ids {
					switch i % 7 {
					case 3:
						ids[i] = "missing"
					case 4:
						ids[i] = "expired"
					case 5:
						ids[i] = "bad"
					case 6:
						ids[i] = "s1" // repeated
					default:
						ids[i] = fmt.Sprint("s", i%40)
					}
				}
				results := queueReads(t, ctx, s, ids)
				sqlstore.ReleaseRead(s)
				for i, id := range ids {
					r := <-results[i]
					if r.err != nil {
						t.Fatalf("Get(%s): %v", id, r.err)
					}
					var want string
					if id != "missing" && id != "expired" && id != "bad" {
						want = "user" + strings.TrimPrefix(id, "s")
					}
					got := ""
					if r.sess != nil {
						got = r.sess.User.Sub
					}
					if got != want {
						t.Errorf("Get(%s) = session of %q, want %q", id, got, want)
					}
				}
				if waiting, running := sqlstore.ReadQueue(s); waiting != 0 || running != 0 {
					t.Fatalf("after the reads: %d wait, %d run", waiting, running)
				}
			})
		}
	})
}

// TestReadBatchingFailure: a batch that fails fails every read in it,
// as a store error, and the store reads again afterwards.
func TestReadBatchingFailure(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sql.DB, dialect sqlstore.Dialect) {
		ctx := context.Background()
		s := newTable(t, db, dialect, sqlstore.WithReadBatching(1))
		missing, err := sqlstore.New(db, dialect, sqlstore.WithTable("auth0kit_test_missing"), sqlstore.WithReadBatching(1))
		if err != nil {
			t.Fatal(err)
		}
		results := queueReads(t, ctx, missing, []string{"a", "b", "c"})
		sqlstore.ReleaseRead(missing)
		for _, ch := range results {
			if r := <-ch; r.sess != nil || !errors.Is(r.err, auth0kit.ErrSessionStore) {
				t.Fatalf("read of a missing table = %v, %v; want a store error", r.sess, r.err)
			}
		}
		if err := s.Set(ctx, "a", testSession("u", "sid"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, "a"); got == nil || err != nil {
			t.Fatalf("Get after = %v, %v", got, err)
		}
	})
}

// TestReadBatchingCancel: a read whose request is cancelled while it
// waits leaves the queue at once; the others are not disturbed.
func TestReadBatchingCancel(t *testing.T) {
	db, dialect := open(t, backends[2])
	s := newTable(t, db, dialect, sqlstore.WithReadBatching(1))
	if err := s.Set(context.Background(), "a", testSession("u", "sid"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := queueReads(t, ctx, s, []string{"a"})
	kept := make(chan getResult, 1)
	go func() {
		sess, err := s.Get(context.Background(), "a")
		kept <- getResult{sess, err}
	}()
	waitQueue(t, s, 2)
	cancel()
	if r := <-cancelled[0]; r.sess != nil || !errors.Is(r.err, context.Canceled) || !errors.Is(r.err, auth0kit.ErrSessionStore) {
		t.Fatalf("cancelled read = %v, %v", r.sess, r.err)
	}
	waitQueue(t, s, 1)
	sqlstore.ReleaseRead(s)
	if r := <-kept; r.sess == nil || r.err != nil {
		t.Fatalf("the other read = %v, %v", r.sess, r.err)
	}
}

// TestReadBatchingConcurrent: many readers of many sessions, with few
// reads in flight, each get their own (run with -race).
func TestReadBatchingConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sql.DB, dialect sqlstore.Dialect) {
		ctx := context.Background()
		for _, limit := range []int{0, 1, 2} {
			s := newTable(t, db, dialect, sqlstore.WithReadBatching(limit))
			for i := range 20 {
				if err := s.Set(ctx, fmt.Sprint("s", i), testSession(fmt.Sprint("user", i), "sid"), time.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Go(func() {
					for i := range 25 {
						k := (g*25 + i) % 20
						sess, err := s.Get(ctx, fmt.Sprint("s", k))
						if err != nil || sess == nil || sess.User.Sub != fmt.Sprint("user", k) {
							t.Errorf("limit %d: Get(s%d) = %v, %v", limit, k, sess, err)
							return
						}
					}
				})
			}
			wg.Wait()
			if waiting, running := sqlstore.ReadQueue(s); waiting != 0 || running != 0 {
				t.Fatalf("limit %d, after the reads: %d wait, %d run", limit, waiting, running)
			}
		}
	})
}

// BenchmarkParallelRead: 50 concurrent readers (25 per GOMAXPROCS on the
// test machine's 2 cores) of 64 different sessions, with batching off and
// at its default. ns/op is the wall time per read of them all together:
// the store's throughput, database included.
func BenchmarkParallelRead(b *testing.B) {
	sess := storetest.FixtureSession(b, "../../../shared/reference/fixtures/session.json")
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db, dialect := open(b, be)
			ctx := context.Background()
			s := newTable(b, db, dialect)
			const sessions = 64
			for i := range sessions {
				if err := s.Set(ctx, fmt.Sprint("s", i), sess, time.Now().Add(time.Hour)); err != nil {
					b.Fatal(err)
				}
			}
			for _, c := range []struct {
				name  string
				limit int
			}{{"unbatched", 0}, {"batched", s.ReadsInFlight()}} {
				b.Run(c.name, func(b *testing.B) {
					r := same(b, s, sqlstore.WithReadBatching(c.limit))
					b.SetParallelism(max(1, 50/runtime.GOMAXPROCS(0)))
					b.ReportAllocs()
					var next atomic.Int64
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if got, err := r.Get(ctx, fmt.Sprint("s", next.Add(1)%sessions)); err != nil || got == nil {
								b.Errorf("Get = %v, %v", got, err)
								return
							}
						}
					})
				})
			}
		})
	}
}
