package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/internal/wire"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// covFlakyStore is a memory session store whose reads fail while down is
// set and whose writes fail while down or setDown is set; stale, when
// set, adds a cached token of connection "stale" to every session read.
type covFlakyStore struct {
	sessionstore.Store
	down, setDown, stale atomic.Bool
}

func (s *covFlakyStore) Get(ctx context.Context, id string) (*Session, error) {
	if s.down.Load() {
		return nil, errors.New("store down")
	}
	v, err := s.Store.Get(ctx, id)
	if v != nil && s.stale.Load() {
		v = wire.CloneSession(v)
		setConnectionTokenSets(v, append(connectionTokenSets(v), ConnectionTokenSet{AccessToken: "x", Connection: "stale", ExpiresAt: 1 << 40}))
	}
	return v, err
}

func (s *covFlakyStore) Set(ctx context.Context, id string, v *Session, exp time.Time) error {
	if s.down.Load() || s.setDown.Load() {
		return errors.New("store down")
	}
	return s.Store.Set(ctx, id, v, exp)
}

// TestCovCallMyAccount: the one My Account call: request shape, problem
// answers, unusable answers, local failures.
func TestCovCallMyAccount(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	ctx := context.Background()
	bearer := &AccessToken{Token: "tok", TokenType: "Bearer"}

	op.handleJSON("/me/v1/things", 200, map[string]string{"name": "x"})
	var out struct{ Name string }
	if err := c.callMyAccount(ctx, bearer, "PUT", "things", map[string]int{"n": 1}, &out); err != nil || out.Name != "x" {
		t.Fatalf("%+v %v", out, err)
	}
	r := op.lastTo("/me/v1/things")
	if r.Method != "PUT" || r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Accept") != "application/json" ||
		r.Header.Get("Content-Type") != "application/json" || string(r.Body) != `{"n":1}` {
		t.Fatalf("request %s %v %s", r.Method, r.Header, r.Body)
	}
	if err := c.callMyAccount(ctx, bearer, "GET", "things", nil, nil); err != nil {
		t.Fatalf("no out: %v", err)
	}
	if r := op.lastTo("/me/v1/things"); r.Header.Get("Content-Type") != "" || len(r.Body) != 0 {
		t.Fatalf("a body-less call sent %v %q", r.Header, r.Body)
	}

	op.handle("/me/v1/empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	out.Name = "kept"
	if err := c.callMyAccount(ctx, bearer, "DELETE", "empty", nil, &out); err != nil || out.Name != "kept" {
		t.Fatalf("204: %+v %v", out, err)
	}

	op.handle("/me/v1/garbage", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("not json")) })
	if err := c.callMyAccount(ctx, bearer, "GET", "garbage", nil, &out); err == nil || !strings.Contains(err.Error(), "not the expected JSON") {
		t.Fatalf("garbage: %v", err)
	}

	op.handle("/me/v1/html-error", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html>proxy error</html>"))
	})
	err := c.callMyAccount(ctx, bearer, "GET", "html-error", nil, &out)
	var mae *MyAccountError
	if !errors.As(err, &mae) || mae.Status != 502 || mae.Title != "" || mae.Error() != "auth0kit: the My Account API answered 502" {
		t.Fatalf("html error: %#v", err)
	}
	op.handle("/me/v1/long-problem", covProblem(409, "Conflict", strings.Repeat("d", 5000)))
	if err := c.callMyAccount(ctx, bearer, "GET", "long-problem", nil, nil); !errors.As(err, &mae) || mae.Status != 409 ||
		mae.Type == "" || len(mae.Detail) >= 5000 {
		t.Fatalf("long problem: %#v", err)
	}

	// The answer breaks off before its announced length.
	op.handle("/me/v1/short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte(`{"na`))
	})
	if err := c.callMyAccount(ctx, bearer, "GET", "short", nil, &out); err == nil || errors.As(err, &mae) {
		t.Fatalf("short body: %v", err)
	}

	// Local failures never reach the API.
	n := len(op.requestsTo("/me/v1/x")) + len(op.requestsTo("/me/v1/things"))
	if err := c.callMyAccount(ctx, bearer, "POST", "x", make(chan int), nil); err == nil {
		t.Fatal("an unencodable body was sent")
	}
	if err := c.callMyAccount(ctx, bearer, "BAD METHOD", "x", nil, nil); err == nil {
		t.Fatal("a bad method was sent")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.callMyAccount(cancelled, bearer, "GET", "things", nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if len(op.requestsTo("/me/v1/x"))+len(op.requestsTo("/me/v1/things")) != n {
		t.Fatal("a failed call reached the API")
	}
}

func TestCovMyAccountErrorText(t *testing.T) {
	for _, tc := range []struct {
		e    MyAccountError
		want string
	}{
		{MyAccountError{Status: 400}, "auth0kit: the My Account API answered 400"},
		{MyAccountError{Status: 403, Title: "Forbidden"}, "auth0kit: the My Account API answered 403: Forbidden"},
		{MyAccountError{Status: 404, Detail: "no such account"}, "auth0kit: the My Account API answered 404 (no such account)"},
		{MyAccountError{Status: 409, Title: "Conflict", Detail: "exists"}, "auth0kit: the My Account API answered 409: Conflict (exists)"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}

// TestCovMyAccountDPoP: a DPoP-bound My Account token goes with the DPoP
// scheme and a proof for the API's URL, and a use_dpop_nonce challenge is
// answered once with the body sent again.
func TestCovMyAccountDPoP(t *testing.T) {
	op := newScriptOP(t)
	_, priv, _ := GenerateDPoPKey()
	// A key without UseDPoP: the key still serves DPoP-bound tokens.
	c := newScriptClient(t, op, WithDPoP(DPoPOptions{PrivateKey: priv}), WithDPoP(DPoPOptions{RetryDelay: time.Nanosecond}))
	var calls atomic.Int32
	op.handle("/me/v1/connected-accounts/connect", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("DPoP-Nonce", "n-1")
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		writeJSON(w, 200, map[string]string{"echo": string(body)})
	})
	var out struct{ Echo string }
	tok := &AccessToken{Token: "bound", TokenType: "DPoP"}
	if err := c.callMyAccount(context.Background(), tok, "POST", "connected-accounts/connect", map[string]string{"a": "b"}, &out); err != nil {
		t.Fatal(err)
	}
	reqs := op.requestsTo("/me/v1/connected-accounts/connect")
	if len(reqs) != 2 || out.Echo != `{"a":"b"}` {
		t.Fatalf("%d requests, echo %q", len(reqs), out.Echo)
	}
	for i, r := range reqs {
		if r.Header.Get("Authorization") != "DPoP bound" {
			t.Fatalf("request %d: Authorization %q", i, r.Header.Get("Authorization"))
		}
		cl := verifyProof(t, r.Header.Get("DPoP"))
		if cl.HTM != "POST" || cl.HTU != op.srv.URL+"/me/v1/connected-accounts/connect" || cl.ATH != ath("bound") {
			t.Fatalf("proof %d: %+v", i, cl)
		}
		if want := map[int]string{0: "", 1: "n-1"}[i]; cl.Nonce != want {
			t.Fatalf("proof %d nonce %q, want %q", i, cl.Nonce, want)
		}
	}
	var raw map[string]string
	if json.Unmarshal(reqs[1].Body, &raw) != nil || raw["a"] != "b" {
		t.Fatalf("retry body %q", reqs[1].Body)
	}
}

// TestCovConnectStoreDown: a session store that fails mid-flow fails the
// flow with a store error (503), never a half-done success.
func TestCovConnectStoreDown(t *testing.T) {
	op := newScriptOP(t)
	covConnectOK(op)
	op.handleJSON(covMAComplete, 201, map[string]any{"id": "acc", "connection": "github"})
	op.handleJSON(covMAAccounts, 200, map[string]any{"accounts": []map[string]any{{"id": "a", "connection": "github"}}})
	store := &covFlakyStore{Store: sessionstore.NewMemory()}
	c := newScriptClient(t, op, WithRoutes(Routes{ConnectAccountEndpoint: true}), WithSessionStore(store))
	f := op.login(c, "")

	// The start refreshes the My Account token; saving it fails.
	store.down.Store(true)
	res, _ := covServe(t, c, "GET", "/auth/connect", "connection=github", f.Cookies)
	if res.Status != http.StatusServiceUnavailable {
		t.Fatalf("start with the store down: %d %s", res.Status, res.Body)
	}
	store.down.Store(false)
	state, cookies := covStartConnect(t, op, c, f.Cookies, "")
	store.down.Store(true)
	res, _ = covServe(t, c, "GET", "/auth/callback", "connect_code=cc&state="+state, cookies)
	if res.Status != http.StatusServiceUnavailable {
		t.Fatalf("callback with the store down: %d %s", res.Status, res.Body)
	}
	ctx, _ := boundRequest(c, "GET", "/", cookies)
	if _, err := c.ConnectedAccounts(ctx); !errors.Is(err, ErrSessionStore) {
		t.Fatalf("list with the store down: %v", err)
	}

	// The list's token is cached; pruning a stale connection token then
	// cannot be saved.
	store.down.Store(false)
	ctx, ex := boundRequest(c, "GET", "/", cookies)
	if _, err := c.ConnectedAccounts(ctx); err != nil {
		t.Fatal(err)
	}
	tokens := len(op.requestsTo("/oauth/token"))
	store.stale.Store(true)
	store.setDown.Store(true)
	ctx, _ = boundRequest(c, "GET", "/", mergeCookies(cookies, ex.set))
	if _, err := c.ConnectedAccounts(ctx); !errors.Is(err, ErrSessionStore) {
		t.Fatalf("prune with the store down: %v", err)
	}
	if len(op.requestsTo("/oauth/token")) != tokens {
		t.Fatal("the cached token was not used")
	}
}
