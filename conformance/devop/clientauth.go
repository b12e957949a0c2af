package devop

import (
	"bytes"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// maxFormBytes bounds request bodies of the form-based endpoints.
const maxFormBytes = 64 << 10

// parsePostForm parses an application/x-www-form-urlencoded request body,
// rejecting other content types and repeated parameters (RFC 6749 §3.2).
func parsePostForm(w http.ResponseWriter, r *http.Request) *oauthError {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return errInvalidRequest("Content-Type must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return errInvalidRequest("malformed request body")
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			return errInvalidRequest("parameter " + safeDesc(k) + " is repeated")
		}
	}
	return nil
}

// Client authentication methods (RFC 7591 token_endpoint_auth_method).
const (
	authSecretPost     = "client_secret_post"
	authSecretBasic    = "client_secret_basic"
	authPrivateKeyJWT  = "private_key_jwt"
	authTLS            = "tls_client_auth"
	authSelfSignedTLS  = "self_signed_tls_client_auth"
	jwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// maxAssertionLifetime bounds exp - now of a client assertion.
	maxAssertionLifetime = 5 * time.Minute
)

// assertionAlgs are the accepted client assertion algorithms.
var assertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256}

// checkClientAuthConfig validates a registered client's credentials.
func checkClientAuthConfig(c Client) error {
	if c.ID == "" {
		return errors.New("devop: every client needs an ID")
	}
	switch c.TokenEndpointAuthMethod {
	case "", authSecretPost, authSecretBasic:
		if c.Secret == "" {
			return fmt.Errorf("devop: client %q needs a Secret", c.ID)
		}
	case authPrivateKeyJWT:
		if c.PublicKey == nil {
			return fmt.Errorf("devop: client %q uses private_key_jwt and needs a PublicKey", c.ID)
		}
	case authTLS, authSelfSignedTLS:
		if c.Certificate == nil {
			return fmt.Errorf("devop: client %q uses %s and needs a Certificate", c.ID, c.TokenEndpointAuthMethod)
		}
	default:
		return fmt.Errorf("devop: client %q: unsupported TokenEndpointAuthMethod %q", c.ID, c.TokenEndpointAuthMethod)
	}
	return nil
}

// authenticateClient authenticates the client with client_secret_basic,
// client_secret_post (RFC 6749 §2.3.1), private_key_jwt (RFC 7523, OIDC
// Core §9) or mutual TLS (RFC 8705). Exactly one method must be used, and
// it must be the client's registered one.
func (p *Provider) authenticateClient(r *http.Request) (Client, *oauthError) {
	form := r.PostForm
	var used []string
	if r.Header.Get("Authorization") != "" {
		used = append(used, authSecretBasic)
	}
	if _, ok := form["client_secret"]; ok {
		used = append(used, authSecretPost)
	}
	_, hasAssertion := form["client_assertion"]
	_, hasAssertionType := form["client_assertion_type"]
	if hasAssertion || hasAssertionType {
		used = append(used, authPrivateKeyJWT)
	}
	if len(used) > 1 {
		return Client{}, errInvalidRequest("more than one client authentication method used")
	}
	var (
		c   Client
		err *oauthError
	)
	method := ""
	if len(used) == 1 {
		method = used[0]
	}
	switch method {
	case authSecretBasic:
		c, err = p.basicAuth(r)
	case authSecretPost:
		c, err = p.secretAuth(form.Get("client_id"), form.Get("client_secret"))
	case authPrivateKeyJWT:
		c, err = p.assertionAuth(form, r.URL.Path)
	default:
		c, err = p.tlsAuth(r)
		method = c.TokenEndpointAuthMethod
	}
	if err != nil {
		return Client{}, err
	}
	allowed := c.TokenEndpointAuthMethod == method ||
		(c.TokenEndpointAuthMethod == "" && (method == authSecretPost || method == authSecretBasic))
	if !allowed {
		return Client{}, errInvalidClient("the client is not registered for " + method)
	}
	return c, nil
}

func (p *Provider) basicAuth(r *http.Request) (Client, *oauthError) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return Client{}, errInvalidClient("unsupported Authorization header")
	}
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(pass)
	if err1 != nil || err2 != nil {
		return Client{}, errInvalidClient("malformed Basic credentials")
	}
	if fid, ok := r.PostForm["client_id"]; ok && fid[0] != id {
		return Client{}, errInvalidRequest("client_id does not match the authenticated client")
	}
	return p.secretAuth(id, secret)
}

func (p *Provider) secretAuth(id, secret string) (Client, *oauthError) {
	if id == "" || secret == "" {
		return Client{}, errInvalidClient("client authentication is required")
	}
	c, ok := p.clientByID(id)
	if !ok || c.Secret == "" || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return Client{}, errInvalidClient("client authentication failed")
	}
	return c, nil
}

// assertionAuth verifies a private_key_jwt client assertion with the
// client's registered key: iss = sub = client_id, aud the issuer or the
// endpoint called, exp in the near future, a jti never seen before.
func (p *Provider) assertionAuth(form url.Values, path string) (Client, *oauthError) {
	if form.Get("client_assertion_type") != jwtBearerAssertion {
		return Client{}, errInvalidClient("client_assertion_type must be " + jwtBearerAssertion)
	}
	tok, err := jwt.ParseSigned(form.Get("client_assertion"), assertionAlgs)
	if err != nil {
		return Client{}, errInvalidClient("client_assertion is not a JWS signed with RS256, PS256 or ES256")
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return Client{}, errInvalidClient("client_assertion claims are malformed")
	}
	id := unverified.Subject
	if fid, ok := form["client_id"]; ok && fid[0] != id {
		return Client{}, errInvalidClient("client_id does not match the client assertion")
	}
	c, ok := p.clientByID(id)
	if !ok || c.PublicKey == nil {
		return Client{}, errInvalidClient("client authentication failed")
	}
	var cl jwt.Claims
	if err := tok.Claims(c.PublicKey, &cl); err != nil {
		return Client{}, errInvalidClient("client assertion signature is invalid")
	}
	now := p.now()
	endpoint := p.issuer + strings.TrimPrefix(strings.TrimPrefix(path, p.basePath), "/")
	switch {
	case cl.Issuer != id || cl.Subject != id:
		return Client{}, errInvalidClient("client assertion iss and sub must be the client_id")
	case !cl.Audience.Contains(p.issuer) && !cl.Audience.Contains(endpoint):
		return Client{}, errInvalidClient("client assertion aud must be the issuer or the endpoint")
	case cl.Expiry == nil:
		return Client{}, errInvalidClient("client assertion exp is required")
	case !now.Before(cl.Expiry.Time()):
		return Client{}, errInvalidClient("client assertion has expired")
	case cl.Expiry.Time().Sub(now) > maxAssertionLifetime:
		return Client{}, errInvalidClient("client assertion lives too long")
	case cl.IssuedAt != nil && cl.IssuedAt.Time().After(now.Add(time.Minute)):
		return Client{}, errInvalidClient("client assertion iat is in the future")
	case cl.NotBefore != nil && cl.NotBefore.Time().After(now.Add(time.Minute)):
		return Client{}, errInvalidClient("client assertion is not valid yet")
	case cl.ID == "" || len(cl.ID) > 256:
		return Client{}, errInvalidClient("client assertion jti is required")
	}
	key := id + "\x00" + cl.ID
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, exp := range p.assertionJTIs {
		if now.After(exp) {
			delete(p.assertionJTIs, k)
		}
	}
	if _, seen := p.assertionJTIs[key]; seen {
		return Client{}, errInvalidClient("client assertion jti was already used")
	}
	p.assertionJTIs[key] = cl.Expiry.Time()
	return c, nil
}

// tlsAuth authenticates a client by its TLS client certificate:
// tls_client_auth needs a certificate verified against the listener's
// client CAs whose subject DN is the registered one;
// self_signed_tls_client_auth needs the registered certificate itself.
func (p *Provider) tlsAuth(r *http.Request) (Client, *oauthError) {
	id := r.PostForm.Get("client_id")
	if id == "" {
		return Client{}, errInvalidClient("client authentication is required")
	}
	c, ok := p.clientByID(id)
	if !ok || c.Certificate == nil {
		return Client{}, errInvalidClient("client authentication is required")
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return Client{}, errInvalidClient("a client certificate is required")
	}
	peer := r.TLS.PeerCertificates[0]
	switch c.TokenEndpointAuthMethod {
	case authTLS:
		if p.clientCAs == nil {
			return Client{}, errInvalidClient("no client CAs are configured for tls_client_auth")
		}
		inter := x509.NewCertPool()
		for _, c := range r.TLS.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := peer.Verify(x509.VerifyOptions{Roots: p.clientCAs, Intermediates: inter,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, CurrentTime: p.now()})
		if err != nil || peer.Subject.String() != c.Certificate.Subject.String() {
			return Client{}, errInvalidClient("the client certificate does not match")
		}
	case authSelfSignedTLS:
		if !bytes.Equal(peer.Raw, c.Certificate.Raw) {
			return Client{}, errInvalidClient("the client certificate does not match")
		}
	}
	return c, nil
}

// writeClientError writes an error of the token or revocation endpoint,
// adding the WWW-Authenticate challenge RFC 6749 §5.2 requires when an
// Authorization header was sent.
func writeClientError(w http.ResponseWriter, r *http.Request, e *oauthError) {
	if e.code == "invalid_client" && r.Header.Get("Authorization") != "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="devop"`)
	}
	writeOAuthError(w, e)
}
