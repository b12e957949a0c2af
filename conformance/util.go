package conformance

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/netip"
	"net/url"
)

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// jwks fetches the provider's RSA public keys.
func (e *env) jwks() []*rsa.PublicKey {
	e.t.Helper()
	resp, err := http.Get(e.metadata("jwks_uri"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ N, E string } `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		e.t.Fatal(err)
	}
	var out []*rsa.PublicKey
	for _, k := range set.Keys {
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		ex, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ex).Int64())})
	}
	if len(out) == 0 {
		e.t.Fatal("no RSA key in the JWKS")
	}
	return out
}
