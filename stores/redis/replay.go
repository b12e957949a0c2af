package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Used implements [sessionstore.ReplayCache]: whether the key exists.
func (s *Store) Used(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fail("used", err)
	}
	n, err := s.c.Exists(ctx, s.replayKey(key)).Result()
	if err != nil {
		return false, fail("used", err)
	}
	return n > 0, nil
}

// MarkUsed implements [sessionstore.ReplayCache] with SET key 1 NX PX ttl:
// first is true when this call created the key. Instances sharing the
// Redis server share the cache.
func (s *Store) MarkUsed(ctx context.Context, key string, until time.Time) (first bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fail("mark used", err)
	}
	ttl := ceilMillis(time.Until(until))
	if ttl <= 0 {
		return true, nil // already expired: nothing to remember
	}
	err = s.c.SetArgs(ctx, s.replayKey(key), "1", redis.SetArgs{Mode: "NX", TTL: time.Duration(ttl) * time.Millisecond}).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fail("mark used", err)
	}
	return true, nil
}

func (s *Store) replayKey(key string) string { return s.prefix + "jti:" + key }
