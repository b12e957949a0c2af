package conformance

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/adapter"
)

// TestCertifiedBackchannelDetails runs CIBA with Rich Authorization
// Requests against node oidc-provider, with client_secret_post and
// private_key_jwt, and checks that LoginBackchannel keeps the granted
// authorization_details (the development provider's side is
// TestBackchannelPrivateKeyJWTDetails).
func TestCertifiedBackchannelDetails(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node oidc-provider")
	}
	op := startCertified(t)
	for _, reg := range []clientReg{{}, {method: auth0kit.PrivateKeyJWT, key: newECKey(t), alg: "ES256"}} {
		t.Run(cmp.Or(string(reg.method), "client_secret_post"), func(t *testing.T) {
			meta := map[string]any{
				"redirect_uris":                   []string{"http://127.0.0.1:3000/auth/callback"},
				"grant_types":                     []string{"authorization_code", "refresh_token", "urn:openid:params:grant-type:ciba"},
				"response_types":                  []string{"code"},
				"token_endpoint_auth_method":      "client_secret_post",
				"backchannel_token_delivery_mode": "poll",
				"authorization_details_types":     []string{"payment_initiation", "account_information"},
			}
			reg.registration(t, meta)
			body, _ := json.Marshal(meta)
			resp, err := http.Post(op.issuer+"/reg", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			var out struct {
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("registration: %d", resp.StatusCode)
			}
			opts := append([]auth0kit.Option{auth0kit.WithDomain(op.issuer), auth0kit.WithClientID(out.ClientID),
				auth0kit.WithClientSecret(out.ClientSecret), auth0kit.WithSecret(secret),
				auth0kit.WithAppBaseURL("http://127.0.0.1:3000"), auth0kit.WithTuning(auth0kit.Tuning{AuthorizationDetailsInSession: true})},
				reg.appOptions()...)
			c, err := auth0kit.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			ex := adapter.NewHTTPExchange(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/ciba", nil))
			s, err := c.LoginBackchannel(c.Adapter().Bind(context.Background(), ex), auth0kit.BackchannelOptions{
				BindingMessage: "Approve-1234", LoginHintSub: "jane.doe@example.com",
				AuthorizationDetails: json.RawMessage(`[{"type":"payment_initiation","amount":"9.99"}]`)})
			if err != nil {
				t.Fatal(err)
			}
			if s.User.Sub != "jane.doe@example.com" || !strings.Contains(string(s.Extra["authorization_details"]), `"9.99"`) {
				t.Fatalf("session user %q, authorization_details %s", s.User.Sub, s.Extra["authorization_details"])
			}
		})
	}
}
