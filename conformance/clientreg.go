package conformance

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

// clientReg is how a scenario's app is registered at the provider and
// authenticates to it. The zero value is the suite's default:
// client_secret_post with a secret.
type clientReg struct {
	method     auth0kit.ClientAuthMethod // "" selects client_secret_post
	key        crypto.Signer             // private_key_jwt
	alg        string                    // RS256, PS256 or ES256
	requirePAR bool                      // the client must use PAR
	tls        *mtlsSetup                // mutual TLS (development provider only)
}

// secretless reports whether the client authenticates without a secret.
func (r clientReg) secretless() bool {
	return r.method == auth0kit.PrivateKeyJWT || r.method == auth0kit.TLSClientAuth || r.method == auth0kit.SelfSignedTLSClientAuth
}

// devopClient returns the development provider's registration of the app.
func (r clientReg) devopClient(c devop.Client) devop.Client {
	c.TokenEndpointAuthMethod = string(r.method)
	c.RequirePushedAuthorizationRequests = r.requirePAR
	if r.secretless() {
		c.Secret = ""
	}
	if r.key != nil {
		c.PublicKey = r.key.Public()
	}
	if r.tls != nil {
		c.Certificate = r.tls.clientCert.Leaf
	}
	return c
}

// registration adds the dynamic client registration metadata (RFC 7591)
// for the certified provider.
func (r clientReg) registration(t *testing.T, meta map[string]any) {
	if r.method != "" {
		meta["token_endpoint_auth_method"] = string(r.method)
	}
	if r.key != nil {
		jwk := jose.JSONWebKey{Key: r.key.Public(), Use: "sig", Algorithm: r.alg, KeyID: "conformance-client-key"}
		meta["jwks"] = map[string]any{"keys": []jose.JSONWebKey{jwk}}
		meta["token_endpoint_auth_signing_alg"] = r.alg
	}
	if r.requirePAR {
		meta["require_pushed_authorization_requests"] = true
	}
	if r.tls != nil {
		t.Skip("mutual TLS needs the development provider's HTTPS listener")
	}
}

// appOptions are the app's options for this registration.
func (r clientReg) appOptions() []auth0kit.Option {
	var opts []auth0kit.Option
	if r.method != "" {
		opts = append(opts, auth0kit.WithTokenEndpointAuthMethod(r.method))
	}
	if r.key != nil {
		opts = append(opts, auth0kit.WithClientAssertionSigningKey(r.key, r.alg))
	}
	if r.tls != nil {
		opts = append(opts, auth0kit.WithHTTPClient(&http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: r.tls.roots, MinVersion: tls.VersionTLS12}}}),
			auth0kit.WithClientCertificate(r.tls.clientCert))
	}
	return opts
}

// mtlsSetup is a test PKI: a CA, a client certificate (CA-issued or
// self-signed), and, once the provider runs, the roots that trust its
// server certificate.
type mtlsSetup struct {
	ca         *x509.CertPool
	clientCert tls.Certificate
	roots      *x509.CertPool
}

// newMTLS makes a client certificate: issued by a fresh test CA, or
// self-signed.
func newMTLS(t *testing.T, selfSigned bool) *mtlsSetup {
	t.Helper()
	now := time.Now()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := newKey()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "auth0kit conformance CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key := newKey()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "auth0kit conformance client", Organization: []string{"auth0kit"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	parent, signer := caCert, crypto.Signer(caKey)
	if selfSigned {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &mtlsSetup{ca: pool, clientCert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}
}

// start runs the development provider over HTTPS with this PKI.
func (m *mtlsSetup) start(t *testing.T, opts devop.Options) *devop.Provider {
	t.Helper()
	opts.ClientCAs = m.ca
	op := devop.StartTLS(t, opts)
	m.roots = x509.NewCertPool()
	m.roots.AddCert(op.TLSCertificate())
	return op
}

// newRSAKey returns a 2048-bit RSA key.
func newRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newECKey returns a P-256 key.
func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
