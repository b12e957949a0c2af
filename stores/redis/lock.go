package redisstore

import (
	"context"
	crand "crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
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

// Lock implements [sessionstore.Locker]: SET key token NX PX ttl with a random
// token, retried with exponential backoff until it succeeds or ctx ends.
// The lock expires after ttl if unlock is never called. unlock deletes
// the key only if it still holds this token (compare-and-delete), so a
// holder whose lock expired never releases the next holder's; calling it
// again does nothing. A Redis failure ends the wait at once.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error) {
	if ttl <= 0 {
		return nil, errors.New("redisstore: lock ttl must be positive")
	}
	ttl = time.Duration(ceilMillis(ttl)) * time.Millisecond
	var b [16]byte
	_, _ = crand.Read(b[:])
	token := hex.EncodeToString(b[:])
	k := s.lockKey(key)
	var timer *time.Timer
	for delay := minBackoff; ; delay = min(2*delay, maxBackoff) {
		if err := ctx.Err(); err != nil {
			return nil, fail("lock", err)
		}
		ok, err := s.c.SetNX(ctx, k, token, ttl).Result()
		if err != nil {
			return nil, fail("lock", err)
		}
		if ok {
			// core takes "refresh:<session id>" before it re-reads the
			// session to see whether another instance refreshed it: that
			// read must be Redis's, not an entry whose invalidation may
			// still be on its way.
			if id, found := strings.CutPrefix(key, "refresh:"); found {
				s.evict(id)
			}
			return s.unlocker(ctx, k, token), nil
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

// unlocker returns the unlock func of the lock k held with token.
func (s *Store) unlocker(ctx context.Context, k, token string) func() {
	sum := sha1.Sum([]byte(token))
	digest := hex.EncodeToString(sum[:])
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
			defer cancel()
			// A failure leaves the lock to expire after its ttl.
			_ = s.runScripts(ctx, []*scriptCall{{script: compareDeleteScript, key: k, args: []any{digest}}})
		})
	}
}
