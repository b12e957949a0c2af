package devop

import (
	"crypto/tls"
	"crypto/x509"
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

// StartTLS is [Start] on an HTTPS listener (httptest's certificate for
// 127.0.0.1; [Provider.TLSCertificate] returns it to trust), which asks
// every client for a certificate without requiring one, so the same
// endpoints serve mutual-TLS client authentication (RFC 8705) with the
// mtls_endpoint_aliases pointing at them. tls_client_auth certificates are
// verified against opts.ClientCAs.
func StartTLS(t testing.TB, opts Options) *Provider {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	opts.Issuer = "https://" + srv.Listener.Addr().String() + "/"
	p, err := New(opts)
	if err != nil {
		srv.Listener.Close()
		t.Fatalf("devop.StartTLS: %v", err)
	}
	srv.Config.Handler = p.Handler()
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	p.mu.Lock()
	p.tlsCert = srv.Certificate()
	p.mu.Unlock()
	t.Cleanup(srv.Close)
	return p
}

// TLSCertificate returns the server certificate of a provider started with
// [StartTLS] (nil otherwise).
func (p *Provider) TLSCertificate() *x509.Certificate {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tlsCert
}
