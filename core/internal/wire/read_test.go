package wire

import (
	"errors"
	"strings"
	"testing"
)

func TestOpenSessionExpiry(t *testing.T) {
	s, secret := fixtureSession(t)
	k := mustKeys(t, secret)
	const exp = 1_800_000_000
	tok, err := k.SealSession(s, exp)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		now  int64
		err  error
	}{
		{"well before", exp - 3600, nil},
		{"at exp", exp, nil},
		{"within tolerance", exp + ClockTolerance - 1, nil},
		{"at tolerance edge", exp + ClockTolerance, ErrExpired},
		{"long after", exp + 86400, ErrExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, gotExp, err := k.OpenSession(tok, c.now)
			if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, c.err)
			}
			if gotExp != exp {
				t.Fatalf("exp = %d", gotExp)
			}
			if c.err == nil && !sessionsEqual(got, s) {
				t.Fatal("session differs")
			}
			if c.err != nil && got != nil {
				t.Fatal("expired session returned")
			}
		})
	}
}

func TestOpenSessionPayloadErrors(t *testing.T) {
	k := mustKeys(t, "s")
	for name, pt := range map[string]string{
		"no exp":        `{"user":{"sub":"x"}}`,
		"null exp":      `{"user":{"sub":"x"},"exp":null}`,
		"string exp":    `{"exp":"4102444800"}`,
		"not json":      `not json`,
		"array":         `[{"exp":4102444800}]`,
		"trailing data": `{"exp":4102444800}x`,
	} {
		tok, _ := k.Seal([]byte(pt))
		if _, _, err := k.OpenSession(tok, 0); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, _, err := mustKeys(t, "other").OpenSession(notesSession, 0); !errors.Is(err, ErrDecrypt) {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := k.SealSession(nil, 1); !errors.Is(err, ErrMalformed) {
		t.Errorf("nil session: %v", err)
	}
}

func TestSealJSONOpenJSON(t *testing.T) {
	k := mustKeys(t, notesSecret)
	type txn struct {
		Nonce        string `json:"nonce"`
		CodeVerifier string `json:"codeVerifier"`
		ReturnTo     string `json:"returnTo"`
		MaxAge       int    `json:"maxAge,omitempty"`
		Exp          int64  `json:"exp,omitempty"`
	}
	in := txn{Nonce: "n", CodeVerifier: "cv", ReturnTo: "/a?b=<c>&d", Exp: 12345}
	tok, err := k.SealJSON(in, 4102444800)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := k.Open(tok)
	// v's own exp is replaced, exactly one exp is written, last.
	if strings.Count(string(pt), `"exp"`) != 1 || !strings.HasSuffix(string(pt), `,"exp":4102444800}`) {
		t.Fatalf("payload %s", pt)
	}
	var out txn
	if err := k.OpenJSON(tok, &out, 1700000000); err != nil {
		t.Fatal(err)
	}
	in.Exp = 4102444800
	if out != in {
		t.Fatalf("got %+v", out)
	}

	// Empty object and map values.
	tok, _ = k.SealJSON(struct{}{}, 5)
	if pt, _ := k.Open(tok); string(pt) != `{"exp":5}` {
		t.Fatalf("empty: %s", pt)
	}
	tok, _ = k.SealJSON(map[string]any{"exp": "x", "id": "abc", "z": []int{1}}, 5)
	if pt, _ := k.Open(tok); string(pt) != `{"id":"abc","z":[1],"exp":5}` {
		t.Fatalf("map: %s", pt)
	}

	// Expiry and missing exp.
	var m map[string]any
	if err := k.OpenJSON(tok, &m, 5+ClockTolerance-1); err != nil {
		t.Fatalf("within tolerance: %v", err)
	}
	if err := k.OpenJSON(tok, &m, 5+ClockTolerance); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	noExp, _ := k.Seal([]byte(`{"id":"x"}`))
	if err := k.OpenJSON(noExp, &m, 0); !errors.Is(err, ErrMalformed) {
		t.Fatalf("no exp: %v", err)
	}
	// Unmarshal errors are ErrMalformed.
	var wrong struct {
		ID int `json:"id"`
	}
	if err := k.OpenJSON(tok, &wrong, 0); !errors.Is(err, ErrMalformed) {
		t.Fatalf("type mismatch: %v", err)
	}
	if err := k.OpenJSON("garbage", &m, 0); !errors.Is(err, ErrMalformed) {
		t.Fatalf("garbage: %v", err)
	}

	// Values that are not objects are refused.
	for _, v := range []any{1, "s", []int{1}, nil} {
		if _, err := k.SealJSON(v, 1); err == nil {
			t.Errorf("SealJSON(%#v) accepted", v)
		}
	}
	if _, err := k.SealJSON(func() {}, 1); err == nil {
		t.Error("SealJSON(func) accepted")
	}
}
