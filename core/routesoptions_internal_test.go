package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// TestCustomRoutePaths: custom access-token and back-channel paths are
// served there (and the defaults are not); WithRoutes(Routes{NoAccessTokenEndpoint: true})
// removes the access-token route.
func TestCustomRoutePaths(t *testing.T) {
	serve := func(c *Client, method, path string) (int, bool) {
		r := httptest.NewRequest(method, "https://app.example.com"+path, strings.NewReader(""))
		if method == http.MethodPost {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		_, res := c.Adapter().Serve(context.Background(), adapter.NewHTTPExchange(httptest.NewRecorder(), r))
		if res == nil {
			return 0, false
		}
		return res.Status, true
	}
	custom := newTestClient(t, WithRoutes(Routes{AccessToken: "/api/auth/token", BackchannelLogout: "/hooks/bcl"}), WithSessionStore(sessionstore.NewMemory()))
	if st, ok := serve(custom, "GET", "/api/auth/token"); !ok || st/100 != 4 { // no session (401, or 403 without fetch metadata)
		t.Errorf("custom access-token path: %d %v", st, ok)
	}
	if _, ok := serve(custom, "GET", "/auth/access-token"); ok {
		t.Error("the default access-token path is still served")
	}
	if st, ok := serve(custom, "POST", "/hooks/bcl"); !ok || st != http.StatusBadRequest {
		t.Errorf("custom back-channel path: %d %v", st, ok)
	}
	if _, ok := serve(custom, "POST", "/auth/backchannel-logout"); ok {
		t.Error("the default back-channel path is still served")
	}
	off := newTestClient(t, WithRoutes(Routes{NoAccessTokenEndpoint: true}))
	if _, ok := serve(off, "GET", "/auth/access-token"); ok {
		t.Error("access-token route served with WithRoutes(Routes{NoAccessTokenEndpoint: true})")
	}
	if off.isRoute("/auth/access-token") || !off.isRoute("/auth/login/") {
		t.Error("isRoute")
	}
}

// TestOIDCLogoutWithoutEndSession: the oidc strategy against a provider
// without end_session_endpoint is a typed logout error; auto falls back
// to Auth0's /v2/logout.
func TestOIDCLogoutWithoutEndSession(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": srv.URL + "/", "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/oauth/token",
			"jwks_uri": srv.URL + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	}))
	defer srv.Close()
	logout := func(strategy LogoutStrategy) (string, error) {
		c, err := New(WithDomain(srv.URL), WithClientID("cid"), WithClientSecret("cs"), WithSecret(cookieTestSecret),
			WithAppBaseURL("http://127.0.0.1:3000"), WithLogout(LogoutConfig{Strategy: strategy}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := c.Adapter().Bind(context.Background(), adapter.NewHTTPExchange(httptest.NewRecorder(), httptest.NewRequest("GET", "http://127.0.0.1:3000/auth/logout", nil)))
		return c.Logout(ctx, LogoutOptions{})
	}
	_, err := logout(LogoutOIDC)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeLogoutError {
		t.Fatalf("oidc without end_session_endpoint: %v", err)
	}
	loc, err := logout(LogoutAuto)
	if err != nil || !strings.HasPrefix(loc, srv.URL+"/v2/logout?") {
		t.Fatalf("auto: %q %v", loc, err)
	}
}
