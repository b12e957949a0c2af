package devop

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// signingKey is an RSA key pair with its key ID.
type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

// newSigningKey generates a 2048-bit RSA key whose kid is its RFC 7638
// thumbprint.
func newSigningKey() (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("devop: generating RSA key: %w", err)
	}
	jwk := jose.JSONWebKey{Key: &priv.PublicKey}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("devop: key thumbprint: %w", err)
	}
	return &signingKey{kid: base64.RawURLEncoding.EncodeToString(tp), priv: priv}, nil
}

// RotateKeys generates a new RSA signing key with a new kid and signs every
// later token with it. Previous public keys stay in the JWKS, so tokens
// issued before the rotation still verify.
func (p *Provider) RotateKeys() {
	k, err := newSigningKey()
	if err != nil {
		panic(err) // crypto/rand failure: nothing sensible to do in a dev tool
	}
	p.mu.Lock()
	p.keys = append(p.keys, k)
	p.mu.Unlock()
	p.log.Info("devop: rotated signing key", "kid", k.kid)
}

// currentKey returns the key that signs new tokens.
func (p *Provider) currentKey() *signingKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys[len(p.keys)-1]
}

// getForeignKey returns a key that is never published in the JWKS.
func (p *Provider) getForeignKey() (*signingKey, error) {
	p.mu.Lock()
	fk := p.foreignKey
	p.mu.Unlock()
	if fk != nil {
		return fk, nil
	}
	fk, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.foreignKey == nil {
		p.foreignKey = fk
	}
	return p.foreignKey, nil
}

func (p *Provider) handleJWKS(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(p.keys))}
	for _, k := range p.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key:       &k.priv.PublicKey,
			KeyID:     k.kid,
			Algorithm: string(jose.RS256),
			Use:       "sig",
		})
	}
	p.mu.Unlock()
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, set)
}

// b64 is the base64url encoding without padding used by JWS.
var b64 = base64.RawURLEncoding

// encodeJWT serializes header and claims as a JWS compact serialization
// signed according to alg: "RS256" with rsaKey, "HS256" with hmacKey, or
// "none" (empty signature).
func encodeJWT(header, claims map[string]any, alg string, rsaKey *rsa.PrivateKey, hmacKey []byte) (string, error) {
	hb, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
	var sig []byte
	switch alg {
	case "RS256":
		d := sha256.Sum256([]byte(input))
		sig, err = rsa.SignPKCS1v15(rand.Reader, rsaKey, crypto.SHA256, d[:])
		if err != nil {
			return "", err
		}
	case "HS256":
		m := hmac.New(sha256.New, hmacKey)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case "none":
	default:
		return "", fmt.Errorf("devop: unsupported alg %q", alg)
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// signJWT signs claims with the current key using RS256 and the given typ.
func (p *Provider) signJWT(typ string, claims map[string]any) (string, error) {
	k := p.currentKey()
	h := map[string]any{"alg": "RS256", "kid": k.kid, "typ": typ}
	return encodeJWT(h, claims, "RS256", k.priv, nil)
}

var errBadJWT = errors.New("invalid token")

// verifyJWT checks that token is an RS256 JWS signed by one of the
// published keys and returns its header and claims (numbers as
// json.Number). It does not check any claim.
func (p *Provider) verifyJWT(token string) (header, claims map[string]any, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, errBadJWT
	}
	hb, err1 := b64.DecodeString(parts[0])
	cb, err2 := b64.DecodeString(parts[1])
	sig, err3 := b64.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, nil, errBadJWT
	}
	if err := decodeJSON(hb, &header); err != nil {
		return nil, nil, errBadJWT
	}
	if header["alg"] != "RS256" {
		return nil, nil, fmt.Errorf("%w: alg must be RS256", errBadJWT)
	}
	if _, ok := header["crit"]; ok {
		return nil, nil, fmt.Errorf("%w: unsupported crit header", errBadJWT)
	}
	kid, _ := header["kid"].(string)
	d := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	p.mu.Lock()
	keys := append([]*signingKey(nil), p.keys...)
	p.mu.Unlock()
	verified := false
	for _, k := range keys {
		if kid != "" && k.kid != kid {
			continue
		}
		if rsa.VerifyPKCS1v15(&k.priv.PublicKey, crypto.SHA256, d[:], sig) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, nil, fmt.Errorf("%w: bad signature", errBadJWT)
	}
	if err := decodeJSON(cb, &claims); err != nil {
		return nil, nil, errBadJWT
	}
	return header, claims, nil
}

// decodeJSON decodes a single JSON object, keeping numbers as json.Number.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}
