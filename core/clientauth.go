package auth0kit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ClientAuthMethod is how the application authenticates to the provider's
// token, PAR, revocation, CIBA and MFA endpoints (the values of RFC 7591's
// token_endpoint_auth_method).
type ClientAuthMethod string

// Client authentication methods.
const (
	// ClientSecretPost sends client_id and client_secret in the form body
	// (Auth0's default).
	ClientSecretPost ClientAuthMethod = "client_secret_post"
	// ClientSecretBasic sends them in an HTTP Basic Authorization header
	// (RFC 6749 §2.3.1, form-urlencoded then base64).
	ClientSecretBasic ClientAuthMethod = "client_secret_basic"
	// PrivateKeyJWT sends a signed client assertion (RFC 7523, OIDC Core
	// §9).
	PrivateKeyJWT ClientAuthMethod = "private_key_jwt"
	// TLSClientAuth authenticates with a PKI client certificate (RFC 8705
	// §2.1).
	TLSClientAuth ClientAuthMethod = "tls_client_auth"
	// SelfSignedTLSClientAuth authenticates with a self-signed client
	// certificate registered with the provider (RFC 8705 §2.2).
	SelfSignedTLSClientAuth ClientAuthMethod = "self_signed_tls_client_auth"
)

// clientAssertionType is RFC 7523's client_assertion_type.
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// clientAssertionTTL is the lifetime of a client assertion: long enough for
// clock skew, short enough that a leaked one is soon useless.
const clientAssertionTTL = 60 * time.Second

// ErrClientAuthMethodUnsupported matches a [*ClientAuthMethodError].
var ErrClientAuthMethodUnsupported = errors.New("auth0kit: the provider does not support the client authentication method")

// ClientAuthMethodError is returned (at the first discovery, since [New]
// does no network I/O) when the configured client authentication method is
// not in the provider's token_endpoint_auth_methods_supported. It also
// matches [ErrInvalidConfiguration].
type ClientAuthMethodError struct {
	Method    ClientAuthMethod
	Supported []string
}

func (e *ClientAuthMethodError) Error() string {
	return "auth0kit: invalid configuration: TokenEndpointAuthMethod (AUTH0_TOKEN_ENDPOINT_AUTH_METHOD): " +
		string(e.Method) + " is not supported by the provider, whose token_endpoint_auth_methods_supported is [" +
		strings.Join(e.Supported, " ") + "]"
}

// Is matches [ErrClientAuthMethodUnsupported] and [ErrInvalidConfiguration].
func (e *ClientAuthMethodError) Is(target error) bool {
	return target == ErrClientAuthMethodUnsupported || target == ErrInvalidConfiguration
}

// clientAuth is the resolved client authentication of a Client. It is
// immutable after New.
type clientAuth struct {
	method   ClientAuthMethod
	clientID string
	secret   string
	signer   jose.Signer      // private_key_jwt
	cert     *tls.Certificate // mTLS, when given as an option or env
}

// mtls reports whether the method authenticates on the TLS layer, so the
// provider's mtls_endpoint_aliases are used.
func (a *clientAuth) mtls() bool {
	return a.method == TLSClientAuth || a.method == SelfSignedTLSClientAuth
}

// apply authenticates an outgoing form request: it adds form parameters
// and, for client_secret_basic, the Authorization header. aud is the
// provider's issuer identifier (the client assertion's audience). It runs
// once per attempt, so a retried request carries a fresh assertion.
func (a *clientAuth) apply(h http.Header, form url.Values, aud string, now time.Time) error {
	switch a.method {
	case ClientSecretBasic:
		form.Del("client_secret")
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString(
			[]byte(url.QueryEscape(a.clientID)+":"+url.QueryEscape(a.secret))))
		return nil
	case PrivateKeyJWT:
		assertion, err := a.assertion(aud, now)
		if err != nil {
			return err
		}
		form.Set("client_id", a.clientID)
		form.Set("client_assertion_type", clientAssertionType)
		form.Set("client_assertion", assertion)
		return nil
	case TLSClientAuth, SelfSignedTLSClientAuth:
		form.Set("client_id", a.clientID)
		return nil
	}
	form.Set("client_id", a.clientID)
	form.Set("client_secret", a.secret)
	return nil
}

// bodyParams returns the credentials for a JSON body (Auth0's MFA API,
// which reads them from the body only; client_secret_basic falls back to
// the body there).
func (a *clientAuth) bodyParams(aud string, now time.Time) (map[string]string, error) {
	out := map[string]string{"client_id": a.clientID}
	switch a.method {
	case PrivateKeyJWT:
		assertion, err := a.assertion(aud, now)
		if err != nil {
			return nil, err
		}
		out["client_assertion_type"] = clientAssertionType
		out["client_assertion"] = assertion
	case ClientSecretPost, ClientSecretBasic:
		out["client_secret"] = a.secret
	}
	return out, nil
}

// assertion signs a client assertion: iss = sub = client id, aud = the
// issuer, a unique jti, iat now and a 60-second exp.
func (a *clientAuth) assertion(aud string, now time.Time) (string, error) {
	claims := jwt.Claims{
		Issuer: a.clientID, Subject: a.clientID, Audience: jwt.Audience{aud},
		ID: randomToken(), IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
		Expiry: jwt.NewNumericDate(now.Add(clientAssertionTTL)),
	}
	return jwt.Signed(a.signer).Claims(claims).Serialize()
}

// checkSupported compares the method with the discovery document's list;
// an absent list accepts every method (RFC 8414 defaults to
// client_secret_basic, but Auth0 and most providers publish the list).
func (a *clientAuth) checkSupported(supported []string) error {
	if len(supported) == 0 || slices.Contains(supported, string(a.method)) {
		return nil
	}
	return &ClientAuthMethodError{Method: a.method, Supported: supported}
}

// resolveClientAuth picks and validates the client authentication method:
// TokenEndpointAuthMethod when set; otherwise a signing key means
// private_key_jwt, a client certificate tls_client_auth and a secret
// client_secret_post. A configuration without any means is refused.
func (c *Config) resolveClientAuth() (*clientAuth, error) {
	var certErr error
	if c.certErr != nil {
		certErr = invalid("ClientCertificate (AUTH0_CLIENT_CERTIFICATE, AUTH0_CLIENT_CERTIFICATE_KEY)", c.certErr.Error())
	}
	a, err := c.clientAuthMethod()
	if err = errors.Join(certErr, err); err != nil {
		return nil, err // both at once
	}
	return a, nil
}

// clientAuthMethod is [Config.resolveClientAuth] without the client
// certificate's parse error.
func (c *Config) clientAuthMethod() (*clientAuth, error) {
	const field = "TokenEndpointAuthMethod (AUTH0_TOKEN_ENDPOINT_AUTH_METHOD)"
	a := &clientAuth{method: c.TokenEndpointAuthMethod, clientID: c.ClientID, secret: c.ClientSecret, cert: c.ClientCertificate}
	if a.method == "" {
		switch {
		case c.ClientAssertionSigningKey != nil:
			a.method = PrivateKeyJWT
		case c.ClientCertificate != nil:
			a.method = TLSClientAuth
		case c.ClientSecret != "":
			a.method = ClientSecretPost
		default:
			return nil, invalid("client authentication", "no way to authenticate to the provider: set AUTH0_CLIENT_SECRET, "+
				"AUTH0_CLIENT_ASSERTION_SIGNING_KEY or AUTH0_CLIENT_CERTIFICATE (or the matching options)")
		}
	}
	switch a.method {
	case ClientSecretPost, ClientSecretBasic:
		if c.ClientSecret == "" {
			return nil, invalid(field, string(a.method)+" needs ClientSecret (AUTH0_CLIENT_SECRET)")
		}
	case PrivateKeyJWT:
		if c.ClientAssertionSigningKey == nil {
			return nil, invalid(field, "private_key_jwt needs ClientAssertionSigningKey (AUTH0_CLIENT_ASSERTION_SIGNING_KEY)")
		}
		key, alg, err := parseSigningKey(c.ClientAssertionSigningKey, c.ClientAssertionSigningAlg)
		if err != nil {
			return nil, invalid("ClientAssertionSigningKey (AUTH0_CLIENT_ASSERTION_SIGNING_KEY)", err.Error())
		}
		a.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			return nil, invalid("ClientAssertionSigningKey (AUTH0_CLIENT_ASSERTION_SIGNING_KEY)", err.Error())
		}
	case TLSClientAuth, SelfSignedTLSClientAuth:
		// The certificate may instead be configured on an injected
		// HTTPClient's transport.
		if c.ClientCertificate == nil && c.HTTPClient == nil {
			return nil, invalid(field, string(a.method)+" needs ClientCertificate (AUTH0_CLIENT_CERTIFICATE and "+
				"AUTH0_CLIENT_CERTIFICATE_KEY) or an HTTPClient whose transport presents one")
		}
	default:
		return nil, invalid(field, "unknown method "+string(a.method)+"; use client_secret_post, client_secret_basic, "+
			"private_key_jwt, tls_client_auth or self_signed_tls_client_auth")
	}
	return a, nil
}

// parseSigningKey accepts a crypto.Signer, a *jose.JSONWebKey or
// jose.JSONWebKey, or PEM / JWK JSON text (string or []byte), and the
// algorithm (RS256, PS256 or ES256; default RS256 for RSA keys and ES256
// for P-256 keys).
func parseSigningKey(k any, alg string) (*jose.JSONWebKey, jose.SignatureAlgorithm, error) {
	var jwk *jose.JSONWebKey
	switch v := k.(type) {
	case *jose.JSONWebKey:
		jwk = v
	case jose.JSONWebKey:
		jwk = &v
	case string:
		return parseSigningKey([]byte(v), alg)
	case []byte:
		text := strings.TrimSpace(string(v))
		if strings.HasPrefix(text, "{") {
			jwk = &jose.JSONWebKey{}
			if err := json.Unmarshal([]byte(text), jwk); err != nil {
				return nil, "", errors.New("not a JWK: " + err.Error())
			}
			break
		}
		// Env values often carry literal \n instead of newlines.
		text = strings.ReplaceAll(text, `\n`, "\n")
		block, _ := pem.Decode([]byte(text))
		if block == nil {
			return nil, "", errors.New("not a PEM private key or a JWK")
		}
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			if rk, err2 := x509.ParsePKCS1PrivateKey(block.Bytes); err2 == nil {
				key, err = rk, nil
			} else if ek, err3 := x509.ParseECPrivateKey(block.Bytes); err3 == nil {
				key, err = ek, nil
			}
		}
		if err != nil {
			return nil, "", errors.New("the PEM block is not a PKCS#8, PKCS#1 or SEC 1 private key")
		}
		jwk = &jose.JSONWebKey{Key: key}
	case crypto.Signer:
		jwk = &jose.JSONWebKey{Key: v}
	default:
		return nil, "", errors.New("unsupported key type")
	}
	if jwk.IsPublic() {
		return nil, "", errors.New("a public key cannot sign")
	}
	if alg == "" {
		alg = jwk.Algorithm
	}
	switch key := jwk.Key.(type) {
	case *rsa.PrivateKey:
		if alg == "" {
			alg = string(jose.RS256)
		}
		if alg != string(jose.RS256) && alg != string(jose.PS256) {
			return nil, "", errors.New("an RSA key signs with RS256 or PS256, not " + alg)
		}
		if key.N.BitLen() < 2048 {
			return nil, "", errors.New("RSA keys must have at least 2048 bits")
		}
	case *ecdsa.PrivateKey:
		if alg == "" {
			alg = string(jose.ES256)
		}
		if alg != string(jose.ES256) || key.Curve != elliptic.P256() {
			return nil, "", errors.New("an EC key must be P-256 and sign with ES256")
		}
	default:
		return nil, "", errors.New("the key must be an RSA or P-256 EC private key")
	}
	return jwk, jose.SignatureAlgorithm(alg), nil
}

// parseClientCertificate reads the AUTH0_CLIENT_CERTIFICATE(_KEY) PEM
// texts.
func parseClientCertificate(certPEM, keyPEM string) (*tls.Certificate, error) {
	fix := func(s string) []byte { return []byte(strings.ReplaceAll(strings.TrimSpace(s), `\n`, "\n")) }
	cert, err := tls.X509KeyPair(fix(certPEM), fix(keyPEM))
	if err != nil {
		return nil, err
	}
	return &cert, nil
}

// withClientCertificate returns a copy of hc whose transport presents cert.
// A transport other than *http.Transport cannot be changed: the
// application must then configure its certificate itself.
func withClientCertificate(hc *http.Client, cert *tls.Certificate) (*http.Client, error) {
	out := *hc
	var tr *http.Transport
	switch t := hc.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		return nil, invalid("ClientCertificate", "the injected HTTPClient's transport is not an *http.Transport; configure the client certificate on it instead")
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	// Present the certificate whatever CAs the server says it accepts:
	// with Certificates, crypto/tls sends none when the certificate is not
	// issued by one of them, which is always so for a self-signed one.
	c := *cert
	tr.TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &c, nil }
	out.Transport = tr
	return &out, nil
}

// clientAuthFromEnv reads the client authentication and PAR variables.
func clientAuthFromEnv(c *Config, getenv func(string) string) {
	c.TokenEndpointAuthMethod = ClientAuthMethod(getenv("AUTH0_TOKEN_ENDPOINT_AUTH_METHOD"))
	if s := getenv("AUTH0_CLIENT_ASSERTION_SIGNING_KEY"); s != "" {
		c.ClientAssertionSigningKey = s
	}
	c.ClientAssertionSigningAlg = getenv("AUTH0_CLIENT_ASSERTION_SIGNING_ALG")
	if cert, key := getenv("AUTH0_CLIENT_CERTIFICATE"), getenv("AUTH0_CLIENT_CERTIFICATE_KEY"); cert != "" || key != "" {
		c.ClientCertificate, c.certErr = parseClientCertificate(cert, key)
	}
	c.PushedAuthorizationRequests = getenv("AUTH0_PUSHED_AUTHORIZATION_REQUESTS") == "true"
}
