package wire

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
)

// HKDF info strings, one per purpose, so that a payload sealed for one
// purpose never decrypts as another.
const (
	// InfoSession is the info nextjs-auth0 uses for the JWE content
	// encryption key of session cookies (stateless payloads and the
	// stateful {id} cookie). It is fixed for byte compatibility.
	InfoSession = "JWE CEK"
	// InfoTransaction derives the key of the login transaction cookie
	// (__txn_*), ours alone.
	InfoTransaction = "auth0kit transaction"
	// InfoMFAToken derives the key of the encrypted mfa_token handed out
	// with an mfa_required error, ours alone.
	InfoMFAToken = "auth0kit mfa_token"
)

// encryptionInfo is the HKDF info string nextjs-auth0 uses for the JWE
// content-encryption key.
const encryptionInfo = InfoSession

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
	return deriveKeyInfo(secret, encryptionInfo)
}

func deriveKeyInfo(secret, info string) ([32]byte, error) {
	var key [32]byte
	b, err := hkdf.Key(sha256.New, []byte(secret), nil, info, len(key))
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

// NewKeys derives the session key (info InfoSession, nextjs-auth0's) for
// each secret once and prepares its AEAD. At least one secret is required
// and none may be empty (ErrNoSecret).
func NewKeys(secrets ...string) (*Keys, error) {
	return NewPurposeKeys(InfoSession, secrets...)
}

// NewPurposeKeys is NewKeys with the HKDF info of another purpose (one of
// the Info constants): keys of different purposes are independent, so a
// token sealed under one never opens under another.
func NewPurposeKeys(info string, secrets ...string) (*Keys, error) {
	if len(secrets) == 0 {
		return nil, ErrNoSecret
	}
	k := &Keys{aeads: make([]cipher.AEAD, 0, len(secrets))}
	for _, s := range secrets {
		if s == "" {
			return nil, ErrNoSecret
		}
		key, err := deriveKeyInfo(s, info)
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
