package devop_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

const (
	fedGrant   = "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token"
	fedType    = "http://auth0.com/oauth/token-type/federated-connection-access-token"
	rtType     = "urn:ietf:params:oauth:token-type:refresh_token"
	atType     = "urn:ietf:params:oauth:token-type:access_token"
	idTokType  = "urn:ietf:params:oauth:token-type:id_token"
	legacyType = "urn:acme:legacy-token"
)

func TestFederatedConnectionAccessToken(t *testing.T) {
	t.Parallel()
	clients := []devop.Client{
		{ID: "app", Secret: "app-secret"},
		{ID: "other", Secret: "other-secret"},
		{ID: "limited", Secret: "limited-secret", GrantTypes: []string{"authorization_code", "refresh_token"}},
	}
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail, Clients: clients})
	custom := startRP(t, devop.Options{AutoLoginEmail: testEmail, Connections: []string{"okta"}})

	type tokens struct{ rt, at, otherRT, rotatedRT string }
	tests := []struct {
		name       string
		rp         *rp
		client     string
		form       func(tk tokens) url.Values
		wantStatus int
		wantErr    string
	}{
		{name: "refresh token", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"google-oauth2"}, "subject_token": {tk.rt}, "subject_token_type": {rtType}}
		}, wantStatus: 200},
		{name: "refresh token with login_hint", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token": {tk.rt}, "subject_token_type": {rtType}, "login_hint": {testEmail}}
		}, wantStatus: 200},
		{name: "access token", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"google-oauth2"}, "subject_token": {tk.at}, "subject_token_type": {atType}}
		}, wantStatus: 200},
		{name: "configured connection", rp: custom, form: func(tk tokens) url.Values {
			return url.Values{"connection": {"okta"}, "subject_token": {tk.rt}, "subject_token_type": {rtType}}
		}, wantStatus: 200},
		{name: "default connection not configured", rp: custom, form: func(tk tokens) url.Values {
			return url.Values{"connection": {"google-oauth2"}, "subject_token": {tk.rt}, "subject_token_type": {rtType}}
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "missing connection", form: func(tk tokens) url.Values {
			return url.Values{"subject_token": {tk.rt}, "subject_token_type": {rtType}}
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "unknown connection", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"facebook"}, "subject_token": {tk.rt}, "subject_token_type": {rtType}}
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "missing requested_token_type", form: func(tk tokens) url.Values {
			f := url.Values{"connection": {"github"}, "subject_token": {tk.rt}, "subject_token_type": {rtType}}
			f.Set("requested_token_type", "")
			return f
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "wrong requested_token_type", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token": {tk.rt}, "subject_token_type": {rtType}, "requested_token_type": {atType}}
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "missing subject_token", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token_type": {rtType}}
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "unsupported subject_token_type", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token": {tk.rt}, "subject_token_type": {idTokType}}
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "refresh token typed as access token", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token": {tk.rt}, "subject_token_type": {atType}}
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "access token typed as refresh token", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token": {tk.at}, "subject_token_type": {rtType}}
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "unknown refresh token", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token": {"nope"}, "subject_token_type": {rtType}}
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "tampered access token", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token": {tk.at[:len(tk.at)-4] + "AAAA"}, "subject_token_type": {atType}}
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "refresh token of another client", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token": {tk.otherRT}, "subject_token_type": {rtType}}
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "rotated refresh token", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token": {tk.rotatedRT}, "subject_token_type": {rtType}}
		}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "audience not allowed", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token": {tk.rt}, "subject_token_type": {rtType}, "audience": {"https://api.example.com/"}}
		}, wantStatus: 400, wantErr: "invalid_request"},
		{name: "client not allowed the grant", client: "limited", form: func(tk tokens) url.Values {
			return url.Values{"connection": {"github"}, "subject_token": {tk.rt}, "subject_token_type": {rtType}}
		}, wantStatus: 400, wantErr: "unauthorized_client"},
	}
	// One set of subject tokens per (provider, client); no case consumes
	// them, which is checked at the end.
	type key struct {
		p      *devop.Provider
		client string
	}
	sets := map[key]*rp{}
	subjects := map[key]tokens{}
	prepare := func(t *testing.T, p *devop.Provider, clientID string) (*rp, tokens) {
		k := key{p, clientID}
		if c, ok := sets[k]; ok {
			return c, subjects[k]
		}
		as := func(id string) *rp {
			c := newRP(t, p)
			if id != devop.DefaultClientID {
				c.client = devop.Client{ID: id, Secret: id + "-secret"}
			}
			return c
		}
		c := as(clientID)
		var tk tokens
		first := c.tokensWith(url.Values{"client_id": {clientID}})
		tk.rt, tk.at = first["refresh_token"].(string), first["access_token"].(string)
		if clientID != devop.DefaultClientID {
			tk.otherRT = as("other").tokensWith(url.Values{"client_id": {"other"}})["refresh_token"].(string)
			tk.rotatedRT = c.tokensWith(url.Values{"client_id": {clientID}})["refresh_token"].(string)
			if status, body := c.refresh(tk.rotatedRT, nil); status != http.StatusOK {
				t.Fatalf("refresh: %d %v", status, body)
			}
		}
		sets[k], subjects[k] = c, tk
		return c, tk
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, clientID := r.p, "app"
			if tt.rp != nil {
				p, clientID = tt.rp.p, devop.DefaultClientID
			}
			if tt.client != "" {
				clientID = tt.client
			}
			r, tk := prepare(t, p, clientID)
			form := tt.form(tk)
			form.Set("grant_type", fedGrant)
			if _, ok := form["requested_token_type"]; !ok {
				form.Set("requested_token_type", fedType)
			}
			status, body := r.token(form)
			if tt.wantErr != "" {
				wantOAuthError(t, status, body, tt.wantStatus, tt.wantErr)
				return
			}
			if status != http.StatusOK {
				t.Fatalf("status %d: %v", status, body)
			}
			at, _ := body["access_token"].(string)
			if at == "" || strings.Count(at, ".") == 2 || body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) ||
				body["scope"] == nil || body["issued_token_type"] != fedType || body["refresh_token"] != nil || body["id_token"] != nil {
				t.Errorf("response %v", body)
			}
		})
	}
	// The exchanges consumed no subject refresh token.
	for k, c := range sets {
		if status, body := c.refresh(subjects[k].rt, nil); status != http.StatusOK {
			t.Errorf("client %s: refresh after the exchanges: %d %v", k.client, status, body)
		}
	}
}
