// Command nethttp is the auth0kit example for net/http: a home page with
// login/logout links, a protected page and a protected JSON API.
//
// It is configured only through the standard environment variables
// (AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET,
// APP_BASE_URL; REDIS_URL or DATABASE_URL for server-side sessions) and
// listens on $PORT (default 3000), so it runs unchanged
// against a real Auth0 tenant or any OpenID Connect provider. `make demo`
// runs it against the local development provider.
package main

import (
	"context"
	"encoding/json"
	"log"
	"net/http"

	auth0http "github.com/auth0kit/auth0kit/adapters/nethttp"
	"github.com/auth0kit/auth0kit/examples/internal/appenv"
)

var page = appenv.Page

func main() {
	client, logger, err := appenv.Client(context.Background())
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		_ = page.Execute(w, appenv.View{Framework: "net/http", Title: "auth0kit + net/http", User: auth0http.UserFrom(r.Context())})
	})
	mux.Handle("GET /private", auth0http.RequireAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = page.Execute(w, appenv.View{Framework: "net/http", Title: "Protected page", User: auth0http.UserFrom(r.Context())})
	})))
	mux.Handle("GET /api/me", auth0http.RequireAuthAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(auth0http.UserFrom(r.Context()))
	})))
	// GET /api/call calls API_BASE_URL as the user (Bearer or DPoP).
	mux.Handle("GET /api/call", auth0http.RequireAuthAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body := appenv.CallAPIResult(r.Context(), client)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	})))

	addr := appenv.Addr()
	logger.Info("listening", "addr", addr)
	log.Fatal(http.ListenAndServe(addr, auth0http.Middleware(client)(mux)))
}
