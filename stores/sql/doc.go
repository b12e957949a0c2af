// Package sqlstore keeps auth0kit sessions in a SQL database through
// database/sql: PostgreSQL, MySQL/MariaDB or SQLite. Besides
// [sessionstore.Store] it implements [sessionstore.Lister],
// [sessionstore.RevocationList], [sessionstore.Locker] and [sessionstore.ReplayCache].
// It imports no driver:
// the application opens the *sql.DB with the driver of its choice (or
// uses package sqlurl, which opens one from a URL with the drivers the
// store is tested with: pgx, go-sql-driver/mysql, modernc.org/sqlite).
//
// Quickstart:
//
//	db, err := sql.Open("pgx", "postgres://app@db:5432/app")
//	store, err := sqlstore.New(db, sqlstore.Postgres)
//	if err := store.Migrate(ctx); err != nil { … }
//	stop := store.StartJanitor(5 * time.Minute) // delete expired rows
//	defer stop()
//	client, err := auth0kit.New(auth0kit.WithSessionStore(store))
//
// # Schema
//
// [Store.Migrate] creates, if they do not exist (default names):
//
//	auth0kit_sessions             id (primary key), sid, sub, data, created_at, expires_at
//	                              indexes auth0kit_sessions_{sid,sub,exp}_idx
//	auth0kit_sessions_revocations kind ('sid' or 'sub'), value, revoked_at_ms, expires_at_ms
//	                              primary key (kind, value), index auth0kit_sessions_rev_exp_idx
//	auth0kit_sessions_locks       name (primary key), token, expires_at_ms
//
// data is the session as [sessionstore.Marshal] writes it (nextjs-auth0's
// SessionData JSON) in a BYTEA/LONGBLOB/BLOB column; created_at is the
// login (Internal.CreatedAt) and expires_at the expiry, both in unix
// seconds (the expiry rounded up: a session lives until the second after
// expiresAt at worst, never less). Keys are TEXT on PostgreSQL and SQLite
// and VARBINARY(255) on MySQL, so that every dialect compares ids, sids
// and subs byte for byte; the store refuses keys longer than 255 bytes.
//
// Every operation is one statement, except Lock on MySQL (an upsert and a
// read-back) and Migrate. Get and ListSessions skip expired rows;
// [Store.Cleanup] (or the janitor) deletes them. Times are the
// application's clock ([WithClock]), not the database's.
//
// # Connection pool
//
// database/sql keeps only 2 idle connections by default, so under more
// concurrent requests than that connections are opened and closed
// continually. [Pool] (applied by [WithPool] or [Pool.Apply]) keeps as
// many idle as it lets open; package sqlurl applies [DefaultPool] and the
// URL's pool_* parameters.
//
// # Read batching
//
// The session read runs on every request, and under load its round trip
// costs the database and the application more than the row. At most
// max([DefaultReadsInFlight], GOMAXPROCS) reads run at once; a read that
// arrives while that many are running waits for the first to finish, then
// runs together with the others that waited, up to [MaxReadBatch] ids in
// one query (SELECT … WHERE id IN (…)). A read still starts after it was
// asked for, so it sees every write that finished before it, and never
// waits while fewer reads are running. [WithReadBatching] (or the
// reads_in_flight parameter of package sqlurl) sets the number; 0 turns
// batching off.
//
// # Drivers
//
// On MySQL and SQLite the session read, which runs on every request, is
// a statement prepared once per connection (on MariaDB that spares about
// a quarter of the server's CPU per read); where preparing fails, as
// behind a proxy that does not support it, the read runs as a plain
// query. On PostgreSQL pgx caches prepared statements itself, in the
// query mode the database URL sets. Other statements are plain queries.
//
// MySQL: without interpolateParams=true in the DSN, go-sql-driver/mysql
// prepares, runs and closes every plain query (three round trips). SQLite:
// open the file with a busy timeout and the WAL journal
// (file.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL) with
// modernc.org/sqlite), or concurrent writers fail with SQLITE_BUSY;
// _pragma=synchronous(NORMAL) spares an fsync per commit. Package sqlurl
// sets all of these.
//
// # Failures
//
// Every database failure, and a cancelled context, is returned wrapped
// with [sessionstore.Unavailable], so it matches [auth0kit.ErrSessionStore]
// (the adapters answer 503). sql.ErrNoRows is "no session", as is a row
// whose data does not decode as a session. New returns plain errors for
// bad arguments.
package sqlstore
