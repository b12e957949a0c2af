package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
	redisstore "github.com/auth0kit/auth0kit/stores/redis"
	"github.com/redis/go-redis/v9"
)

func ExampleNew() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	store := redisstore.New(rdb, redisstore.WithPrefix("auth0kit-example:"))
	ctx := context.Background()

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

// A Cluster client works the same way: no key shares a slot with another.
func ExampleNew_cluster() {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"}})
	client, err := auth0kit.New(auth0kit.WithSessionStore(redisstore.New(rdb)))
	_, _ = client, err
}

func ExampleOpenURL() {
	store, err := redisstore.OpenURL(context.Background(), "redis://127.0.0.1:6379/0")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Client().Close()
	fmt.Println(store.Prefix())
	// Output: auth0kit:
}

func ExampleStore_Lock() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	store := redisstore.New(rdb, redisstore.WithPrefix("auth0kit-example:"))
	unlock, err := store.Lock(context.Background(), "refresh:abc", 10*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	defer unlock()
	fmt.Println("holding refresh:abc")
	// Output: holding refresh:abc
}

// With the session cache, a Get of a recently read session makes no round
// trip; Redis invalidates it on every instance when any of them changes
// or deletes it.
func ExampleWithCache() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	store := redisstore.New(rdb, redisstore.WithPrefix("auth0kit-example-cache:"),
		redisstore.WithCache(redisstore.CacheConfig{MaxEntries: 50_000, TTL: 5 * time.Minute}))
	defer store.Close() // stops the invalidation connection
	client, err := auth0kit.New(auth0kit.WithSessionStore(store))
	_, _ = client, err
	// or: redisstore.OpenURL(ctx, "redis://127.0.0.1:6379/0?cache=1&cache_max_entries=50000&cache_ttl=5m")
}
