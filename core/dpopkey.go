package auth0kit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DPoP defaults (nextjs-auth0's).
const (
	defaultDPoPClockTolerance = 30 * time.Second
	defaultDPoPRetryDelay     = 100 * time.Millisecond
	// maxDPoPClockTolerance is the largest accepted clock tolerance
	// (nextjs-auth0's AUTH0_DPOP_CLOCK_TOLERANCE_MAX_PROD default).
	maxDPoPClockTolerance = 300 * time.Second
)

// DPoPOptions tune DPoP (RFC 9449). Zero values take nextjs-auth0's
// defaults.
type DPoPOptions struct {
	// PrivateKey is the DPoP signing key (AUTH0_DPOP_PRIVATE_KEY, PKCS #8
	// PEM): a crypto.Signer (*ecdsa.PrivateKey on P-256, or a 2048+ bit
	// *rsa.PrivateKey), a *jose.JSONWebKey, or PEM or JWK JSON text.
	PrivateKey any
	// PublicKey, when set, must be PrivateKey's public half
	// (AUTH0_DPOP_PUBLIC_KEY, SPKI PEM); New refuses a mismatch.
	PublicKey any
	// SigningAlg is ES256 (default for P-256 keys), RS256 (default for
	// RSA keys) or PS256.
	SigningAlg string
	// ClockSkew is added to every proof's iat, for a server clock that is
	// consistently ahead (positive) or behind (AUTH0_DPOP_CLOCK_SKEW,
	// seconds; default 0).
	ClockSkew time.Duration
	// ClockTolerance is the allowed difference between our clock and the
	// servers' (AUTH0_DPOP_CLOCK_TOLERANCE, seconds; default 30, at most
	// 300). It is validated for nextjs-auth0 parity; the app itself checks
	// no DPoP timestamps (ID token times use Tuning.ClockTolerance).
	ClockTolerance time.Duration
	// RetryDelay is the wait before the one retry that answers a
	// use_dpop_nonce error (AUTH0_RETRY_DELAY, milliseconds; default 100).
	// Negative is refused.
	RetryDelay time.Duration
	// RetryJitter multiplies RetryDelay by a random factor in [0.5, 1)
	// (AUTH0_RETRY_JITTER; default true).
	RetryJitter *bool
}

// GenerateDPoPKey returns a new ES256 (P-256) DPoP key pair as PEM texts:
// the public key as SPKI ("PUBLIC KEY") and the private key as PKCS #8
// ("PRIVATE KEY"), the formats of AUTH0_DPOP_PUBLIC_KEY and
// AUTH0_DPOP_PRIVATE_KEY.
func GenerateDPoPKey() (publicPEM, privatePEM string, err error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", "", err
	}
	priv, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})), nil
}

// dpopKey is the resolved DPoP key: a signer that embeds the public JWK
// and types the proof dpop+jwt, and the key's RFC 7638 thumbprint.
type dpopKey struct {
	signer jose.Signer
	alg    jose.SignatureAlgorithm
	jkt    string
}

// resolveDPoP validates the DPoP configuration. It returns nil when DPoP
// is off and no key is configured; a configured key without UseDPoP is
// still loaded, for fetchers that turn DPoP on themselves.
func (c *Config) resolveDPoP() (*dpopState, error) {
	const keyField = "DPoP.PrivateKey (AUTH0_DPOP_PRIVATE_KEY)"
	o := c.DPoP
	if c.dpopErr != nil {
		return nil, c.dpopErr
	}
	if o.RetryDelay < 0 {
		return nil, invalid("DPoP.RetryDelay (AUTH0_RETRY_DELAY)", "must not be negative")
	}
	if o.ClockTolerance < 0 || o.ClockTolerance > maxDPoPClockTolerance {
		return nil, invalid("DPoP.ClockTolerance (AUTH0_DPOP_CLOCK_TOLERANCE)", "must be between 0 and 300 seconds")
	}
	if c.DPoP.PrivateKey == nil {
		if c.DPoP.PublicKey != nil {
			return nil, invalid(keyField, "a DPoP public key is configured without its private key")
		}
		if c.UseDPoP {
			return nil, invalid(keyField, "DPoP is on (UseDPoP / AUTH0_USE_DPOP) but no key pair is configured: "+
				"set AUTH0_DPOP_PUBLIC_KEY and AUTH0_DPOP_PRIVATE_KEY (see GenerateDPoPKey) or set DPoPOptions.PrivateKey")
		}
		return nil, nil
	}
	k, err := newDPoPKey(c.DPoP.PrivateKey, c.DPoP.PublicKey, c.DPoP.SigningAlg)
	if err != nil {
		return nil, invalid(keyField, err.Error())
	}
	st := &dpopState{key: k, on: c.UseDPoP, skew: o.ClockSkew, tolerance: durOr(o.ClockTolerance, defaultDPoPClockTolerance),
		delay: durOr(o.RetryDelay, defaultDPoPRetryDelay), jitter: o.RetryJitter == nil || *o.RetryJitter,
		nonces: newNonceCache(maxDPoPNonces)}
	return st, nil
}

// newDPoPKey parses the private key (as the client assertion key:
// crypto.Signer, JWK or PEM) and, when given, checks that the public key
// is its pair.
func newDPoPKey(private, public any, alg string) (*dpopKey, error) {
	jwk, sigAlg, err := parseSigningKey(private, alg)
	if err != nil {
		return nil, err
	}
	if public != nil {
		pub, err := parsePublicKey(public)
		if err != nil {
			return nil, errors.New("DPoP.PublicKey (AUTH0_DPOP_PUBLIC_KEY): " + err.Error())
		}
		own, ok := jwk.Key.(crypto.Signer)
		if !ok {
			return nil, errors.New("the private key cannot sign")
		}
		eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !eq.Equal(own.Public()) {
			return nil, errors.New("the public key (AUTH0_DPOP_PUBLIC_KEY) and the private key (AUTH0_DPOP_PRIVATE_KEY) are not a pair")
		}
	}
	pubJWK := jwk.Public()
	tp, err := pubJWK.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, &DPoPError{Code: CodeDPoPJKTCalculationFailed, Err: err}
	}
	// The public jwk goes in as a pre-marshalled header (what EmbedJWK
	// would add, without re-encoding the key on every proof).
	pubJSON, err := pubJWK.MarshalJSON()
	if err != nil {
		return nil, err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: sigAlg, Key: jwk.Key},
		(&jose.SignerOptions{}).WithType("dpop+jwt").WithHeader("jwk", json.RawMessage(pubJSON)))
	if err != nil {
		return nil, err
	}
	return &dpopKey{signer: signer, alg: sigAlg, jkt: base64.RawURLEncoding.EncodeToString(tp)}, nil
}

// parsePublicKey reads a crypto.PublicKey, a JWK, or SPKI / PKIX PEM text.
func parsePublicKey(k any) (crypto.PublicKey, error) {
	switch v := k.(type) {
	case *jose.JSONWebKey:
		return v.Public().Key, nil
	case jose.JSONWebKey:
		return v.Public().Key, nil
	case string:
		return parsePublicKey([]byte(v))
	case []byte:
		text := strings.ReplaceAll(strings.TrimSpace(string(v)), `\n`, "\n")
		block, _ := pem.Decode([]byte(text))
		if block == nil {
			return nil, errors.New("not a PEM public key")
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, errors.New("the PEM block is not an SPKI public key")
		}
		return pub, nil
	case crypto.PublicKey:
		return v, nil
	}
	return nil, errors.New("unsupported key type")
}

// dpopFromEnv reads the DPoP variables.
func dpopFromEnv(c *Config, getenv func(string) string) {
	c.UseDPoP = getenv("AUTH0_USE_DPOP") == "true"
	if s := getenv("AUTH0_DPOP_PRIVATE_KEY"); s != "" {
		c.DPoP.PrivateKey = s
	}
	if s := getenv("AUTH0_DPOP_PUBLIC_KEY"); s != "" {
		c.DPoP.PublicKey = s
	}
	num := func(name string, unit time.Duration, dst *time.Duration) {
		s := getenv(name)
		if s == "" || c.dpopErr != nil {
			return
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			c.dpopErr = invalid(name, "not a number: "+strconv.Quote(s))
			return
		}
		*dst = time.Duration(f * float64(unit))
		if *dst == 0 && f == 0 && name == "AUTH0_RETRY_DELAY" {
			*dst = time.Nanosecond // an explicit 0 ms: no wait
		}
	}
	num("AUTH0_DPOP_CLOCK_SKEW", time.Second, &c.DPoP.ClockSkew)
	num("AUTH0_DPOP_CLOCK_TOLERANCE", time.Second, &c.DPoP.ClockTolerance)
	num("AUTH0_RETRY_DELAY", time.Millisecond, &c.DPoP.RetryDelay)
	if s := getenv("AUTH0_RETRY_JITTER"); s != "" {
		b := s == "true"
		c.DPoP.RetryJitter = &b
	}
}
