package sqlstore

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Used implements [sessionstore.ReplayCache]: whether key is in the replays
// table and not expired.
func (s *Store) Used(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fail("used", err)
	}
	var one int
	err := s.db.QueryRowContext(ctx, s.q.used, key, s.now().UnixMilli()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fail("used", err)
	}
	return true, nil
}

// MarkUsed implements [sessionstore.ReplayCache]: one insert that takes over
// an expired row but leaves a live one alone; first is true when this call
// wrote the row. Instances sharing the database share the cache.
func (s *Store) MarkUsed(ctx context.Context, key string, until time.Time) (first bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fail("mark used", err)
	}
	if len(key) > maxKeyLen {
		return false, fail("mark used", fmt.Errorf("key longer than %d bytes", maxKeyLen))
	}
	nowMs := s.now().UnixMilli()
	exp := until.UnixMilli()
	if exp <= nowMs {
		return true, nil // already expired: nothing to remember
	}
	var b [16]byte
	_, _ = crand.Read(b[:])
	token := hex.EncodeToString(b[:])
	if s.dialect == MySQL {
		// As in tryLock: read the holder back rather than trust the
		// affected-rows count.
		if _, err := s.db.ExecContext(ctx, s.q.markUsed, key, token, exp, nowMs, nowMs); err != nil {
			return false, fail("mark used", err)
		}
		var holder string
		if err := s.db.QueryRowContext(ctx, s.q.usedHolder, key).Scan(&holder); err != nil {
			return false, fail("mark used", err)
		}
		return holder == token, nil
	}
	res, err := s.db.ExecContext(ctx, s.q.markUsed, key, token, exp, nowMs)
	if err != nil {
		return false, fail("mark used", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fail("mark used", err)
	}
	return n == 1, nil
}
