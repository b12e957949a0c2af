package devop_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func TestLinkAccount(t *testing.T) {
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	first := r.tokens()
	hint, _ := first["id_token"].(string)
	sub, _ := claims(t, hint)["sub"].(string)
	other := startRP(t, devop.Options{AutoLoginEmail: "someone.else@example.com"})
	foreign, _ := other.tokens()["id_token"].(string)

	for _, tc := range []struct {
		name    string
		params  url.Values
		wantErr string
	}{
		{"no hint", url.Values{"scope": {"openid link_account"}, "requested_connection": {"github"}}, "invalid_request"},
		{"unknown connection", url.Values{"scope": {"openid link_account"}, "requested_connection": {"nope"}, "id_token_hint": {hint}}, "invalid_request"},
		{"both scopes", url.Values{"scope": {"openid link_account unlink_account"}, "requested_connection": {"github"}, "id_token_hint": {hint}}, "invalid_scope"},
		{"hint of another provider", url.Values{"scope": {"openid link_account"}, "requested_connection": {"github"}, "id_token_hint": {foreign}}, "invalid_request"},
		{"unlink of an unlinked identity", url.Values{"scope": {"openid unlink_account"}, "requested_connection": {"github"}, "id_token_hint": {hint}}, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, challenge := pkce()
			p := r.authParams(challenge)
			for k, v := range tc.params {
				p[k] = v
			}
			if q := r.callback(r.authorize(p)); q.Get("error") != tc.wantErr {
				t.Fatalf("callback %v, want error %s", q, tc.wantErr)
			}
		})
	}

	linked := r.tokensWith(url.Values{"scope": {"openid link_account offline_access"}, "requested_connection": {"github"},
		"requested_connection_scope": {"repo"}, "id_token_hint": {hint}})
	ids, _ := claims(t, linked["id_token"].(string))["identities"].([]any)
	if len(ids) != 1 || !slices.Equal(r.p.LinkedConnections(sub), []string{"github"}) {
		t.Fatalf("identities after link: %v", ids)
	}
	unlinked := r.tokensWith(url.Values{"scope": {"openid unlink_account"}, "requested_connection": {"github"}, "id_token_hint": {hint}})
	if _, ok := claims(t, unlinked["id_token"].(string))["identities"]; ok || len(r.p.LinkedConnections(sub)) != 0 {
		t.Fatal("identities after unlink")
	}
}

func TestStartMulti(t *testing.T) {
	ps := devop.StartMulti(t, func(string) devop.Options { return devop.Options{AutoLoginEmail: testEmail} }, "a", "b")
	ra, rb := newRP(t, ps[0]), newRP(t, ps[1])
	if ps[0].Issuer() == ps[1].Issuer() {
		t.Fatal("one issuer")
	}
	ka, kb := ra.jwks(), rb.jwks()
	if len(ka.Keys) == 0 || len(kb.Keys) == 0 || ka.Keys[0].KeyID == kb.Keys[0].KeyID {
		t.Fatal("the issuers share a key")
	}
	ta, _ := ra.tokens()["id_token"].(string)
	if iss, _ := claims(t, ta)["iss"].(string); iss != ps[0].Issuer() {
		t.Fatalf("iss %q", iss)
	}
	if _, _, err := rb.verify(ta); err == nil {
		t.Fatal("issuer A's token verifies with issuer B's keys")
	}
}
