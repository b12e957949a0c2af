package auth0kit

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/auth0kit/auth0kit/core/sessionstore"
	jose "github.com/go-jose/go-jose/v4"
)

// FuzzLogoutToken feeds arbitrary logout tokens to the back-channel logout
// path against a real JWKS: it must never panic and never accept a token
// not signed by the provider's key, and nothing may be deleted.
func FuzzLogoutToken(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]any{
				"issuer": srv.URL + "/", "authorization_endpoint": srv.URL + "/authorize",
				"token_endpoint": srv.URL + "/oauth/token", "jwks_uri": srv.URL + "/jwks",
				"id_token_signing_alg_values_supported": []string{"RS256"},
			})
		case "/jwks":
			_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
		default:
			http.NotFound(w, r)
		}
	}))
	f.Cleanup(srv.Close)
	store := sessionstore.NewMemory()
	c, err := New(WithDomain(srv.URL), WithClientID("cid"), WithClientSecret("cs"), WithSecret("fuzz-secret-fuzz-secret-fuzz-secret-0123"),
		WithAppBaseURL("https://app.example.com"), WithSessionStore(store))
	if err != nil {
		f.Fatal(err)
	}
	_ = store.Set(context.Background(), "s1", &Session{User: User{Sub: "u"}, Internal: SessionInternal{SID: "x"}}, c.s.now().Add(3600e9))
	for _, s := range []string{"", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.", "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwidHlwIjoibG9nb3V0K2p3dCJ9.e30.AAAA", "...."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		if err := c.HandleBackchannelLogout(context.Background(), token); err == nil {
			t.Fatalf("accepted %q", token)
		}
		if store.Len() != 1 {
			t.Fatal("a refused token deleted a session")
		}
	})
}
