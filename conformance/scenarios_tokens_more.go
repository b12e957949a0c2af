package conformance

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("tokens/failed-refresh-leaves-session-intact", testFailedRefresh)
	register("tokens/multi-resource-refresh-token", testMRRT)
	register("tokens/mfa-required-is-403-with-encrypted-token", testMfaRequired)
	register("tokens/connection-token-exchanged-and-cached", testConnectionToken)
}

func testConnectionToken(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.needDevop("Auth0 Token Vault connections")
	e.login("")
	get := func(conn string) (*page, map[string]any) {
		p := e.browser.hit(e.appURL + "/api/connection-token?connection=" + conn)
		var body map[string]any
		_ = json.Unmarshal([]byte(p.body), &body)
		return p, body
	}
	p, first := get("google-oauth2")
	e.expectStatus(p, http.StatusOK)
	if first["token"] == "" || first["token"] == nil {
		t.Fatalf("body %s", p.body)
	}
	const grant = "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token"
	_, again := get("google-oauth2")
	if again["token"] != first["token"] || e.op.TokenRequests(grant) != 1 {
		t.Errorf("connection token not cached (%d exchanges)", e.op.TokenRequests(grant))
	}
	if p, _ := get("github"); p.StatusCode != http.StatusOK || e.op.TokenRequests(grant) != 2 {
		t.Errorf("second connection: %d", p.StatusCode)
	}
	if p, _ := get("unknown-connection"); p.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown connection: %d %s, want 401", p.StatusCode, p.body)
	}
	if !e.loggedIn() {
		t.Fatal("a failed exchange ended the session")
	}
}

// jwtClaims decodes a JWT's payload without verifying it (test use only).
func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %.20q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func testFailedRefresh(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.needDevop("injected token endpoint errors")
	e.login("")
	_, before := e.accessToken("")
	e.op.FailNextToken("refresh_token", http.StatusBadRequest, "invalid_grant", "refresh token revoked")
	p, body := e.accessToken("refresh=true")
	e.expectStatus(p, http.StatusUnauthorized)
	if body.Error == nil || body.Error.Code != "failed_to_refresh_token" {
		t.Fatalf("body %q, want code failed_to_refresh_token", p.body)
	}
	if len(p.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("a failed refresh changed cookies: %v", p.Header.Values("Set-Cookie"))
	}
	if !e.loggedIn() {
		t.Fatal("a failed refresh ended the session")
	}
	_, after := e.accessToken("")
	if after.Token != before.Token {
		t.Error("a failed refresh changed the cached token")
	}
	// The refresh token survived: the next refresh works.
	p, _ = e.accessToken("refresh=true")
	e.expectStatus(p, http.StatusOK)
}

func testMRRT(t *testing.T, h Harness) {
	const api2 = "https://api2.example.com/"
	// Only configured audiences and scopes are served by the route.
	e := setup(t, h, devop.Options{}, auth0kit.WithAudienceScopes(map[string]string{
		api2: "openid profile email offline_access read:data"}))
	e.needDevop("API audiences")
	e.login("")
	_, main := e.accessToken("")
	p, other := e.accessToken("audience=" + api2 + "&scope=read:data")
	e.expectStatus(p, http.StatusOK)
	claims := jwtClaims(t, other.Token)
	if claims["aud"] != api2 {
		t.Fatalf("token audience %v, want %s", claims["aud"], api2)
	}
	if !strings.Contains(other.Scope, "read:data") {
		t.Errorf("scope %q lacks read:data", other.Scope)
	}
	if e.refreshes() != 1 {
		t.Fatalf("%d refresh requests, want 1", e.refreshes())
	}
	// Both tokens are now cached in the session.
	_, again := e.accessToken("audience=" + api2 + "&scope=read:data")
	_, mainAgain := e.accessToken("")
	if again.Token != other.Token || mainAgain.Token != main.Token || e.refreshes() != 1 {
		t.Errorf("per-audience token not cached next to the main one (refreshes %d)", e.refreshes())
	}
}

func testMfaRequired(t *testing.T, h Harness) {
	const api2 = "https://api2.example.com/"
	e := setup(t, h, devop.Options{MFAAudiences: []string{api2}}, auth0kit.WithAudienceScopes(map[string]string{
		api2: "openid profile email offline_access"}))
	e.needDevop("an MFA policy")
	e.login("")
	p := e.browser.fetch(e.appURL + e.client.Routes().AccessToken + "?audience=" + api2)
	e.expectStatus(p, http.StatusForbidden)
	var body struct {
		Error        string          `json:"error"`
		Description  string          `json:"error_description"`
		MfaToken     string          `json:"mfa_token"`
		Requirements json.RawMessage `json:"mfa_requirements"`
	}
	if err := json.Unmarshal([]byte(p.body), &body); err != nil {
		t.Fatal(err)
	}
	if body.Error != "mfa_required" || body.MfaToken == "" || len(body.Requirements) == 0 {
		t.Fatalf("403 body %s", p.body)
	}
	if strings.Count(body.MfaToken, ".") != 4 {
		t.Errorf("mfa_token is not the encrypted (JWE) context: %.30q", body.MfaToken)
	}
	if !e.loggedIn() {
		t.Fatal("mfa_required ended the session")
	}
}
