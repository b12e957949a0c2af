package devop_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

// assertion signs a client assertion with key, mutated by mut.
func assertion(t *testing.T, key *ecdsa.PrivateKey, alg jose.SignatureAlgorithm, mut func(*jwt.Claims)) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cl := jwt.Claims{Issuer: "pk-client", Subject: "pk-client", ID: randomID(), Audience: jwt.Audience{"ISSUER"},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}
	if mut != nil {
		mut(&cl)
	}
	s, err := jwt.Signed(signer).Claims(cl).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomID() string { return rand.Text() }

func TestPrivateKeyJWT(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail, Clients: []devop.Client{
		{ID: "pk-client", TokenEndpointAuthMethod: "private_key_jwt", PublicKey: &key.PublicKey},
		{ID: "secret-client", Secret: "s3cret"},
	}})
	iss := r.p.Issuer()
	fix := func(cl *jwt.Claims) { cl.Audience = jwt.Audience{iss} }
	replayed := assertion(t, key, jose.ES256, fix)
	cases := []struct {
		name string
		form url.Values
		want string // "" means accepted
	}{
		{"valid, aud issuer", url.Values{"client_assertion": {replayed}}, ""},
		{"replayed jti", url.Values{"client_assertion": {replayed}}, "invalid_client"},
		{"aud token endpoint", url.Values{"client_assertion": {assertion(t, key, jose.ES256, func(cl *jwt.Claims) { cl.Audience = jwt.Audience{iss + "oauth/token"} })}}, ""},
		{"wrong aud", url.Values{"client_assertion": {assertion(t, key, jose.ES256, func(cl *jwt.Claims) { cl.Audience = jwt.Audience{"https://other/"} })}}, "invalid_client"},
		{"wrong key", url.Values{"client_assertion": {assertion(t, other, jose.ES256, fix)}}, "invalid_client"},
		{"expired", url.Values{"client_assertion": {assertion(t, key, jose.ES256, func(cl *jwt.Claims) { fix(cl); cl.Expiry = jwt.NewNumericDate(time.Now().Add(-time.Second)) })}}, "invalid_client"},
		{"too long-lived", url.Values{"client_assertion": {assertion(t, key, jose.ES256, func(cl *jwt.Claims) { fix(cl); cl.Expiry = jwt.NewNumericDate(time.Now().Add(time.Hour)) })}}, "invalid_client"},
		{"no jti", url.Values{"client_assertion": {assertion(t, key, jose.ES256, func(cl *jwt.Claims) { fix(cl); cl.ID = "" })}}, "invalid_client"},
		{"iss is not sub", url.Values{"client_assertion": {assertion(t, key, jose.ES256, func(cl *jwt.Claims) { fix(cl); cl.Issuer = "secret-client" })}}, "invalid_client"},
		{"wrong assertion type", url.Values{"client_assertion_type": {"urn:x"}, "client_assertion": {assertion(t, key, jose.ES256, fix)}}, "invalid_client"},
		{"client_id mismatch", url.Values{"client_id": {"secret-client"}, "client_assertion": {assertion(t, key, jose.ES256, fix)}}, "invalid_client"},
		{"assertion and secret", url.Values{"client_secret": {"s3cret"}, "client_assertion": {assertion(t, key, jose.ES256, fix)}}, "invalid_request"},
		{"secret for a key client", url.Values{"client_id": {"pk-client"}, "client_secret": {"x"}, "client_assertion_type": nil}, "invalid_client"},
		{"no authentication", url.Values{"client_id": {"pk-client"}, "client_assertion_type": nil}, "invalid_client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"unknown"},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}
			for k, v := range tc.form {
				if v == nil {
					delete(form, k)
				} else {
					form[k] = v
				}
			}
			status, body := r.post("oauth/token", form, nil)
			want := tc.want
			if want == "" {
				want = "invalid_grant" // authenticated: the refresh token is what is wrong
			}
			if body["error"] != want {
				t.Fatalf("%d %v, want error %s", status, body, want)
			}
		})
	}
}

func TestClientSecretBasicOnly(t *testing.T) {
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail, Clients: []devop.Client{
		{ID: "basic-client", Secret: "s3cret", TokenEndpointAuthMethod: "client_secret_basic"},
	}})
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"unknown"}}
	status, body := r.post("oauth/token", url.Values{"grant_type": form["grant_type"], "refresh_token": form["refresh_token"],
		"client_id": {"basic-client"}, "client_secret": {"s3cret"}}, nil)
	if body["error"] != "invalid_client" {
		t.Fatalf("client_secret_post for a basic client: %d %v", status, body)
	}
	status, body = r.post("oauth/token", form, func(req *http.Request) { req.SetBasicAuth("basic-client", "s3cret") })
	if body["error"] != "invalid_grant" {
		t.Fatalf("basic: %d %v", status, body)
	}
}

func TestPushedAuthorizationRequests(t *testing.T) {
	clk := newClock()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail, Now: clk.Now, Clients: []devop.Client{
		{ID: devop.DefaultClientID, Secret: devop.DefaultClientSecret, RequirePushedAuthorizationRequests: true},
		{ID: "other", Secret: "other-secret"},
	}})
	push := func(params url.Values) (int, map[string]any) {
		params.Set("client_secret", devop.DefaultClientSecret)
		return r.post("oauth/par", params, nil)
	}
	verifier, challenge := pkce()

	// Without PAR the client is refused (by redirect: the redirect_uri is
	// registered).
	q := r.callback(r.authorize(r.authParams(challenge)))
	if q.Get("error") != "invalid_request" {
		t.Fatalf("direct authorization request of a PAR client: %v", q)
	}

	status, body := push(r.authParams(challenge))
	uri, _ := body["request_uri"].(string)
	if status != http.StatusCreated || uri == "" || body["expires_in"] != float64(60) {
		t.Fatalf("PAR: %d %v", status, body)
	}
	q = r.callback(r.authorize(url.Values{"client_id": {devop.DefaultClientID}, "request_uri": {uri}}))
	if q.Get("code") == "" || q.Get("state") != "st-123" {
		t.Fatalf("authorize with request_uri: %v", q)
	}
	if s, b := r.exchange(q.Get("code"), verifier); s != http.StatusOK {
		t.Fatalf("exchange: %d %v", s, b)
	}
	// Single use.
	resp := r.authorize(url.Values{"client_id": {devop.DefaultClientID}, "request_uri": {uri}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("reused request_uri: %d", resp.StatusCode)
	}
	resp.Body.Close()
	// Short-lived.
	_, body = push(r.authParams(challenge))
	clk.Advance(61 * time.Second)
	resp = r.authorize(url.Values{"client_id": {devop.DefaultClientID}, "request_uri": {body["request_uri"].(string)}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("expired request_uri: %d", resp.StatusCode)
	}
	resp.Body.Close()
	// Bound to its client.
	_, body = push(r.authParams(challenge))
	resp = r.authorize(url.Values{"client_id": {"other"}, "request_uri": {body["request_uri"].(string)}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("another client's request_uri: %d", resp.StatusCode)
	}
	resp.Body.Close()
	// The PAR endpoint validates like /authorize and authenticates.
	bad := r.authParams(challenge)
	bad.Del("code_challenge")
	if s, b := push(bad); s != http.StatusBadRequest || b["error"] != "invalid_request" {
		t.Fatalf("PAR without PKCE: %d %v", s, b)
	}
	bad = r.authParams(challenge)
	bad.Set("redirect_uri", "https://evil.example/cb")
	if s, b := push(bad); s != http.StatusBadRequest {
		t.Fatalf("PAR with a foreign redirect_uri: %d %v", s, b)
	}
	if s, b := r.post("oauth/par", r.authParams(challenge), nil); s != http.StatusUnauthorized && b["error"] != "invalid_client" {
		t.Fatalf("unauthenticated PAR: %d %v", s, b)
	}
}

func TestAuthorizeRARAndOrganization(t *testing.T) {
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	details := `[{"type":"payment_initiation","amount":"10.00"}]`
	code, verifier := r.code(func(v url.Values) {
		v.Set("authorization_details", details)
		v.Set("organization", "Acme")
	})
	status, body := r.exchange(code, verifier)
	if status != http.StatusOK {
		t.Fatalf("%d %v", status, body)
	}
	if got, _ := body["authorization_details"].([]any); len(got) != 1 {
		t.Fatalf("authorization_details = %v", body["authorization_details"])
	}
	cl := claims(t, body["id_token"].(string))
	if cl["org_name"] != "acme" || cl["org_id"] == "" {
		t.Fatalf("org claims = %v %v", cl["org_id"], cl["org_name"])
	}
	q := r.callback(r.authorize(func() url.Values {
		_, ch := pkce()
		v := r.authParams(ch)
		v.Set("authorization_details", `{"type":"x"}`)
		return v
	}()))
	if q.Get("error") != "invalid_authorization_details" {
		t.Fatalf("bad authorization_details: %v", q)
	}
}
