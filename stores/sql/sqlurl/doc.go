// Package sqlurl opens an auth0kit SQL session store from a database URL,
// such as the DATABASE_URL of the examples. It imports the three drivers
// the store is tested with, which is why it is a package of its own:
// package sqlstore itself imports no driver.
//
//	postgres://user:password@host:5432/db?sslmode=disable   (github.com/jackc/pgx/v5/stdlib)
//	mysql://user:password@host:3306/db                      (github.com/go-sql-driver/mysql; MariaDB too)
//	sqlite:///path/to/file.db                               (modernc.org/sqlite, pure Go)
//
// The connection pool is [sqlstore.DefaultPool] (max(16, 4×GOMAXPROCS)
// connections, all kept idle, 30 min lifetime, 5 min idle time), tuned
// by the URL parameters pool_max_conns, pool_max_idle_conns,
// pool_max_conn_lifetime and pool_max_conn_idle_time, which the driver
// never sees:
//
//	postgres://app@db/app?sslmode=disable&pool_max_conns=32&pool_max_conn_lifetime=1h
//
// The parameter reads_in_flight sets how many session reads the store of
// [Open] runs at once before it batches the next ones
// ([sqlstore.WithReadBatching]; 0: no batching).
//
// Quickstart:
//
//	store, err := sqlurl.Open(ctx, os.Getenv("DATABASE_URL"))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer store.DB().Close()
//	stop := store.StartJanitor(0)
//	defer stop()
//	client, err := auth0kit.New(auth0kit.WithSessionStore(store))
package sqlurl
