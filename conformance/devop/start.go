package devop

import (
	"net/http/httptest"
	"testing"
)

// Start runs a Provider on an httptest server listening on 127.0.0.1,
// overriding opts.Issuer with the server URL plus "/". The server is
// closed by t.Cleanup. Start calls t.Fatal if the provider cannot be
// created.
func Start(t testing.TB, opts Options) *Provider {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	opts.Issuer = "http://" + srv.Listener.Addr().String() + "/"
	p, err := New(opts)
	if err != nil {
		srv.Listener.Close()
		t.Fatalf("devop.Start: %v", err)
	}
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return p
}
