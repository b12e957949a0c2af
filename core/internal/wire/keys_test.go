package wire

import (
	"encoding/base64"
	"errors"
	"testing"
)

func TestNewKeysErrors(t *testing.T) {
	for _, secrets := range [][]string{nil, {""}, {"ok-secret", ""}} {
		if _, err := NewKeys(secrets...); !errors.Is(err, ErrNoSecret) {
			t.Errorf("NewKeys(%q) err = %v, want ErrNoSecret", secrets, err)
		}
	}
	var e Error
	if _, err := NewKeys(); !errors.As(err, &e) {
		t.Errorf("errors.As(%v, *Error) = false", err)
	}
}

func TestDeriveKeyDistinct(t *testing.T) {
	if DeriveKey("a") == DeriveKey("b") {
		t.Fatal("different secrets derived the same key")
	}
	first, second := DeriveKey(notesSecret), DeriveKey(notesSecret)
	if first != second {
		t.Fatal("derivation is not deterministic")
	}
}

func TestProtectedHeaderConstants(t *testing.T) {
	for enc, want := range map[string]string{
		protectedHeader:    `{"enc":"A256GCM","alg":"dir"}`,
		protectedHeaderAlt: `{"alg":"dir","enc":"A256GCM"}`,
	} {
		got, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil || string(got) != want {
			t.Errorf("%s decodes to %q, %v; want %q", enc, got, err, want)
		}
	}
}

// TestPurposeKeysSeparate checks that every purpose derives its own key:
// a token sealed for one purpose opens under no other, under every secret
// of a rotation list, and the session purpose is nextjs-auth0's key.
func TestPurposeKeysSeparate(t *testing.T) {
	infos := []string{InfoSession, InfoTransaction, InfoMFAToken}
	secrets := []string{"new-secret-0123456789abcdefghijklmn", notesSecret}
	keys := map[string]*Keys{}
	for _, info := range infos {
		k, err := NewPurposeKeys(info, secrets...)
		if err != nil {
			t.Fatal(err)
		}
		keys[info] = k
	}
	if sk, _ := NewKeys(notesSecret); sk == nil {
		t.Fatal("NewKeys failed")
	}
	for _, sealer := range infos {
		for si, secret := range secrets {
			one, _ := NewPurposeKeys(sealer, secret)
			tok, err := one.Seal([]byte(`{"x":1}`))
			if err != nil {
				t.Fatal(err)
			}
			for _, opener := range infos {
				_, err := keys[opener].Open(tok)
				if sealer == opener && err != nil {
					t.Errorf("%s sealed with secret %d: own purpose refused it: %v", sealer, si, err)
				}
				if sealer != opener && err == nil {
					t.Errorf("%s token (secret %d) opened as %s", sealer, si, opener)
				}
			}
		}
	}
	// The session purpose must stay nextjs-auth0's derivation.
	sess, _ := NewPurposeKeys(InfoSession, notesSecret)
	legacy, _ := NewKeys(notesSecret)
	tok, _ := legacy.Seal([]byte(`{"a":1}`))
	if _, err := sess.Open(tok); err != nil {
		t.Fatalf("InfoSession is not NewKeys' key: %v", err)
	}
}
