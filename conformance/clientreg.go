package conformance

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
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
	basePath   string                    // the app is mounted under this path ("/app"): APP_BASE_URL carries it
	dpop       bool                      // dpop_bound_access_tokens: every token request needs a proof
	dpopNonce  bool                      // the certified provider demands a DPoP nonce (client_name dpop-nonce)
	// id and secret ask the certified provider for this client id
	// ("mcd-…") and secret, to register one app at two instances.
	id, secret string
}

// secretless reports whether the client authenticates without a secret.
func (r clientReg) secretless() bool {
	return r.method == auth0kit.PrivateKeyJWT || r.method == auth0kit.TLSClientAuth || r.method == auth0kit.SelfSignedTLSClientAuth
}

// devopClient returns the development provider's registration of the app.
func (r clientReg) devopClient(c devop.Client) devop.Client {
	c.TokenEndpointAuthMethod = string(r.method)
	c.RequirePushedAuthorizationRequests = r.requirePAR
	c.DPoPBoundAccessTokens = r.dpop
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
	if r.id != "" {
		meta["client_id"], meta["client_secret"] = r.id, r.secret
	}
	if r.key != nil {
		jwk := jose.JSONWebKey{Key: r.key.Public(), Use: "sig", Algorithm: r.alg, KeyID: "conformance-client-key"}
		meta["jwks"] = map[string]any{"keys": []jose.JSONWebKey{jwk}}
		meta["token_endpoint_auth_signing_alg"] = r.alg
	}
	if r.requirePAR {
		meta["require_pushed_authorization_requests"] = true
	}
	if r.dpop {
		meta["dpop_bound_access_tokens"] = true
	}
	if r.dpopNonce {
		meta["client_name"] = "dpop-nonce"
	}
	if r.tls != nil {
		meta["tls_client_certificate_bound_access_tokens"] = true
		leaf := r.tls.clientCert.Leaf
		if r.tls.selfSigned {
			sum := sha256.Sum256(leaf.Raw)
			jwk := jose.JSONWebKey{Key: leaf.PublicKey, Use: "sig", Certificates: []*x509.Certificate{leaf},
				CertificateThumbprintSHA256: sum[:]}
			meta["jwks"] = map[string]any{"keys": []jose.JSONWebKey{jwk}}
		} else {
			meta["tls_client_auth_subject_dn"] = leaf.Subject.String()
		}
	}
}

// appOptions are the app's options for this registration.
func (r clientReg) appOptions() []auth0kit.Option {
	var opts []auth0kit.Option
	if r.method != "" {
		opts = append(opts, auth0kit.WithClientAuth(auth0kit.ClientAuth{Method: r.method}))
	}
	if r.key != nil {
		opts = append(opts, auth0kit.WithClientAuth(auth0kit.ClientAuth{SigningKey: r.key, SigningAlg: r.alg}))
	}
	if r.tls != nil {
		opts = append(opts, auth0kit.WithHTTPClient(&http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: r.tls.roots, MinVersion: tls.VersionTLS12}}}),
			auth0kit.WithClientAuth(auth0kit.ClientAuth{Certificate: &r.tls.clientCert}))
	}
	return opts
}

// mtlsSetup is a test PKI: a CA, a client certificate (CA-issued or
// self-signed), and, once the provider runs, the roots that trust its
// server certificate.
type mtlsSetup struct {
	selfSigned bool
	ca         *x509.CertPool // verifies tls_client_auth certificates (devop)
	clientCert tls.Certificate
	roots      *x509.CertPool
}

// newMTLS makes a client certificate: issued by a fresh test CA, or
// self-signed.
func newMTLS(t *testing.T, selfSigned bool) *mtlsSetup {
	t.Helper()
	pki := newTestPKI(t)
	return &mtlsSetup{selfSigned: selfSigned, ca: pki.pool, clientCert: pki.clientCertificate(t, selfSigned)}
}

// useCertified switches to the certified provider's PKI: its CA issues
// the client certificate, and its server certificate is trusted.
func (m *mtlsSetup) useCertified(t *testing.T, o *certifiedOP) {
	t.Helper()
	if o.tlsIssuer == "" {
		t.Skip("the certified provider runs without its HTTPS instance")
	}
	m.clientCert = o.pki.clientCertificate(t, m.selfSigned)
	m.ca, m.roots = o.pki.pool, o.pki.roots
}

// testPKI is a test CA that issues the certified provider's server
// certificate (for 127.0.0.1) and client certificates.
type testPKI struct {
	caCert                      *x509.Certificate
	caKey                       *ecdsa.PrivateKey
	pool, roots                 *x509.CertPool // the CA, as client CA and as server root
	caPEM                       string
	serverCertPEM, serverKeyPEM string
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	now := time.Now()
	caKey := newECKey(t)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "auth0kit conformance CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	p := &testPKI{caCert: caCert, caKey: caKey, pool: pool, roots: pool,
		caPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))}
	srvKey := newECKey(t)
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(srvKey)
	p.serverCertPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}))
	p.serverKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	return p
}

// clientCertificate issues a client certificate from the CA, or makes a
// self-signed one.
func (p *testPKI) clientCertificate(t *testing.T, selfSigned bool) tls.Certificate {
	t.Helper()
	now := time.Now()
	key := newECKey(t)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "auth0kit conformance client", Organization: []string{"auth0kit"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	parent, signer := p.caCert, crypto.Signer(p.caKey)
	if selfSigned {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
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
