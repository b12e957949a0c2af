package auth0kit

import (
	"context"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/legacy"
	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// Legacy session cookie formats for [WithSessionMigration] and
// AUTH0_MIGRATE_SESSIONS.
const (
	// MigrateAuth0ServerJS reads @auth0/auth0-server-js stateless session
	// cookies (__a0_session, chunks __a0_session.0, .1, …).
	MigrateAuth0ServerJS = legacy.ServerJS
	// MigrateNextjsV3 reads @auth0/nextjs-auth0 v3 stateless session
	// cookies (appSession, chunks appSession.0, …).
	MigrateNextjsV3 = legacy.NextjsV3
)

// WithSessionMigration lets users of the JavaScript SDKs keep their
// session when an application moves to auth0kit (env
// AUTH0_MIGRATE_SESSIONS=auth0-server-js,nextjs-v3). A request without a
// current session cookie but with a legacy cookie of an enabled format,
// decrypted with any secret of [WithSecret] (the JS SDKs' rotation lists
// work the same way), has that session; the middleware rewrites it in the
// current format on that same response and deletes the legacy cookies. A
// legacy cookie of a format not enabled is no session. Off by default, and
// then it costs nothing: no legacy cookie is looked for.
//
// Only stateless legacy cookies are read (a stateful JS session lives in a
// store this SDK cannot reach). The auth0-server-js cookie must use the
// default identifier __a0_session.
func WithSessionMigration(formats ...string) Option {
	return func(c *Config) { c.MigrateSessions = append([]string(nil), formats...) }
}

// splitList splits a comma-separated environment value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func checkMigrateFormats(formats []string) error {
	for _, f := range formats {
		if f != MigrateAuth0ServerJS && f != MigrateNextjsV3 {
			return invalid("MigrateSessions (AUTH0_MIGRATE_SESSIONS)", "unknown format "+strqa(f)+"; use "+MigrateAuth0ServerJS+" or "+MigrateNextjsV3)
		}
	}
	return nil
}

// strqa quotes at most 40 bytes of untrusted configuration text.
func strqa(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return "\"" + s + "\""
}

// legacyJar collects the cookies of one legacy format.
type legacyJar struct {
	hasBase bool
	baseVal string
	chunks  []string
	present []bool
}

// scanLegacy looks for legacy session cookies; scanCookie calls it only
// when migration is enabled and the request has no current session
// cookie. The first enabled format (in configuration order) that opens
// wins; every legacy cookie of an enabled format is deleted on the next
// write.
func (c *Client) scanLegacy(ex adapter.Exchange, cs *cookieSession) {
	jars := make([]legacyJar, len(c.s.migrate))
	ex.VisitCookies(func(name, value string) {
		for k, f := range c.s.migrate {
			i, ok := legacy.ChunkIndex(legacy.BaseName(f), name)
			if !ok {
				continue
			}
			j := &jars[k]
			cs.legacy = append(cs.legacy, name)
			if i < 0 {
				if !j.hasBase {
					j.hasBase, j.baseVal = true, percentDecode(value)
				}
				continue
			}
			if i >= len(j.chunks) {
				j.chunks = append(j.chunks, make([]string, i+1-len(j.chunks))...)
				j.present = append(j.present, make([]bool, i+1-len(j.present))...)
			}
			if !j.present[i] {
				j.chunks[i], j.present[i] = percentDecode(value), true
			}
		}
	})
	if len(cs.legacy) == 0 {
		return
	}
	now := c.s.now().Unix()
	for k, f := range c.s.migrate {
		j := &jars[k]
		value, ok := legacy.Join(legacy.BaseName(f), j.hasBase, j.baseVal, j.chunks, j.present)
		if !ok {
			continue
		}
		payload, exp, err := legacy.Open(f, value, c.cfg.Secrets, now)
		if err != nil {
			c.s.logger.Debug("auth0kit: ignoring legacy session cookie", "format", f, "error", err)
			continue
		}
		s, _, err := wire.DecodeSession(payload)
		if err != nil || !validSession(s) || !c.issuedToUs(s) {
			c.s.logger.Debug("auth0kit: ignoring legacy session", "format", f)
			continue
		}
		if s.Internal.CreatedAt <= 0 || s.Internal.CreatedAt > now {
			s.Internal.CreatedAt = now
		}
		if c.expired(s.Internal.CreatedAt, s, now) {
			continue
		}
		if exp == 0 {
			exp = c.expiry(s.Internal.CreatedAt, s.Internal.SessionExpiresAt, now)
		}
		cs.sess, cs.exp, cs.createdAt, cs.loaded, cs.decoded = s, exp, s.Internal.CreatedAt, true, true
		cs.migrating = true
		return
	}
}

// migrateSession rewrites a session read from a legacy cookie in the
// current format (the legacy cookies are deleted by writeSession).
func (c *Client) migrateSession(ctx context.Context, ex adapter.Exchange, cs *cookieSession) error {
	s, err := c.load(ctx, cs)
	if err != nil || s == nil {
		return err
	}
	return c.writeSession(ctx, ex, cs, s, false)
}

// dropLegacy deletes the request's legacy session cookies.
func (c *Client) dropLegacy(ex adapter.Exchange, cs *cookieSession) {
	for _, name := range cs.legacy {
		ex.SetCookie(c.s.sessionCookie.deletion(name))
	}
	cs.legacy, cs.migrating = nil, false
}
