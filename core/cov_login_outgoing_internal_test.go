package auth0kit

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TestCovLoginOutgoingClientAuth: every authenticated call (code exchange,
// PAR, revocation) carries the configured client authentication.
func TestCovLoginOutgoingClientAuth(t *testing.T) {
	key, keyPEM := testRSAKeyPEM(t)
	tests := []struct {
		name  string
		opts  []Option
		check func(t *testing.T, op *scriptOP, r scriptRequest)
	}{
		{name: "client_secret_post", check: func(t *testing.T, op *scriptOP, r scriptRequest) {
			if r.Form.Get("client_id") != "client-1" || r.Form.Get("client_secret") != "s" || r.Header.Get("Authorization") != "" {
				t.Fatalf("form %v header %v", r.Form, r.Header)
			}
		}},
		{name: "client_secret_basic", opts: []Option{WithClientAuth(ClientAuth{Method: ClientSecretBasic})}, check: func(t *testing.T, op *scriptOP, r scriptRequest) {
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.Header.Get("Authorization"), "Basic "))
			if string(raw) != "client-1:s" || r.Form.Has("client_secret") {
				t.Fatalf("basic %q form %v", raw, r.Form)
			}
		}},
		{name: "private_key_jwt", opts: []Option{WithClientAuth(ClientAuth{SigningKey: keyPEM, SigningAlg: "RS256"})}, check: func(t *testing.T, op *scriptOP, r scriptRequest) {
			if r.Form.Has("client_secret") || r.Form.Get("client_assertion_type") != clientAssertionType || r.Form.Get("client_id") != "client-1" {
				t.Fatalf("form %v", r.Form)
			}
			tok, err := jwt.ParseSigned(r.Form.Get("client_assertion"), []jose.SignatureAlgorithm{jose.RS256})
			if err != nil {
				t.Fatal(err)
			}
			var cl jwt.Claims
			if err := tok.Claims(&key.PublicKey, &cl); err != nil {
				t.Fatal(err)
			}
			if err := cl.Validate(jwt.Expected{Issuer: "client-1", Subject: "client-1", AnyAudience: jwt.Audience{op.issuer()}, Time: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			op.handleJSON("/oauth/par", 201, map[string]any{"request_uri": "urn:r", "expires_in": 60})
			c := newScriptClient(t, op, append([]Option{WithPushedAuthorizationRequests(true)}, tt.opts...)...)
			u, txn := covLoginStart(t, op, c, LoginOptions{})
			f := op.callback(c, u, txn, "code=c1&state="+covLoginStateOf(op, u))
			if f.Session == nil {
				t.Fatalf("login %d %s", f.Response.Status, f.Response.Body)
			}
			covLoginLogout(c, "", f.Cookies)
			for _, path := range []string{"/oauth/par", "/oauth/token", "/oauth/revoke"} {
				r := op.lastTo(path)
				if r.Method != "POST" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.Header.Get("Accept") != "application/json" {
					t.Fatalf("%s: %s %v", path, r.Method, r.Header)
				}
				tt.check(t, op, r)
			}
		})
	}
}

// TestCovLoginOutgoingAuthMethodUnsupported: a method the provider does not
// list fails the login as a configuration error, before any token call.
func TestCovLoginOutgoingAuthMethodUnsupported(t *testing.T) {
	op := newScriptOP(t)
	op.meta["token_endpoint_auth_methods_supported"] = []string{"client_secret_post"}
	c := newScriptClient(t, op, WithClientAuth(ClientAuth{Method: ClientSecretBasic}))
	_, err := c.startLogin(context.Background(), covLoginExchange("/auth/login", "", nil), LoginOptions{})
	if !errors.Is(err, ErrClientAuthMethodUnsupported) || HTTPStatus(err) != 500 {
		t.Fatalf("err = %v", err)
	}
}

// covLoginFailingSigner is a jose.Signer that cannot sign.
type covLoginFailingSigner struct{}

func (covLoginFailingSigner) Sign([]byte) (*jose.JSONWebSignature, error) {
	return nil, errors.New("hsm down")
}
func (covLoginFailingSigner) Options() jose.SignerOptions { return jose.SignerOptions{} }

// TestCovLoginOutgoingFailures: failures of the request itself (assertion
// signing, a bad endpoint URL, a body cut short) are returned as such,
// and non-JSON error answers become a generic server_error.
func TestCovLoginOutgoingFailures(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	ctx := context.Background()
	p, err := c.discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt"}}

	if _, err := c.postForm(ctx, p, "http://[::1/x", form); err == nil {
		t.Fatal("bad URL accepted")
	}
	op.handle("/cut", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		w.Write([]byte(`{"access_token":`))
	})
	if _, err := c.postForm(ctx, p, op.srv.URL+"/cut", form); err == nil {
		t.Fatal("a cut body was accepted")
	}
	op.handle("/html", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	})
	_, err = c.postForm(ctx, p, op.srv.URL+"/html", form)
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "server_error" || oe.StatusCode != 502 || oe.Description != "unexpected status 502" {
		t.Fatalf("err = %v", err)
	}
	op.handleJSON("/json", 401, map[string]any{"error": "invalid_client", "error_description": "who?", "error_uri": "https://e/x"})
	_, err = c.postForm(ctx, p, op.srv.URL+"/json", form)
	if !errors.As(err, &oe) || oe.Code != "invalid_client" || oe.Description != "who?" || oe.URI != "https://e/x" || oe.StatusCode != 401 {
		t.Fatalf("err = %v", err)
	}
	if len(op.requestsTo("/json")) != 1 {
		t.Fatal("a refused request was retried")
	}

	signed := newScriptClient(t, op, WithClientAuth(ClientAuth{SigningKey: covLoginRSAPEM(t), SigningAlg: "RS256"}))
	signed.auth.signer = covLoginFailingSigner{}
	n := len(op.requestsTo("/oauth/token"))
	if _, err := signed.postForm(ctx, p, p.meta.TokenEndpoint, form); err == nil || !strings.Contains(err.Error(), "hsm down") {
		t.Fatalf("err = %v", err)
	}
	if len(op.requestsTo("/oauth/token")) != n {
		t.Fatal("an unauthenticated request was sent")
	}
}

func covLoginRSAPEM(t *testing.T) string {
	_, pem := testRSAKeyPEM(t)
	return pem
}

// TestCovLoginOutgoingBadEndpoints: a revocation endpoint that is not a URL
// only loses the revocation; an end_session_endpoint that is not a URL is
// a logout error.
func TestCovLoginOutgoingBadEndpoints(t *testing.T) {
	op := newScriptOP(t)
	op.meta["revocation_endpoint"] = "http://[::1/revoke"
	c := newScriptClient(t, op)
	f := op.login(c, "")
	if res, _ := covLoginLogout(c, "", f.Cookies); res.Status != 307 {
		t.Fatalf("status %d", res.Status)
	}
	op2 := newScriptOP(t)
	op2.meta["end_session_endpoint"] = "http://[::1/logout"
	c2 := newScriptClient(t, op2)
	ctx, _ := boundRequest(c2, "GET", "/auth/logout", nil)
	if _, err := c2.Logout(ctx, LogoutOptions{}); covLoginCode(err) != CodeLogoutError {
		t.Fatalf("err = %v", err)
	}
}

// TestCovLoginOutgoingDPoP: token endpoint requests carry a fresh proof; a
// use_dpop_nonce answer earns exactly one retry with the nonce; a second
// one, a refused proof or a caller that gives up during the wait end the
// request with the matching error. Other endpoints get no proof.
func TestCovLoginOutgoingDPoP(t *testing.T) {
	nonceErr := func(w http.ResponseWriter, nonce string) {
		w.Header().Set("DPoP-Nonce", nonce)
		writeJSON(w, 400, map[string]any{"error": "use_dpop_nonce", "error_description": "nonce required"})
	}
	tests := []struct {
		name     string
		handler  func(n int) func(w http.ResponseWriter, r *http.Request)
		delay    time.Duration
		timeout  time.Duration
		requests int
		check    func(t *testing.T, err error, reqs []scriptRequest)
	}{
		{name: "nonce retry", requests: 2, handler: func(n int) func(w http.ResponseWriter, r *http.Request) {
			return func(w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					nonceErr(w, "n-1")
					return
				}
				writeJSON(w, 200, map[string]any{"access_token": "at", "token_type": "DPoP"})
			}
		}, check: func(t *testing.T, err error, reqs []scriptRequest) {
			if err != nil {
				t.Fatal(err)
			}
			first, second := verifyProof(t, reqs[0].Header.Get("DPoP")), verifyProof(t, reqs[1].Header.Get("DPoP"))
			if first.Nonce != "" || second.Nonce != "n-1" || first.JTI == second.JTI || second.HTM != "POST" {
				t.Fatalf("proofs %+v %+v", first, second)
			}
		}},
		{name: "retry exhausted", requests: 2, handler: func(n int) func(w http.ResponseWriter, r *http.Request) {
			return func(w http.ResponseWriter, r *http.Request) { nonceErr(w, "n-again") }
		}, check: func(t *testing.T, err error, reqs []scriptRequest) {
			var de *DPoPError
			if !errors.As(err, &de) || de.Code != CodeDPoPNonceRetryExhausted || !errors.Is(err, ErrDPoP) {
				t.Fatalf("err = %v", err)
			}
		}},
		{name: "proof refused", requests: 1, handler: func(n int) func(w http.ResponseWriter, r *http.Request) {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 400, map[string]any{"error": "invalid_dpop_proof"})
			}
		}, check: func(t *testing.T, err error, reqs []scriptRequest) {
			var de *DPoPError
			var oe *OAuthError
			if !errors.As(err, &de) || de.Code != CodeDPoPProofRefused || !errors.As(err, &oe) {
				t.Fatalf("err = %v", err)
			}
		}},
		{name: "caller gives up during the wait", requests: 1, delay: 10 * time.Second, timeout: 40 * time.Millisecond,
			handler: func(n int) func(w http.ResponseWriter, r *http.Request) {
				return func(w http.ResponseWriter, r *http.Request) { nonceErr(w, "n-1") }
			}, check: func(t *testing.T, err error, reqs []scriptRequest) {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err = %v", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newScriptOP(t)
			var count int
			op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
				op.mu.Lock()
				n := count
				count++
				op.mu.Unlock()
				tt.handler(n)(w, r)
			})
			_, priv, _ := GenerateDPoPKey()
			delay := tt.delay
			if delay == 0 {
				delay = time.Nanosecond
			}
			c := newScriptClient(t, op, WithDPoP(DPoPOptions{}), WithDPoP(DPoPOptions{PrivateKey: priv}), WithDPoP(DPoPOptions{RetryDelay: delay}))
			ctx := context.Background()
			p, err := c.discover(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			_, err = c.postForm(ctx, p, p.meta.TokenEndpoint, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt"}})
			reqs := op.requestsTo("/oauth/token")
			if len(reqs) != tt.requests {
				t.Fatalf("%d requests, want %d (err %v)", len(reqs), tt.requests, err)
			}
			for _, r := range reqs {
				if r.Header.Get("DPoP") == "" {
					t.Fatal("token request without a proof")
				}
			}
			tt.check(t, err, reqs)
			// The revocation endpoint gets no proof.
			if _, err := c.postForm(context.Background(), p, p.meta.RevocationEndpoint, url.Values{"token": {"rt"}}); err != nil {
				t.Fatal(err)
			}
			if op.lastTo("/oauth/revoke").Header.Get("DPoP") != "" {
				t.Fatal("revocation request with a proof")
			}
		})
	}
}

// TestCovLoginOutgoingMTLSAliases: with certificate client authentication,
// every endpoint with a published alias is called there.
func TestCovLoginOutgoingMTLSAliases(t *testing.T) {
	p := &provider{meta: Metadata{BackchannelEndpoint: "https://t/bc-authorize", UserinfoEndpoint: "https://t/userinfo",
		MTLSEndpointAliases: map[string]string{"backchannel_authentication_endpoint": "https://mtls.t/bc-authorize",
			"userinfo_endpoint": "https://mtls.t/userinfo", "": "https://mtls.t/nothing"}}}
	c := &Client{auth: &clientAuth{method: TLSClientAuth}}
	for endpoint, want := range map[string]string{
		"https://t/bc-authorize": "https://mtls.t/bc-authorize",
		"https://t/userinfo":     "https://mtls.t/userinfo",
		"https://t/other":        "https://t/other",
	} {
		if got := c.endpointFor(p, endpoint); got != want {
			t.Errorf("%s = %s, want %s", endpoint, got, want)
		}
	}
	if c.retryable(503, http.Header{}, nil) {
		t.Error("a 503 is retried")
	}
}
