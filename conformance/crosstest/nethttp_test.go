package crosstest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	auth0http "github.com/auth0kit/auth0kit/adapters/nethttp"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

// rw is a net/http handler's request context.
type rw struct {
	w http.ResponseWriter
	r *http.Request
}

var nethttpOps = &ops[rw]{
	ctx:     func(c rw) context.Context { return c.r.Context() },
	query:   func(c rw, n string) string { return c.r.URL.Query().Get(n) },
	user:    func(c rw) *auth0kit.User { return auth0http.UserFrom(c.r.Context()) },
	session: func(c rw) *auth0kit.Session { return auth0http.SessionFrom(c.r.Context()) },
	update: func(c rw, cl *auth0kit.Client, s *auth0kit.Session) error {
		return auth0http.UpdateSession(c.r.Context(), cl, s)
	},
	text: func(c rw, status int, body string) error {
		c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		c.w.WriteHeader(status)
		_, err := io.WriteString(c.w, body)
		return err
	},
	json: func(c rw, status int, body any) error {
		c.w.Header().Set("Content-Type", "application/json")
		c.w.WriteHeader(status)
		return json.NewEncoder(c.w).Encode(body)
	},
}

// net/http: Go 1.22 ServeMux patterns, the guards wrap single handlers.
func init() {
	k := httpKit("nethttp", func(client *auth0kit.Client, routes []route) http.Handler {
		mux := http.NewServeMux()
		for _, rt := range routes {
			var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = rt.h(reqOf(rw{w, r}, nethttpOps))
			})
			switch rt.guard {
			case pageGuard:
				h = auth0http.RequireAuth(h)
			case apiGuard:
				h = auth0http.RequireAuthAPI(h)
			}
			pattern := "GET " + rt.path
			if rt.path == "/" {
				pattern = "GET /{$}"
			}
			mux.Handle(pattern, h)
		}
		if client == nil {
			return mux
		}
		return auth0http.Middleware(client)(mux)
	})
	k.late = lateLost
	register(k)
}
