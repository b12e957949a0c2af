// Package redisstore keeps auth0kit sessions in Redis (single node,
// Sentinel or Cluster, through any [redis.UniversalClient] of
// github.com/redis/go-redis/v9). Besides [sessionstore.Store] it
// implements [sessionstore.Lister], [sessionstore.RevocationList],
// [sessionstore.Locker] and [sessionstore.ReplayCache].
//
// Quickstart:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	client, err := auth0kit.New(auth0kit.WithSessionStore(redisstore.New(rdb)))
//
// or, from a URL such as REDIS_URL=redis://127.0.0.1:6379/0:
//
//	store, err := redisstore.OpenURL(ctx, os.Getenv("REDIS_URL"))
//
// # Keys
//
// With the default prefix "auth0kit:":
//
//	auth0kit:s:<id>      string: the session, sessionstore.Marshal (nextjs-auth0's
//	                     SessionData JSON), expiring (PX) at the session's expiresAt
//	auth0kit:sid:<sid>   sorted set: ids of the sessions of a provider session (sid)
//	auth0kit:sub:<sub>   sorted set: ids of the sessions of a user (sub)
//	auth0kit:rsid:<sid>  string "1": a revoked sid, expiring at the revocation's until
//	auth0kit:rsub:<sub>  string: unix ms; the sub's sessions created at or before it are revoked
//	auth0kit:lock:<key>  string: a lock holder's random token, expiring after the lock's ttl
//
// The index sets score each id with its session's expiry (plus one
// minute's grace, never lowered: ZADD GT) and expire themselves with their
// last member, so DeleteByLogoutToken and ListSessions read one set and
// never scan the key space (no KEYS, no SCAN). Members whose score has
// passed are pruned whenever a set is read or written. Members that no
// longer match (a session deleted, or overwritten with another sid or
// sub) are harmless: each candidate session is read and checked before it
// is deleted or listed.
//
// # Cluster
//
// No key carries a hash tag, so on Redis Cluster sessions spread over
// every shard. Every Lua script and every command touches a single key;
// work spanning keys is split into per-key commands, sent in pipelines
// (go-redis routes each command of a pipeline to its slot's node) and
// ordered so that a failure half-way leaves only harmless stale index
// members:
//
//   - Set adds the id to its sid and sub sets first, then writes the
//     session with SET … PX … GET, and removes the id from the sets of
//     the previous value's sid and sub when they changed (with a
//     *redis.Client, single server or Sentinel, the first two steps go in
//     one pipeline, which the server runs in order: one round trip);
//   - Delete removes the session with GETDEL, then its set members;
//   - DeleteByLogoutToken reads the candidates of the sid's (or sub's)
//     set, checks each session's sid and sub, and deletes it with a
//     compare-and-delete script (only if its value is unchanged since it
//     was read; a session changed in between is read again).
//
// The price of not co-locating keys is that a session and its index
// entries are not written in one transaction; the ordering above makes
// that invisible to readers, with one exception: a Set racing a Delete of
// the same id can re-create the session after the Delete removed its
// index entries, and it is filed again only at its next write. A prefix with a hash tag (WithPrefix("{app}:"))
// puts every key of the store in one slot instead, which works too.
//
// # Session cache
//
// [WithCache] (or cache=1 in the URL of [OpenURL]) keeps recently read
// sessions in process memory, bounded in entries and time, and coherent
// through Redis server-assisted client-side caching: a dedicated
// connection tracks every session key (CLIENT TRACKING BCAST) and evicts a
// session as soon as any instance changes or deletes it. Without that
// connection (lost, or a Cluster/Ring client) every Get reads Redis.
//
// # Failures
//
// Every Redis failure, and a cancelled context, is returned wrapped with
// [sessionstore.Unavailable], so it matches [auth0kit.ErrSessionStore] (the
// adapters answer 503). A missing key (redis.Nil) is "no session", as is a
// value that does not decode as a session.
package redisstore
