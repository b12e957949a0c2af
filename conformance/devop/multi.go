package devop

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// StartMulti runs several providers on one httptest listener on 127.0.0.1,
// one per name, each with its own issuer ("http://127.0.0.1:port/<name>/")
// and its own signing key: the custom domains of one tenant, as Auth0's
// Multiple Custom Domains serve them. opts returns each provider's options
// (their Issuer is overridden). The server is closed by t.Cleanup.
func StartMulti(t testing.TB, opts func(name string) Options, names ...string) []*Provider {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	mux := http.NewServeMux()
	ps := make([]*Provider, 0, len(names))
	for _, name := range names {
		if name == "" || strings.ContainsAny(name, "/?#") {
			srv.Listener.Close()
			t.Fatalf("devop.StartMulti: bad name %q", name)
		}
		o := opts(name)
		o.Issuer = "http://" + srv.Listener.Addr().String() + "/" + name + "/"
		p, err := New(o)
		if err != nil {
			srv.Listener.Close()
			t.Fatalf("devop.StartMulti: %v", err)
		}
		mux.Handle("/"+name+"/", p.Handler())
		ps = append(ps, p)
	}
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return ps
}
