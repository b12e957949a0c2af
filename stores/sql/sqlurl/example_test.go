package sqlurl_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/auth0kit/auth0kit/stores/sql/sqlurl"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "sqlurl-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// In an app: sqlurl.Open(ctx, os.Getenv("DATABASE_URL")), with
	// postgres://…, mysql://… or sqlite://… URLs.
	store, err := sqlurl.Open(context.Background(), "sqlite://"+filepath.Join(dir, "sessions.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.DB().Close()
	stop := store.StartJanitor(0) // every 5 minutes
	defer stop()
	sessions, revocations, locks := store.Tables()
	fmt.Println(store.Dialect(), sessions, revocations, locks)
	// Output: sqlite auth0kit_sessions auth0kit_sessions_revocations auth0kit_sessions_locks
}
