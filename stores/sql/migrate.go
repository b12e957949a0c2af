package sqlstore

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// DefaultJanitorInterval is how often [Store.StartJanitor] cleans up when
// given an interval of zero or less.
const DefaultJanitorInterval = 5 * time.Minute

// Migrate creates the store's tables and indexes if they do not exist
// (CREATE … IF NOT EXISTS): safe to run at every start. On PostgreSQL it
// runs in one transaction under an advisory lock, so instances starting
// together do not race.
//
// The sessions table has id (primary key), sid, sub, data (the session as
// sessionstore.Marshal's JSON), created_at (the login, unix seconds)
// and expires_at (unix seconds), with indexes on sid, sub and expires_at.
// <table>_revocations holds revoked sids and subs, <table>_locks the held
// locks, <table>_replays the used one-time values such as logout token
// jtis (all with unix millisecond times). Running Migrate again on an
// older schema adds the tables it lacks.
func (s *Store) Migrate(ctx context.Context) error {
	if s.dialect != Postgres {
		for _, q := range s.q.migrate {
			if _, err := s.db.ExecContext(ctx, q); err != nil {
				return fail("migrate", err)
			}
		}
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fail("migrate", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "auth0kit:"+s.table); err != nil {
		return fail("migrate", err)
	}
	for _, q := range s.q.migrate {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fail("migrate", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fail("migrate", err)
	}
	return nil
}

// Cleanup deletes the expired rows of the store's four tables and
// returns how many it deleted. Expired sessions are never returned by Get
// anyway; Cleanup only reclaims space.
func (s *Store) Cleanup(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fail("cleanup", err)
	}
	now := s.now()
	var total int64
	for _, c := range []struct {
		q   string
		arg int64
	}{
		{s.q.cleanSessions, now.Unix()},
		{s.q.cleanRevocations, now.UnixMilli()},
		{s.q.cleanLocks, now.UnixMilli()},
		{s.q.cleanReplays, now.UnixMilli()},
	} {
		res, err := s.db.ExecContext(ctx, c.q, c.arg)
		if err != nil {
			return total, fail("cleanup", err)
		}
		if n, err := res.RowsAffected(); err == nil {
			total += n
		}
	}
	return total, nil
}

// StartJanitor runs [Store.Cleanup] every interval
// ([DefaultJanitorInterval] when interval ≤ 0) in a goroutine, logging
// failures to the [WithLogger] logger. stop cancels a cleanup in
// progress and returns once the goroutine has exited; calling it again
// does nothing.
func (s *Store) StartJanitor(interval time.Duration) (stop func()) {
	if interval <= 0 {
		interval = DefaultJanitorInterval
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go s.janitor(ctx, interval, done)
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}

func (s *Store) janitor(ctx context.Context, interval time.Duration, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.Cleanup(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.log.LogAttrs(ctx, slog.LevelWarn, "sqlstore: cleanup failed", slog.Any("err", err))
			case n > 0:
				s.log.LogAttrs(ctx, slog.LevelDebug, "sqlstore: cleanup", slog.Int64("deleted", n))
			}
		}
	}
}
