package conformance_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/adapter"
)

// recorder is an http.RoundTripper that records every request (path and
// form body) before handing it to the real transport.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path string
	form         url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := recorded{method: req.Method, path: req.URL.Path}
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(b))
		rec.form, _ = url.ParseQuery(string(b))
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// find returns the recorded requests to path whose form has k=v (any
// value when v is "").
func (r *recorder) find(path, k, v string) []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []recorded
	for _, q := range r.reqs {
		if q.path == path && (k == "" || (q.form.Has(k) && (v == "" || q.form.Get(k) == v))) {
			out = append(out, q)
		}
	}
	return out
}

// TestWithHTTPClientCarriesEveryCall: every call to the provider
// (discovery, JWKS, token, CIBA, revocation) goes through the injected
// *http.Client, and the options of custom token exchange (organization)
// and connection tokens (login hint, access-token subject type) reach the
// wire.
func TestWithHTTPClientCarriesEveryCall(t *testing.T) {
	op := devop.Start(t, devop.Options{CIBAApprovalDelay: 100 * time.Millisecond})
	rec := &recorder{}
	c := newAPIClient(t, op, nil, auth0kit.WithHTTPClient(&http.Client{Transport: rec, Timeout: 10 * time.Second}))
	ctx := context.Background()

	// Custom token exchange with an organization.
	res, err := c.CustomTokenExchange(ctx, auth0kit.CustomTokenExchangeOptions{
		SubjectToken: "legacy:jane.doe@example.com", SubjectTokenType: "urn:acme:legacy-token", Organization: "org_abc123"})
	if err != nil {
		t.Fatal(err)
	}
	if claims := jwtClaims(t, res.IDToken); claims["org_id"] != "org_abc123" {
		t.Errorf("org_id = %v", claims["org_id"])
	}
	if len(rec.find(tokenPath(t, op), "organization", "org_abc123")) != 1 {
		t.Error("organization not sent on the token exchange")
	}

	// CIBA login creating a session.
	sub, err := op.Subject("jane.doe@example.com")
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	bound := c.Adapter().Bind(ctx, adapter.NewHTTPExchange(w, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/ciba", nil)))
	if _, err := c.LoginBackchannel(bound, auth0kit.BackchannelOptions{BindingMessage: "Sign in", LoginHintSub: sub}); err != nil {
		t.Fatal(err)
	}
	cookies := (&http.Response{Header: w.Header()}).Cookies()

	// Connection token from the session's access token, for one account.
	w2 := httptest.NewRecorder()
	r2 := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/conn", nil)
	for _, ck := range cookies {
		r2.AddCookie(ck)
	}
	bound2 := c.Adapter().Bind(ctx, adapter.NewHTTPExchange(w2, r2))
	tok, err := c.GetAccessTokenForConnection(bound2, auth0kit.ConnectionTokenOptions{
		Connection: "google-oauth2", LoginHint: "jane@gmail.example", SubjectTokenType: auth0kit.TokenTypeAccessToken})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token == "" {
		t.Fatal("no connection token")
	}
	ex := rec.find(tokenPath(t, op), "login_hint", "jane@gmail.example")
	if len(ex) != 1 || ex[0].form.Get("subject_token_type") != auth0kit.TokenTypeAccessToken {
		t.Fatalf("connection exchange = %+v", ex)
	}

	// Logout revokes the refresh token.
	if _, err := c.Logout(bound2, auth0kit.LogoutOptions{}); err != nil {
		t.Fatal(err)
	}

	for _, what := range []struct{ name, path string }{
		{"discovery", "/.well-known/openid-configuration"},
		{"JWKS", endpointPath(t, op, "jwks_uri")},
		{"CIBA", endpointPath(t, op, "backchannel_authentication_endpoint")},
		{"revocation", endpointPath(t, op, "revocation_endpoint")},
	} {
		if len(rec.find(what.path, "", "")) == 0 {
			t.Errorf("%s (%s) did not go through the injected client", what.name, what.path)
		}
	}
}

func jwtClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func endpointPath(t *testing.T, op *devop.Provider, name string) string {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(op.Issuer(), "/") + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var md map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&md)
	s, _ := md[name].(string)
	u, err := url.Parse(s)
	if err != nil || s == "" {
		t.Fatalf("metadata %s = %q", name, s)
	}
	return u.Path
}

func tokenPath(t *testing.T, op *devop.Provider) string { return endpointPath(t, op, "token_endpoint") }
