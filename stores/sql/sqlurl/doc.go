// Package sqlurl opens an auth0kit SQL session store from a database URL,
// such as the DATABASE_URL of the examples. It imports the three drivers
// the store is tested with, which is why it is a package of its own:
// package sqlstore itself imports no driver.
//
//	postgres://user:password@host:5432/db?sslmode=disable   (github.com/jackc/pgx/v5/stdlib)
//	mysql://user:password@host:3306/db                      (github.com/go-sql-driver/mysql; MariaDB too)
//	sqlite:///path/to/file.db                               (modernc.org/sqlite, pure Go)
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
