package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"path/filepath"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
	sqlstore "github.com/auth0kit/auth0kit/stores/sql"
	"github.com/auth0kit/auth0kit/stores/sql/sqlurl"
	_ "modernc.org/sqlite"
)

func ExampleNew() {
	dir := tempDir // a temporary directory
	db, err := sql.Open("sqlite", filepath.Join(dir, "sessions.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := sqlstore.New(db, sqlstore.SQLite, sqlstore.WithTable("sessions"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	stop := store.StartJanitor(5 * time.Minute)
	defer stop()

	sess := &auth0kit.Session{
		User:     auth0kit.User{Sub: "auth0|123", Name: "Jane"},
		Internal: auth0kit.SessionInternal{SID: "sid-1", CreatedAt: time.Now().Unix()},
	}
	if err := store.Set(ctx, "0123456789abcdef0123456789abcdef", sess, time.Now().Add(time.Hour)); err != nil {
		log.Fatal(err)
	}
	got, _ := store.Get(ctx, "0123456789abcdef0123456789abcdef")
	fmt.Println(got.User.Name)
	list, _ := store.ListSessions(ctx, "auth0|123")
	fmt.Println(len(list), list[0].SID)
	_ = store.DeleteByLogoutToken(ctx, sessionstore.LogoutTokenClaims{SID: "sid-1"})
	got, _ = store.Get(ctx, "0123456789abcdef0123456789abcdef")
	fmt.Println(got == nil)
	// Output:
	// Jane
	// 1 sid-1
	// true
}

// With a URL such as the examples' DATABASE_URL.
func ExampleStore_Lock() {
	dir := tempDir // a temporary directory
	store, err := sqlurl.Open(context.Background(), "sqlite://"+filepath.Join(dir, "locks.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.DB().Close()
	unlock, err := store.Lock(context.Background(), "refresh:abc", 10*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	defer unlock()
	fmt.Println("holding refresh:abc")
	// Output: holding refresh:abc
}

// A pool that keeps every connection it opens: 32 connections, each
// closed after an hour, or after 10 minutes unused.
func ExamplePool() {
	db, err := sql.Open("sqlite", filepath.Join(tempDir, "pool.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	p := sqlstore.Pool{MaxConns: 32, MaxConnLifetime: time.Hour, MaxConnIdleTime: 10 * time.Minute}
	store, err := sqlstore.New(db, sqlstore.SQLite, sqlstore.WithPool(p)) // or p.Apply(db)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(store.DB().Stats().MaxOpenConnections)
	// Output: 32
}
