package devop_test

import (
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func TestDiscovery(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{})
	iss := r.p.Issuer()
	resp := r.get(iss + ".well-known/openid-configuration")
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field string
		want  any
	}{
		{"issuer", iss},
		{"authorization_endpoint", iss + "authorize"},
		{"token_endpoint", iss + "oauth/token"},
		{"userinfo_endpoint", iss + "userinfo"},
		{"jwks_uri", iss + ".well-known/jwks.json"},
		{"end_session_endpoint", iss + "oidc/logout"},
		{"revocation_endpoint", iss + "oauth/revoke"},
		{"response_types_supported", []any{"code"}},
		{"grant_types_supported", []any{
			"authorization_code", "refresh_token",
			"urn:ietf:params:oauth:grant-type:token-exchange",
			"urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token",
			"urn:openid:params:grant-type:ciba",
			"http://auth0.com/oauth/grant-type/mfa-otp",
			"http://auth0.com/oauth/grant-type/mfa-oob",
			"http://auth0.com/oauth/grant-type/mfa-recovery-code",
		}},
		{"backchannel_logout_supported", true},
		{"backchannel_logout_session_supported", true},
		{"backchannel_authentication_endpoint", iss + "bc-authorize"},
		{"backchannel_token_delivery_modes_supported", []any{"poll"}},
		{"backchannel_user_code_parameter_supported", false},
		{"code_challenge_methods_supported", []any{"S256"}},
		{"id_token_signing_alg_values_supported", []any{"RS256"}},
		{"token_endpoint_auth_methods_supported", []any{"client_secret_post", "client_secret_basic", "private_key_jwt"}},
		{"scopes_supported", []any{"openid", "profile", "email", "offline_access"}},
		{"subject_types_supported", []any{"public"}},
		{"authorization_response_iss_parameter_supported", true},
		{"request_uri_parameter_supported", false},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			if got := doc[tt.field]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.field, got, tt.want)
			}
		})
	}
	if cs, _ := doc["claims_supported"].([]any); len(cs) < 10 {
		t.Errorf("claims_supported = %v", doc["claims_supported"])
	}
	if iss[len(iss)-1] != '/' {
		t.Errorf("issuer %q does not end with /", iss)
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{})
	set := r.jwks()
	if len(set.Keys) != 1 {
		t.Fatalf("%d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	pub, ok := k.Key.(*rsa.PublicKey)
	switch {
	case !ok:
		t.Fatalf("key is %T, want *rsa.PublicKey", k.Key)
	case pub.N.BitLen() != 2048:
		t.Errorf("key has %d bits", pub.N.BitLen())
	case k.KeyID == "" || k.Use != "sig" || k.Algorithm != "RS256":
		t.Errorf("kid=%q use=%q alg=%q", k.KeyID, k.Use, k.Algorithm)
	case !k.IsPublic():
		t.Error("JWKS exposes a private key")
	}
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts devop.Options
	}{
		{"no issuer", devop.Options{}},
		{"bad issuer", devop.Options{Issuer: "ftp://x/"}},
		{"client without secret", devop.Options{Issuer: "http://127.0.0.1:1/", Clients: []devop.Client{{ID: "a"}}}},
		{"duplicate client", devop.Options{Issuer: "http://127.0.0.1:1/", Clients: []devop.Client{{ID: "a", Secret: "s"}, {ID: "a", Secret: "t"}}}},
		{"relative redirect", devop.Options{Issuer: "http://127.0.0.1:1/", Clients: []devop.Client{{ID: "a", Secret: "s", RedirectURIs: []string{"/cb"}}}}},
		{"relative back-channel logout URI", devop.Options{Issuer: "http://127.0.0.1:1/", Clients: []devop.Client{{ID: "a", Secret: "s", BackchannelLogoutURI: "/bcl"}}}},
		{"empty API audience", devop.Options{Issuer: "http://127.0.0.1:1/", APIAudiences: []string{""}}},
		{"unknown grant type", devop.Options{Issuer: "http://127.0.0.1:1/", Clients: []devop.Client{{ID: "a", Secret: "s", GrantTypes: []string{"password"}}}}},
		{"bad auto-login email", devop.Options{Issuer: "http://127.0.0.1:1/", AutoLoginEmail: "nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := devop.New(tt.opts); err == nil {
				t.Error("New succeeded, want error")
			}
		})
	}
}
