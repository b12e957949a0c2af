package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
)

// Dialect is the SQL flavour of a database: it decides placeholders,
// identifier quoting, column types and the upsert statements.
type Dialect int

const (
	// Postgres is PostgreSQL (9.5 or later: INSERT … ON CONFLICT), e.g.
	// with the github.com/jackc/pgx/v5/stdlib driver.
	Postgres Dialect = iota + 1
	// MySQL is MySQL 5.7+ or MariaDB 10.3+, e.g. with the
	// github.com/go-sql-driver/mysql driver.
	MySQL
	// SQLite is SQLite 3.24 or later (upsert), e.g. with the pure Go
	// modernc.org/sqlite driver.
	SQLite
)

// String returns the dialect's name: "postgres", "mysql" or "sqlite".
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case MySQL:
		return "mysql"
	case SQLite:
		return "sqlite"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

func (d Dialect) valid() bool { return d == Postgres || d == MySQL || d == SQLite }

// quote quotes a (validated) identifier.
func (d Dialect) quote(name string) string {
	if d == MySQL {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

// rebind turns ? placeholders into $1, $2, … for PostgreSQL. The
// statements here have no ? inside string literals.
func (d Dialect) rebind(q string) string {
	if d != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// maxKeyLen is the longest id, sid, sub or lock key the store accepts
// (the width of the MySQL key columns; OpenID Connect caps sub at 255
// ASCII characters).
const maxKeyLen = 255

// maxTableLen keeps the derived names (<table>_revocations,
// <table>_rev_exp_idx) within PostgreSQL's 63 and MySQL's 64 bytes.
const maxTableLen = 48

// validTable reports whether name is a plain SQL identifier the store can
// use as its table name.
func validTable(name string) error {
	if name == "" || len(name) > maxTableLen {
		return fmt.Errorf("sqlstore: table name %q must have 1 to %d characters", name, maxTableLen)
	}
	for i, r := range name {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return fmt.Errorf("sqlstore: table name %q must be letters, digits and underscores, not starting with a digit", name)
		}
	}
	return nil
}

// queries are a store's statements, built once for its dialect and table.
type queries struct {
	migrate []string

	get, upsert, del                string
	getBatch                        [len(readBatchSizes)]string
	selBySID, selBySub, selByBoth   string
	list                            string
	revoke, revoked                 string
	lock, lockHolder, unlock        string
	cleanSessions, cleanRevocations string
	cleanLocks                      string
	markUsed, usedHolder, used      string
	cleanReplays                    string
}

func buildQueries(d Dialect, table string) queries {
	t := d.quote(table)
	rt := d.quote(table + "_revocations")
	lt := d.quote(table + "_locks")
	pt := d.quote(table + "_replays")
	idx := func(suffix string) string { return d.quote(table + suffix) }
	var q queries

	switch d {
	case Postgres:
		q.migrate = []string{
			`CREATE TABLE IF NOT EXISTS ` + t + ` (
	id TEXT PRIMARY KEY,
	sid TEXT NOT NULL,
	sub TEXT NOT NULL,
	data BYTEA NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("_sid_idx") + ` ON ` + t + ` (sid)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("_sub_idx") + ` ON ` + t + ` (sub)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("_exp_idx") + ` ON ` + t + ` (expires_at)`,
			`CREATE TABLE IF NOT EXISTS ` + rt + ` (
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	revoked_at_ms BIGINT NOT NULL,
	expires_at_ms BIGINT NOT NULL,
	PRIMARY KEY (kind, value)
)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("_rev_exp_idx") + ` ON ` + rt + ` (expires_at_ms)`,
			`CREATE TABLE IF NOT EXISTS ` + lt + ` (
	name TEXT PRIMARY KEY,
	token TEXT NOT NULL,
	expires_at_ms BIGINT NOT NULL
)`,
			`CREATE TABLE IF NOT EXISTS ` + pt + ` (
	name TEXT PRIMARY KEY,
	token TEXT NOT NULL,
	expires_at_ms BIGINT NOT NULL
)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("_rep_exp_idx") + ` ON ` + pt + ` (expires_at_ms)`,
		}
	case SQLite:
		q.migrate = []string{
			`CREATE TABLE IF NOT EXISTS ` + t + ` (
	id TEXT NOT NULL PRIMARY KEY,
	sid TEXT NOT NULL,
	sub TEXT NOT NULL,
	data BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("_sid_idx") + ` ON ` + t + ` (sid)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("_sub_idx") + ` ON ` + t + ` (sub)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("_exp_idx") + ` ON ` + t + ` (expires_at)`,
			`CREATE TABLE IF NOT EXISTS ` + rt + ` (
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	revoked_at_ms INTEGER NOT NULL,
	expires_at_ms INTEGER NOT NULL,
	PRIMARY KEY (kind, value)
)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("_rev_exp_idx") + ` ON ` + rt + ` (expires_at_ms)`,
			`CREATE TABLE IF NOT EXISTS ` + lt + ` (
	name TEXT NOT NULL PRIMARY KEY,
	token TEXT NOT NULL,
	expires_at_ms INTEGER NOT NULL
)`,
			`CREATE TABLE IF NOT EXISTS ` + pt + ` (
	name TEXT NOT NULL PRIMARY KEY,
	token TEXT NOT NULL,
	expires_at_ms INTEGER NOT NULL
)`,
			`CREATE INDEX IF NOT EXISTS ` + idx("_rep_exp_idx") + ` ON ` + pt + ` (expires_at_ms)`,
		}
	case MySQL:
		// VARBINARY keys compare byte for byte: the default collations
		// would match ids and subs case-insensitively and ignore
		// trailing spaces. Indexes are declared inline because MySQL has
		// no CREATE INDEX IF NOT EXISTS.
		q.migrate = []string{
			`CREATE TABLE IF NOT EXISTS ` + t + ` (
	id VARBINARY(255) NOT NULL PRIMARY KEY,
	sid VARBINARY(255) NOT NULL,
	sub VARBINARY(255) NOT NULL,
	data LONGBLOB NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	INDEX ` + idx("_sid_idx") + ` (sid),
	INDEX ` + idx("_sub_idx") + ` (sub),
	INDEX ` + idx("_exp_idx") + ` (expires_at)
) ENGINE=InnoDB`,
			`CREATE TABLE IF NOT EXISTS ` + rt + ` (
	kind VARBINARY(8) NOT NULL,
	value VARBINARY(255) NOT NULL,
	revoked_at_ms BIGINT NOT NULL,
	expires_at_ms BIGINT NOT NULL,
	PRIMARY KEY (kind, value),
	INDEX ` + idx("_rev_exp_idx") + ` (expires_at_ms)
) ENGINE=InnoDB`,
			`CREATE TABLE IF NOT EXISTS ` + lt + ` (
	name VARBINARY(255) NOT NULL PRIMARY KEY,
	token VARBINARY(64) NOT NULL,
	expires_at_ms BIGINT NOT NULL
) ENGINE=InnoDB`,
			`CREATE TABLE IF NOT EXISTS ` + pt + ` (
	name VARBINARY(255) NOT NULL PRIMARY KEY,
	token VARBINARY(64) NOT NULL,
	expires_at_ms BIGINT NOT NULL,
	INDEX ` + idx("_rep_exp_idx") + ` (expires_at_ms)
) ENGINE=InnoDB`,
		}
	}

	cols := `(id, sid, sub, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`
	switch d {
	case MySQL:
		q.upsert = `INSERT INTO ` + t + ` ` + cols + ` ON DUPLICATE KEY UPDATE
	sid = VALUES(sid), sub = VALUES(sub), data = VALUES(data),
	created_at = VALUES(created_at), expires_at = VALUES(expires_at)`
		// Assignments run left to right, each seeing the columns already
		// assigned: revoked_at_ms goes first, so both test the old expiry.
		q.revoke = `INSERT INTO ` + rt + ` (kind, value, revoked_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)
ON DUPLICATE KEY UPDATE
	revoked_at_ms = IF(expires_at_ms <= ?, VALUES(revoked_at_ms), GREATEST(revoked_at_ms, VALUES(revoked_at_ms))),
	expires_at_ms = IF(expires_at_ms <= ?, VALUES(expires_at_ms), GREATEST(expires_at_ms, VALUES(expires_at_ms)))`
		q.lock = `INSERT INTO ` + lt + ` (name, token, expires_at_ms) VALUES (?, ?, ?)
ON DUPLICATE KEY UPDATE
	token = IF(expires_at_ms <= ?, VALUES(token), token),
	expires_at_ms = IF(expires_at_ms <= ?, VALUES(expires_at_ms), expires_at_ms)`
		q.lockHolder = `SELECT token FROM ` + lt + ` WHERE name = ?`
		q.markUsed = `INSERT INTO ` + pt + ` (name, token, expires_at_ms) VALUES (?, ?, ?)
ON DUPLICATE KEY UPDATE
	token = IF(expires_at_ms <= ?, VALUES(token), token),
	expires_at_ms = IF(expires_at_ms <= ?, VALUES(expires_at_ms), expires_at_ms)`
		q.usedHolder = `SELECT token FROM ` + pt + ` WHERE name = ?`
	default:
		greatest := "GREATEST"
		if d == SQLite {
			greatest = "max"
		}
		q.upsert = `INSERT INTO ` + t + ` ` + cols + ` ON CONFLICT (id) DO UPDATE SET
	sid = excluded.sid, sub = excluded.sub, data = excluded.data,
	created_at = excluded.created_at, expires_at = excluded.expires_at`
		q.revoke = `INSERT INTO ` + rt + ` (kind, value, revoked_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)
ON CONFLICT (kind, value) DO UPDATE SET
	revoked_at_ms = CASE WHEN ` + rt + `.expires_at_ms <= ? THEN excluded.revoked_at_ms
		ELSE ` + greatest + `(` + rt + `.revoked_at_ms, excluded.revoked_at_ms) END,
	expires_at_ms = CASE WHEN ` + rt + `.expires_at_ms <= ? THEN excluded.expires_at_ms
		ELSE ` + greatest + `(` + rt + `.expires_at_ms, excluded.expires_at_ms) END`
		q.lock = `INSERT INTO ` + lt + ` (name, token, expires_at_ms) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires_at_ms = excluded.expires_at_ms
WHERE ` + lt + `.expires_at_ms <= ?`
		q.markUsed = `INSERT INTO ` + pt + ` (name, token, expires_at_ms) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires_at_ms = excluded.expires_at_ms
WHERE ` + pt + `.expires_at_ms <= ?`
	}

	q.get = `SELECT data FROM ` + t + ` WHERE id = ? AND expires_at > ?`
	q.del = `DELETE FROM ` + t + ` WHERE id = ?`
	q.selBySID = `SELECT id, data FROM ` + t + ` WHERE sid = ?`
	q.selBySub = `SELECT id, data FROM ` + t + ` WHERE sub = ?`
	q.selByBoth = `SELECT id, data FROM ` + t + ` WHERE sid = ? AND sub = ?`
	q.list = `SELECT id, sid, created_at, expires_at FROM ` + t + ` WHERE sub = ? AND expires_at > ? ORDER BY created_at, id`
	q.revoked = `SELECT kind, revoked_at_ms FROM ` + rt + ` WHERE expires_at_ms > ? AND ((kind = 'sid' AND value = ?) OR (kind = 'sub' AND value = ?))`
	q.unlock = `DELETE FROM ` + lt + ` WHERE name = ? AND token = ?`
	q.cleanSessions = `DELETE FROM ` + t + ` WHERE expires_at <= ?`
	q.cleanRevocations = `DELETE FROM ` + rt + ` WHERE expires_at_ms <= ?`
	q.cleanLocks = `DELETE FROM ` + lt + ` WHERE expires_at_ms <= ?`
	q.used = `SELECT 1 FROM ` + pt + ` WHERE name = ? AND expires_at_ms > ?`
	q.cleanReplays = `DELETE FROM ` + pt + ` WHERE expires_at_ms <= ?`

	for _, p := range []*string{&q.get, &q.upsert, &q.del, &q.selBySID, &q.selBySub, &q.selByBoth, &q.list,
		&q.revoke, &q.revoked, &q.lock, &q.lockHolder, &q.unlock, &q.cleanSessions, &q.cleanRevocations, &q.cleanLocks,
		&q.markUsed, &q.usedHolder, &q.used, &q.cleanReplays} {
		*p = d.rebind(*p)
	}
	for i, n := range readBatchSizes {
		q.getBatch[i] = d.rebind(batchReadQuery(t, n))
	}
	return q
}
