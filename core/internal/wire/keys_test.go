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
