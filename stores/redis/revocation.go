package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
	"github.com/redis/go-redis/v9"
)

// Revoke implements [sessionstore.RevocationList]. A logout token with a sid
// revokes that provider session (whatever the sub); one with only a sub
// revokes the sub's sessions created at or before at. The record lives
// until until (nothing is written when until has passed); an existing
// record keeps the later at and the later expiry.
func (s *Store) Revoke(ctx context.Context, c sessionstore.LogoutTokenClaims, at, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return fail("revoke", err)
	}
	ttl := ceilMillis(time.Until(until))
	if ttl <= 0 || (c.SID == "" && c.Sub == "") {
		return nil
	}
	ttlArg := strconv.FormatInt(ttl, 10)
	call := &scriptCall{script: revokeSIDScript, key: s.revSIDKey(c.SID), args: []any{ttlArg}}
	if c.SID == "" {
		call = &scriptCall{script: revokeSubScript, key: s.revSubKey(c.Sub),
			args: []any{strconv.FormatInt(at.UnixMilli(), 10), ttlArg}}
	}
	if err := s.runScripts(ctx, []*scriptCall{call}); err != nil {
		return fail("revoke", err)
	}
	return nil
}

// Revoked implements [sessionstore.RevocationList]: it reports whether sid is
// revoked, or sub is revoked for sessions created at createdAt.
func (s *Store) Revoked(ctx context.Context, sid, sub string, createdAt time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fail("revoked", err)
	}
	var bySID, bySub *redis.StringCmd
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		if sid != "" {
			bySID = p.Get(ctx, s.revSIDKey(sid))
		}
		if sub != "" {
			bySub = p.Get(ctx, s.revSubKey(sub))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fail("revoked", err)
	}
	if bySID != nil && bySID.Err() == nil {
		return true, nil
	}
	if bySub != nil && bySub.Err() == nil {
		at, err := strconv.ParseInt(bySub.Val(), 10, 64)
		if err == nil && createdAt.UnixMilli() <= at {
			return true, nil
		}
	}
	return false, nil
}
