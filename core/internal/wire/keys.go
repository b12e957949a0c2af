package wire

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
)

// encryptionInfo is the HKDF info string nextjs-auth0 uses for the JWE
// content-encryption key.
const encryptionInfo = "JWE CEK"

// DeriveKey returns the 32-byte A256GCM key nextjs-auth0 derives from an
// AUTH0_SECRET: HKDF-SHA256 with IKM = secret, an empty salt and info
// "JWE CEK". It only panics if the runtime refuses the derivation, which
// happens only in GODEBUG=fips140=only mode with a secret shorter than 14
// bytes; NewKeys reports that case as an error instead.
func DeriveKey(secret string) [32]byte {
	k, err := deriveKey(secret)
	if err != nil {
		panic("wire: " + err.Error())
	}
	return k
}

func deriveKey(secret string) ([32]byte, error) {
	var key [32]byte
	b, err := hkdf.Key(sha256.New, []byte(secret), nil, encryptionInfo, len(key))
	if err != nil {
		return key, err
	}
	copy(key[:], b)
	return key, nil
}

// Keys holds one precomputed AES-256-GCM AEAD per configured secret. The
// first secret encrypts; every secret is tried, in order, to decrypt, which
// supports secret rotation (AUTH0_SECRET given as a list, newest first).
// A Keys is immutable and safe for concurrent use; create it with NewKeys
// (the zero value has no secret and cannot seal).
type Keys struct {
	aeads []cipher.AEAD
}

// NewKeys derives the key for each secret once and prepares its AEAD. At
// least one secret is required and none may be empty (ErrNoSecret).
func NewKeys(secrets ...string) (*Keys, error) {
	if len(secrets) == 0 {
		return nil, ErrNoSecret
	}
	k := &Keys{aeads: make([]cipher.AEAD, 0, len(secrets))}
	for _, s := range secrets {
		if s == "" {
			return nil, ErrNoSecret
		}
		key, err := deriveKey(s)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(key[:])
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads = append(k.aeads, aead)
	}
	return k, nil
}
