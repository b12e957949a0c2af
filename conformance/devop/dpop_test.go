package devop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// signProof signs claims as a DPoP proof with k (typ and embedded jwk
// adjustable).
func signProof(t testing.TB, k *ecdsa.PrivateKey, typ string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType(jose.ContentType(typ))
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

func TestDPoPVerifier(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	const target = "https://rs.example/api/x"
	sum := sha256.Sum256([]byte("at"))
	ath := base64.RawURLEncoding.EncodeToString(sum[:])
	base := func(jti string) map[string]any {
		return map[string]any{"jti": jti, "htm": "GET", "htu": target, "iat": now.Unix(), "ath": ath}
	}
	with := func(jti, key string, v any) map[string]any {
		m := base(jti)
		if v == nil {
			delete(m, key)
		} else {
			m[key] = v
		}
		return m
	}
	tamper := func(p string) string { return p[:len(p)-4] + "AAAA" }
	cases := []struct {
		name, proof, code string
		nonce             bool
	}{
		{"valid", signProof(t, k, "dpop+jwt", base("1")), "", false},
		{"query ignored", signProof(t, k, "dpop+jwt", with("2", "htu", target)), "", false},
		{"wrong typ", signProof(t, k, "JWT", base("3")), "invalid_dpop_proof", false},
		{"bad signature", tamper(signProof(t, other, "dpop+jwt", base("4"))), "invalid_dpop_proof", false},
		{"htm", signProof(t, k, "dpop+jwt", with("5", "htm", "POST")), "invalid_dpop_proof", false},
		{"htu", signProof(t, k, "dpop+jwt", with("6", "htu", "https://rs.example/api/y")), "invalid_dpop_proof", false},
		{"htu with query", signProof(t, k, "dpop+jwt", with("7", "htu", target+"?a=1")), "invalid_dpop_proof", false},
		{"iat old", signProof(t, k, "dpop+jwt", with("8", "iat", now.Add(-2*time.Minute).Unix())), "invalid_dpop_proof", false},
		{"iat future", signProof(t, k, "dpop+jwt", with("9", "iat", now.Add(2*time.Minute).Unix())), "invalid_dpop_proof", false},
		{"no iat", signProof(t, k, "dpop+jwt", with("10", "iat", nil)), "invalid_dpop_proof", false},
		{"no jti", signProof(t, k, "dpop+jwt", with("", "jti", nil)), "invalid_dpop_proof", false},
		{"ath", signProof(t, k, "dpop+jwt", with("11", "ath", "x")), "invalid_dpop_proof", false},
		{"replayed jti", signProof(t, k, "dpop+jwt", base("1")), "invalid_dpop_proof", false},
		{"nonce missing", signProof(t, k, "dpop+jwt", base("12")), "use_dpop_nonce", true},
		{"not a JWS", "a.b.c", "invalid_dpop_proof", false},
		{"empty", "", "invalid_dpop_proof", false},
	}
	v := &DPoPVerifier{Now: func() time.Time { return now }}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v.RequireNonce = tc.nonce
			jkt, err := v.Verify(tc.proof, "GET", target+"?q=1", "at")
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code != "" && (err == nil || err.Code != tc.code):
				t.Fatalf("err %v, want %s", err, tc.code)
			case tc.code == "use_dpop_nonce" && err.Nonce == "":
				t.Fatal("no nonce offered")
			}
			if tc.code == "" {
				tp, _ := (&jose.JSONWebKey{Key: k.Public()}).Thumbprint(crypto.SHA256)
				if jkt != base64.RawURLEncoding.EncodeToString(tp) {
					t.Fatalf("jkt %q", jkt)
				}
			}
		})
	}
	v.RequireNonce = true
	if _, err := v.Verify(signProof(t, k, "dpop+jwt", with("13", "nonce", v.Nonce())), "GET", target, "at"); err != nil {
		t.Fatalf("with the nonce: %v", err)
	}
	old := v.Nonce()
	v.RotateNonce()
	if _, err := v.Verify(signProof(t, k, "dpop+jwt", with("14", "nonce", old)), "GET", target, "at"); err == nil || err.Code != "use_dpop_nonce" {
		t.Fatalf("with a rotated nonce: %v", err)
	}
}

// FuzzDPoPVerify: arbitrary proofs never panic and are refused.
func FuzzDPoPVerify(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f.Add(signProof(f, k, "dpop+jwt", map[string]any{"jti": "x", "htm": "GET", "htu": "https://a/", "iat": 1}))
	f.Add("e30.e30.")
	f.Fuzz(func(t *testing.T, proof string) {
		v := &DPoPVerifier{}
		if _, err := v.Verify(proof, "GET", "https://a/", ""); err == nil {
			t.Fatal("accepted a fuzzed proof")
		}
	})
}
