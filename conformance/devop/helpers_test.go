package devop_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

const (
	testEmail    = "jane.doe@example.com"
	testRedirect = "http://127.0.0.1:9999/callback"
)

// rp is a hand-written relying party driving a Provider over real HTTP.
type rp struct {
	t      testing.TB
	p      *devop.Provider
	hc     *http.Client // cookie jar, never follows redirects
	client devop.Client
}

func newRP(t testing.TB, p *devop.Provider) *rp {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &rp{
		t: t, p: p, client: p.Client(),
		hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
}

// startRP starts a Provider (auto-login as testEmail unless opts say
// otherwise) and an RP for it.
func startRP(t testing.TB, opts devop.Options) *rp {
	t.Helper()
	return newRP(t, devop.Start(t, opts))
}

func pkce() (verifier, challenge string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authParams returns a valid authorization request for challenge.
func (r *rp) authParams(challenge string) url.Values {
	return url.Values{
		"client_id":             {r.client.ID},
		"redirect_uri":          {testRedirect},
		"response_type":         {"code"},
		"scope":                 {"openid profile email offline_access"},
		"state":                 {"st-123"},
		"nonce":                 {"n-456"},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
	}
}

func (r *rp) get(u string) *http.Response {
	r.t.Helper()
	resp, err := r.hc.Get(u)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

func (r *rp) authorize(params url.Values) *http.Response {
	r.t.Helper()
	return r.get(r.p.Issuer() + "authorize?" + params.Encode())
}

// callback checks that resp redirects to testRedirect and returns the
// callback query.
func (r *rp) callback(resp *http.Response) url.Values {
	r.t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(resp.Body)
		r.t.Fatalf("status %d, want 302; body: %s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		r.t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testRedirect {
		r.t.Fatalf("redirected to %q, want %q", got, testRedirect)
	}
	return loc.Query()
}

// code runs an authorization request that must succeed without a form
// (auto-login or existing session) and returns the code and verifier.
func (r *rp) code(mutate func(url.Values)) (code, verifier string) {
	r.t.Helper()
	verifier, challenge := pkce()
	params := r.authParams(challenge)
	if mutate != nil {
		mutate(params)
	}
	q := r.callback(r.authorize(params))
	if q.Get("code") == "" {
		r.t.Fatalf("no code in callback: %v", q)
	}
	return q.Get("code"), verifier
}

// token posts form to the token endpoint with client_secret_post.
func (r *rp) token(form url.Values) (int, map[string]any) {
	r.t.Helper()
	form.Set("client_id", r.client.ID)
	form.Set("client_secret", r.client.Secret)
	return r.post("oauth/token", form, nil)
}

func (r *rp) post(path string, form url.Values, mod func(*http.Request)) (int, map[string]any) {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.p.Issuer()+path, strings.NewReader(form.Encode()))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if mod != nil {
		mod(req)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			r.t.Fatalf("%s: non-JSON body %q", path, body)
		}
	}
	if path == "oauth/token" && resp.Header.Get("Cache-Control") != "no-store" {
		r.t.Errorf("token response Cache-Control = %q, want no-store", resp.Header.Get("Cache-Control"))
	}
	return resp.StatusCode, m
}

func (r *rp) exchange(code, verifier string) (int, map[string]any) {
	r.t.Helper()
	return r.token(url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {testRedirect},
		"code_verifier": {verifier},
	})
}

func (r *rp) refresh(rt string, extra url.Values) (int, map[string]any) {
	r.t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	for k, v := range extra {
		form[k] = v
	}
	return r.token(form)
}

// tokens runs a full login and code exchange and returns the response.
func (r *rp) tokens() map[string]any {
	r.t.Helper()
	code, verifier := r.code(nil)
	status, body := r.exchange(code, verifier)
	if status != http.StatusOK {
		r.t.Fatalf("code exchange: %d %v", status, body)
	}
	return body
}

func (r *rp) jwks() jose.JSONWebKeySet {
	r.t.Helper()
	resp := r.get(r.p.Issuer() + ".well-known/jwks.json")
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		r.t.Fatal(err)
	}
	return set
}

// verify checks an RS256 JWT against the JWKS with go-jose and returns its
// claims and kid.
func (r *rp) verify(token string) (map[string]any, string, error) {
	r.t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, "", err
	}
	kid := jws.Signatures[0].Header.KeyID
	set := r.jwks()
	keys := set.Key(kid)
	if len(keys) != 1 {
		return nil, kid, errNoKey
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		return nil, kid, err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, kid, err
	}
	return claims, kid, nil
}

type testErr string

func (e testErr) Error() string { return string(e) }

const errNoKey = testErr("kid not in JWKS")

// decodeJWT splits a compact JWS without verifying it.
func decodeJWT(t testing.TB, token string) (header, claims map[string]any, sig []byte) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	for i, v := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	return header, claims, sig
}

var reqIDRe = regexp.MustCompile(`name="req_id" value="([^"]+)"`)

// loginForm reads a login form page and returns the pending request id.
func loginForm(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("want login form, got %d %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	m := reqIDRe.FindSubmatch(body)
	if m == nil || !strings.Contains(string(body), `name="email"`) || !strings.Contains(string(body), "Continue") {
		t.Fatalf("login form lacks req_id, email or Continue: %s", body)
	}
	return string(m[1])
}

// clock is a settable, concurrency-safe clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
