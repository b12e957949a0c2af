package auth0kit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/url"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
)

func ExampleNew() {
	client, err := auth0kit.New(
		auth0kit.WithDomain("example.us.auth0.com"),
		auth0kit.WithClientID("my-client-id"),
		auth0kit.WithClientSecret("my-client-secret"),
		auth0kit.WithSecret("a-random-secret-of-at-least-32-bytes-0123"),
		auth0kit.WithAppBaseURL("https://app.example.com"),
		auth0kit.WithSession(auth0kit.SessionOptions{InactivityDuration: 8 * time.Hour}),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.Issuer())
	fmt.Println(client.Routes().Login, client.Routes().Callback)
	// Output:
	// https://example.us.auth0.com/
	// /auth/login /auth/callback
}

func ExampleSafeReturnTo() {
	base, _ := url.Parse("https://app.example.com")
	for _, in := range []string{"/orders?page=2", "https://app.example.com/me", "//evil.com", "javascript:alert(1)"} {
		path, ok := auth0kit.SafeReturnTo(in, base)
		fmt.Printf("%-28q -> %q %v\n", in, path, ok)
	}
	// Output:
	// "/orders?page=2"             -> "/orders?page=2" true
	// "https://app.example.com/me" -> "/me" true
	// "//evil.com"                 -> "" false
	// "javascript:alert(1)"        -> "" false
}

func ExampleUser_Claim() {
	u := auth0kit.User{Sub: "auth0|123", Extra: map[string]json.RawMessage{
		"https://example.com/roles": json.RawMessage(`["admin"]`),
	}}
	var roles []string
	if err := u.Claim("https://example.com/roles", &roles); err != nil {
		log.Fatal(err)
	}
	fmt.Println(roles)
	// Output: [admin]
}

func ExampleGenerateSessionCookie() {
	// In a test: a logged-in request without a login flow.
	value, err := auth0kit.GenerateSessionCookie(&auth0kit.Session{
		User: auth0kit.User{Sub: "auth0|test-user", Email: "test@example.com"},
	}, "a-random-secret-of-at-least-32-bytes-0123")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(value) > 0)
	// req.AddCookie(&http.Cookie{Name: "__session", Value: value})
	// Output: true
}

func ExampleClient_GetSession() {
	client, err := auth0kit.New(
		auth0kit.WithDomain("example.us.auth0.com"),
		auth0kit.WithClientID("client-id"),
		auth0kit.WithClientSecret("client-secret"),
		auth0kit.WithSecret("a-random-secret-of-at-least-32-bytes-0123"),
		auth0kit.WithAppBaseURL("https://app.example.com"),
	)
	if err != nil {
		log.Fatal(err)
	}
	// In a handler behind an adapter's middleware, pass r.Context() (or the
	// framework's equivalent): the session is read once per request. A
	// context the middleware did not bind has no session.
	s, err := client.GetSession(context.Background())
	fmt.Println(s == nil, err)
	// Output: true <nil>
}
