package devop_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

const cteGrant = "urn:ietf:params:oauth:grant-type:token-exchange"

func TestCustomTokenExchange(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: "actor@example.com"})
	custom := startRP(t, devop.Options{CustomTokenTypes: []string{"urn:corp:session"}})
	actor := r.tokens()
	actorSub := claims(t, actor["id_token"].(string))["sub"]
	userSub, err := r.p.Subject(testEmail)
	if err != nil {
		t.Fatal(err)
	}
	base := func(extra url.Values) url.Values {
		f := url.Values{"subject_token": {"legacy:" + testEmail}, "subject_token_type": {legacyType}, "scope": {"openid profile email offline_access"}}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	tests := []struct {
		name       string
		rp         *rp
		form       url.Values
		wantStatus int
		wantErr    string
		check      func(t *testing.T, tok, id, at map[string]any)
	}{
		{name: "login", form: base(nil), wantStatus: 200, check: func(t *testing.T, tok, id, at map[string]any) {
			if id["sub"] != userSub || id["email"] != testEmail || id["act"] != nil || id["nonce"] != nil || tok["refresh_token"] == nil {
				t.Errorf("ID token %v, response %v", id, tok)
			}
			if at["aud"] != r.p.Issuer()+"userinfo" || at["sub"] != userSub {
				t.Errorf("access token %v", at)
			}
		}},
		{name: "email is case-insensitive", form: base(url.Values{"subject_token": {"legacy:Jane.Doe@Example.COM"}}), wantStatus: 200,
			check: func(t *testing.T, tok, id, at map[string]any) {
				if id["sub"] != userSub {
					t.Errorf("sub %v", id["sub"])
				}
			}},
		{name: "API audience without openid", form: base(url.Values{"audience": {"https://api.example.com/"}, "scope": {"read:data"}}), wantStatus: 200,
			check: func(t *testing.T, tok, id, at map[string]any) {
				if tok["id_token"] != nil || tok["refresh_token"] != nil || at["aud"] != "https://api.example.com/" || at["scope"] != "read:data" {
					t.Errorf("response %v, access token %v", tok, at)
				}
			}},
		{name: "actor access token", form: base(url.Values{"actor_token": {actor["access_token"].(string)}, "actor_token_type": {atType}}), wantStatus: 200,
			check: func(t *testing.T, tok, id, at map[string]any) {
				for _, c := range []map[string]any{id, at} {
					if act, _ := c["act"].(map[string]any); act["sub"] != actorSub || len(act) != 1 {
						t.Errorf("act = %v, want {sub: %v}", c["act"], actorSub)
					}
				}
			}},
		{name: "actor ID token", form: base(url.Values{"actor_token": {actor["id_token"].(string)}, "actor_token_type": {idTokType}}), wantStatus: 200,
			check: func(t *testing.T, tok, id, at map[string]any) {
				if act, _ := id["act"].(map[string]any); act["sub"] != actorSub {
					t.Errorf("act = %v", id["act"])
				}
			}},
		{name: "organization ID", form: base(url.Values{"organization": {"org_abc123"}}), wantStatus: 200,
			check: func(t *testing.T, tok, id, at map[string]any) {
				if id["org_id"] != "org_abc123" || at["org_id"] != "org_abc123" || id["org_name"] != nil {
					t.Errorf("ID token %v, access token %v", id, at)
				}
			}},
		{name: "organization name", form: base(url.Values{"organization": {"Acme"}}), wantStatus: 200,
			check: func(t *testing.T, tok, id, at map[string]any) {
				if id["org_name"] != "acme" || !strings.HasPrefix(id["org_id"].(string), "org_") {
					t.Errorf("ID token %v", id)
				}
			}},
		{name: "configured token type", rp: custom, form: base(url.Values{"subject_token_type": {"urn:corp:session"}}), wantStatus: 200},
		{name: "default token type not configured", rp: custom, form: base(nil), wantStatus: 400, wantErr: "invalid_request"},
		{name: "unsupported subject_token_type", form: base(url.Values{"subject_token_type": {"urn:other:token"}}), wantStatus: 400, wantErr: "invalid_request"},
		{name: "missing subject_token", form: base(url.Values{"subject_token": {""}}), wantStatus: 400, wantErr: "invalid_request"},
		{name: "subject token of another form", form: base(url.Values{"subject_token": {"jwt:" + testEmail}}), wantStatus: 400, wantErr: "invalid_grant"},
		{name: "subject token without e-mail", form: base(url.Values{"subject_token": {"legacy:jane"}}), wantStatus: 400, wantErr: "invalid_grant"},
		{name: "actor_token without type", form: base(url.Values{"actor_token": {actor["access_token"].(string)}}), wantStatus: 400, wantErr: "invalid_request"},
		{name: "actor_token_type without token", form: base(url.Values{"actor_token_type": {atType}}), wantStatus: 400, wantErr: "invalid_request"},
		{name: "unsupported actor_token_type", form: base(url.Values{"actor_token": {"x"}, "actor_token_type": {rtType}}), wantStatus: 400, wantErr: "invalid_request"},
		{name: "ID token as access token actor", form: base(url.Values{"actor_token": {actor["id_token"].(string)}, "actor_token_type": {atType}}), wantStatus: 400, wantErr: "invalid_request"},
		{name: "access token as ID token actor", form: base(url.Values{"actor_token": {actor["access_token"].(string)}, "actor_token_type": {idTokType}}), wantStatus: 400, wantErr: "invalid_request"},
		{name: "forged actor", form: base(url.Values{"actor_token": {"a.b.c"}, "actor_token_type": {atType}}), wantStatus: 400, wantErr: "invalid_request"},
		{name: "unknown audience", form: base(url.Values{"audience": {"https://evil.example/"}}), wantStatus: 403, wantErr: "access_denied"},
		{name: "requested refresh token type", form: base(url.Values{"requested_token_type": {rtType}}), wantStatus: 400, wantErr: "invalid_request"},
		{name: "blank organization", form: base(url.Values{"organization": {" "}}), wantStatus: 400, wantErr: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := r
			if tt.rp != nil {
				r = tt.rp
			}
			form := tt.form
			form.Set("grant_type", cteGrant)
			status, tok := r.token(form)
			if tt.wantErr != "" {
				wantOAuthError(t, status, tok, tt.wantStatus, tt.wantErr)
				return
			}
			if status != http.StatusOK {
				t.Fatalf("status %d: %v", status, tok)
			}
			if tok["issued_token_type"] != atType || tok["token_type"] != "Bearer" {
				t.Errorf("response %v", tok)
			}
			at, _, err := r.verify(tok["access_token"].(string))
			if err != nil {
				t.Fatal(err)
			}
			var id map[string]any
			if s, ok := tok["id_token"].(string); ok {
				if id, _, err = r.verify(s); err != nil {
					t.Fatal(err)
				}
				if id["aud"] != r.client.ID || id["iss"] != r.p.Issuer() || id["sid"] == nil {
					t.Errorf("ID token %v", id)
				}
			}
			if tt.check != nil {
				tt.check(t, tok, id, at)
			}
			// Refreshing keeps the grant's act and organization claims.
			if rt, ok := tok["refresh_token"].(string); ok {
				status, ref := r.refresh(rt, nil)
				if status != http.StatusOK {
					t.Fatalf("refresh: %d %v", status, ref)
				}
				c := claims(t, ref["id_token"].(string))
				if (c["act"] == nil) != (id["act"] == nil) || c["org_id"] != id["org_id"] || c["sub"] != id["sub"] {
					t.Errorf("refreshed ID token %v, original %v", c, id)
				}
			}
		})
	}
}
