// Package sessionstore is the contract between auth0kit and a server-side
// session store: the [Store] interface, its optional extensions ([Lister],
// [RevocationList], [Locker], [ReplayCache]), the record codec shared with
// nextjs-auth0 ([Marshal], [Unmarshal]) and [Memory], an in-process store.
//
// Applications only pass a store to auth0kit.WithSessionStore (and,
// for stateless cookie sessions, auth0kit.WithRevocationList); the stores
// for Redis (stores/redis) and SQL (stores/sql) implement this package,
// and conformance/storetest checks any implementation.
package sessionstore
