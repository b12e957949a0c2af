package auth0http_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	auth0http "github.com/auth0kit/auth0kit/adapters/nethttp"
	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

// newApp is the conformance app in net/http idiom, with Go 1.22 ServeMux
// patterns.
func newApp(client *auth0kit.Client) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if u := auth0http.UserFrom(r.Context()); u != nil {
			fmt.Fprint(w, "hello "+u.Sub)
			return
		}
		fmt.Fprint(w, "hello anonymous")
	})
	mux.Handle("GET /private", auth0http.RequireAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "private "+auth0http.UserFrom(r.Context()).Sub)
	})))
	mux.Handle("GET /api/me", auth0http.RequireAuthAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := auth0http.SessionFrom(r.Context())
		body := map[string]any{"sub": s.User.Sub, "sid": s.Internal.SID}
		for k, v := range s.Extra {
			body[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	})))
	mux.HandleFunc("GET /update", func(w http.ResponseWriter, r *http.Request) {
		s := auth0http.SessionFrom(r.Context())
		if s == nil {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		next := *s
		next.Extra = map[string]json.RawMessage{"updated": json.RawMessage("true")}
		if err := auth0http.UpdateSession(r.Context(), client, &next); err != nil {
			http.Error(w, err.Error(), auth0kit.HTTPStatus(err))
			return
		}
		fmt.Fprint(w, "ok")
	})
	mux.Handle("GET /api/connection-token", auth0http.RequireAuthAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		at, err := client.GetAccessTokenForConnection(r.Context(), nil, auth0kit.ConnectionTokenOptions{Connection: r.URL.Query().Get("connection")})
		if err != nil {
			w.WriteHeader(auth0kit.HTTPStatus(err))
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"token": at.Token, "expires_at": at.ExpiresAt.Unix()})
	})))
	return auth0http.Middleware(client)(mux)
}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name: "nethttp",
		Serve: func(t *testing.T, ln net.Listener, client *auth0kit.Client) {
			srv := httptest.NewUnstartedServer(newApp(client))
			srv.Listener.Close()
			srv.Listener = ln
			srv.Start()
			t.Cleanup(srv.Close)
		},
	})
}
