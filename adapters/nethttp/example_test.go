package auth0http_test

import (
	"fmt"
	"log"
	"net/http"

	auth0http "github.com/auth0kit/auth0kit/adapters/nethttp"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func ExampleMiddleware() {
	// Reads AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET
	// and APP_BASE_URL.
	client, err := auth0kit.New()
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if u := auth0http.UserFrom(r.Context()); u != nil {
			fmt.Fprintf(w, "Hello %s! <a href=/auth/logout>Log out</a>", u.Name)
			return
		}
		fmt.Fprint(w, `<a href="/auth/login">Log in</a>`)
	})
	log.Fatal(http.ListenAndServe(":3000", auth0http.Middleware(client)(mux)))
}

func ExampleRequireAuth() {
	mux := http.NewServeMux()
	mux.Handle("GET /account", auth0http.RequireAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Account of %s", auth0http.UserFrom(r.Context()).Email)
	})))
	_ = mux
}

func ExampleRequireAuthAPI() {
	mux := http.NewServeMux()
	mux.Handle("GET /api/orders", auth0http.RequireAuthAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := auth0http.SessionFrom(r.Context())
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"user":%q}`, s.User.Sub)
	})))
	_ = mux
}
