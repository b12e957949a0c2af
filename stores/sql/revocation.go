package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// Revoke implements [sessionstore.RevocationList]: an upsert into the
// revocations table. A logout token with a sid revokes that provider
// session (whatever the sub); one with only a sub revokes the sub's
// sessions created at or before at. The row lives until until (nothing is
// written when until has passed); an existing live row keeps the later at
// and the later expiry. Times are kept in unix milliseconds.
func (s *Store) Revoke(ctx context.Context, c sessionstore.LogoutTokenClaims, at, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return fail("revoke", err)
	}
	now := s.now().UnixMilli()
	exp := until.UnixMilli()
	if exp <= now || (c.SID == "" && c.Sub == "") {
		return nil
	}
	kind, value := "sid", c.SID
	if c.SID == "" {
		kind, value = "sub", c.Sub
	}
	if len(value) > maxKeyLen {
		return fail("revoke", fmt.Errorf("%s longer than %d bytes", kind, maxKeyLen))
	}
	if _, err := s.db.ExecContext(ctx, s.q.revoke, kind, value, at.UnixMilli(), exp, now, now); err != nil {
		return fail("revoke", err)
	}
	return nil
}

// Revoked implements [sessionstore.RevocationList]: one indexed SELECT for
// the sid and the sub.
func (s *Store) Revoked(ctx context.Context, sid, sub string, createdAt time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fail("revoked", err)
	}
	if sid == "" && sub == "" {
		return false, nil
	}
	ctx, cancel := detached(ctx) // read on every request: see detached
	defer cancel()
	rows, err := s.db.QueryContext(ctx, s.q.revoked, s.now().UnixMilli(), sid, sub)
	if err != nil {
		return false, fail("revoked", err)
	}
	defer rows.Close()
	revoked := false
	for rows.Next() {
		var kind string
		var at int64
		if err := rows.Scan(&kind, &at); err != nil {
			return false, fail("revoked", err)
		}
		if kind == "sid" || createdAt.UnixMilli() <= at {
			revoked = true
		}
	}
	if err := rows.Err(); err != nil {
		return false, fail("revoked", err)
	}
	return revoked, nil
}
