package sqlstore

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Lock backoff: the first retry waits about minBackoff, each next one
// twice as long, up to maxBackoff (each with random jitter).
const (
	minBackoff    = 2 * time.Millisecond
	maxBackoff    = 50 * time.Millisecond
	unlockTimeout = 5 * time.Second
)

// Lock implements [sessionstore.Locker] with the locks table: a row per held
// key with a random token and an expiry (unix milliseconds). Taking the
// lock is one upsert that inserts the row or takes over an expired one;
// it is retried with exponential backoff until it succeeds or ctx ends. A
// database failure ends the wait at once. unlock deletes the row only if
// it still holds this token, so a holder whose lock expired never
// releases the next holder's; calling it again does nothing.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error) {
	if ttl <= 0 {
		return nil, errors.New("sqlstore: lock ttl must be positive")
	}
	if len(key) > maxKeyLen {
		return nil, fmt.Errorf("sqlstore: lock key longer than %d bytes", maxKeyLen)
	}
	var b [16]byte
	_, _ = crand.Read(b[:])
	token := hex.EncodeToString(b[:])
	var timer *time.Timer
	for delay := minBackoff; ; delay = min(2*delay, maxBackoff) {
		if err := ctx.Err(); err != nil {
			return nil, fail("lock", err)
		}
		ok, err := s.tryLock(ctx, key, token, ttl)
		if err != nil {
			return nil, fail("lock", err)
		}
		if ok {
			return s.unlocker(ctx, key, token), nil
		}
		wait := delay/2 + rand.N(delay/2+1)
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
		} else {
			timer.Reset(wait)
		}
		select {
		case <-ctx.Done():
			return nil, fail("lock", ctx.Err())
		case <-timer.C:
		}
	}
}

// tryLock makes one attempt at taking key.
func (s *Store) tryLock(ctx context.Context, key, token string, ttl time.Duration) (bool, error) {
	now := s.now()
	nowMs := now.UnixMilli()
	exp := now.Add(ttl).UnixMilli()
	if exp <= nowMs {
		exp = nowMs + 1
	}
	if s.dialect == MySQL {
		// MySQL's affected-rows count depends on the connection's
		// CLIENT_FOUND_ROWS flag: read the holder back instead.
		if _, err := s.db.ExecContext(ctx, s.q.lock, key, token, exp, nowMs, nowMs); err != nil {
			return false, err
		}
		var holder string
		err := s.db.QueryRowContext(ctx, s.q.lockHolder, key).Scan(&holder)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return holder == token, err
	}
	res, err := s.db.ExecContext(ctx, s.q.lock, key, token, exp, nowMs)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// unlocker returns the unlock func of key held with token.
func (s *Store) unlocker(ctx context.Context, key, token string) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
			defer cancel()
			// A failure leaves the lock to expire after its ttl.
			_, _ = s.db.ExecContext(ctx, s.q.unlock, key, token)
		})
	}
}
