package devop

import "net/http"

// supportedScopes are the scopes devop knows; any other scope is accepted
// and echoed back but grants nothing.
var supportedScopes = []string{"openid", "profile", "email", "offline_access"}

// supportedClaims are the claims devop may put in ID tokens and UserInfo
// responses.
var supportedClaims = []string{
	"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "azp", "sid",
	"name", "nickname", "given_name", "family_name", "picture", "updated_at",
	"email", "email_verified", "amr", "act", "org_id", "org_name",
}

// discovery returns the OpenID Provider Metadata (OpenID Connect Discovery
// 1.0 §3, RFC 8414, RFC 9207, RP-Initiated Logout 1.0 §2.1, Back-Channel
// Logout 1.0 §2.1, CIBA Core 1.0 §4).
func (p *Provider) discovery() map[string]any {
	authMethods := []string{authSecretPost, authSecretBasic, authPrivateKeyJWT}
	if p.secure {
		authMethods = append(authMethods, authTLS, authSelfSignedTLS)
	}
	if p.authMethods != nil {
		authMethods = p.authMethods
	}
	m := map[string]any{
		"issuer":                                           p.issuer,
		"authorization_endpoint":                           p.endpoint("authorize"),
		"token_endpoint":                                   p.endpoint("oauth/token"),
		"userinfo_endpoint":                                p.endpoint("userinfo"),
		"jwks_uri":                                         p.endpoint(".well-known/jwks.json"),
		"end_session_endpoint":                             p.endpoint("oidc/logout"),
		"revocation_endpoint":                              p.endpoint("oauth/revoke"),
		"response_types_supported":                         []string{"code"},
		"response_modes_supported":                         []string{"query"},
		"grant_types_supported":                            supportedGrantTypes,
		"code_challenge_methods_supported":                 []string{"S256"},
		"id_token_signing_alg_values_supported":            []string{"RS256"},
		"dpop_signing_alg_values_supported":                []string{"ES256", "RS256", "PS256"},
		"token_endpoint_auth_methods_supported":            authMethods,
		"revocation_endpoint_auth_methods_supported":       authMethods,
		"scopes_supported":                                 supportedScopes,
		"claims_supported":                                 supportedClaims,
		"subject_types_supported":                          []string{"public"},
		"prompt_values_supported":                          []string{"none", "login", "consent", "select_account"},
		"authorization_response_iss_parameter_supported":   true,
		"claims_parameter_supported":                       false,
		"request_parameter_supported":                      false,
		"request_uri_parameter_supported":                  false,
		"backchannel_logout_supported":                     true,
		"backchannel_logout_session_supported":             true,
		"backchannel_authentication_endpoint":              p.endpoint("bc-authorize"),
		"backchannel_token_delivery_modes_supported":       []string{"poll"},
		"backchannel_user_code_parameter_supported":        false,
		"token_endpoint_auth_signing_alg_values_supported": assertionAlgs,
		"pushed_authorization_request_endpoint":            p.endpoint("oauth/par"),
		"require_pushed_authorization_requests":            p.requirePAR,
		"authorization_details_types_supported":            []string{"payment_initiation", "account_information", "money_transfer"},
	}
	if p.secure {
		// The same listener serves mTLS (RFC 8705 §5): it asks every
		// client for a certificate but does not require one.
		m["tls_client_certificate_bound_access_tokens"] = false
		m["mtls_endpoint_aliases"] = map[string]string{
			"token_endpoint":                        p.endpoint("oauth/token"),
			"revocation_endpoint":                   p.endpoint("oauth/revoke"),
			"pushed_authorization_request_endpoint": p.endpoint("oauth/par"),
			"backchannel_authentication_endpoint":   p.endpoint("bc-authorize"),
		}
	}
	return m
}

func (p *Provider) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, p.discovery())
}
