package conformance

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("connect/link-list-disconnect", testConnectAccount)
	register("connect/route-off-by-default-and-input-checked", testConnectRouteChecks)
	register("connect/denied-consent-links-nothing", testConnectDenied)
}

// connectHook records what OnCallback saw.
type connectHook struct {
	mu    sync.Mutex
	calls []auth0kit.CallbackInfo
	errs  []error
}

func (h *connectHook) option() auth0kit.Option {
	return auth0kit.WithHooks(auth0kit.Hooks{OnCallback: func(_ context.Context, err error, info auth0kit.CallbackInfo, _ *auth0kit.Session) (string, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.calls = append(h.calls, info)
		h.errs = append(h.errs, err)
		return "", nil
	}})
}

func (h *connectHook) last() (auth0kit.CallbackInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.calls) == 0 {
		return auth0kit.CallbackInfo{}, nil
	}
	return h.calls[len(h.calls)-1], h.errs[len(h.errs)-1]
}

func (e *env) connectedAccounts(query string) (*page, []auth0kit.ConnectedAccount) {
	p := e.browser.hit(e.appURL + "/api/connected-accounts" + query)
	var body struct {
		Accounts []auth0kit.ConnectedAccount `json:"accounts"`
	}
	_ = json.Unmarshal([]byte(p.body), &body)
	return p, body.Accounts
}

// testConnectAccount: connect → provider consent → callback → the hook
// sees the account → listed (paging followed) → disconnected → the
// connection's cached token is gone from the session.
func testConnectAccount(t *testing.T, h Harness) {
	hook := &connectHook{}
	e := setup(t, h, devop.Options{}, auth0kit.WithRoutes(auth0kit.Routes{ConnectAccountEndpoint: true}), hook.option())
	e.needDevop("Auth0 My Account API (Connected Accounts)")
	e.login("")
	if p := e.browser.hit(e.appURL + "/api/connection-token?connection=github"); p.StatusCode != http.StatusOK {
		t.Fatalf("connection token: %d %s", p.StatusCode, p.body)
	}
	// Three accounts: more than one page of the provider's list (page size 2).
	for i, conn := range []string{"google-oauth2", "github", "google-oauth2"} {
		q := "?connection=" + conn + "&returnTo=%2Fprivate&scopes%5B%5D=openid&scopes%5B%5D=profile&prompt=consent"
		if i == 1 {
			q = "?connection=" + conn + "&scopes=repo&scopes=user"
		}
		p := e.browse(e.appURL + "/auth/connect" + q)
		if e.onProvider(p) {
			t.Fatalf("connect %s stopped at the provider: %d %s", conn, p.StatusCode, p.body)
		}
		info, err := hook.last()
		if err != nil || info.ResponseType != "connect_code" || info.ConnectedAccount == nil || info.ConnectedAccount.Connection != conn {
			t.Fatalf("connect %s: hook saw %+v, err %v (page %d %s)", conn, info, err, p.StatusCode, p.body)
		}
		if i == 0 {
			if got := p.Request.URL.Path; got != "/private" {
				t.Errorf("after connect the browser is at %s, want /private", got)
			}
			if s := strings.Join(info.ConnectedAccount.Scopes, " "); s != "openid profile" {
				t.Errorf("scopes %q, want the bracket-form scopes", s)
			}
		}
		if i == 1 && strings.Join(info.ConnectedAccount.Scopes, " ") != "repo user" {
			t.Errorf("scopes %v, want the repeated-form scopes", info.ConnectedAccount.Scopes)
		}
	}
	if !e.loggedIn() {
		t.Fatal("connecting accounts ended the session")
	}
	p, accounts := e.connectedAccounts("")
	e.expectStatus(p, http.StatusOK)
	if len(accounts) != 3 {
		t.Fatalf("listed %d accounts, want 3 (the cursor must be followed): %s", len(accounts), p.body)
	}
	p, accounts = e.connectedAccounts("?disconnect=github")
	e.expectStatus(p, http.StatusOK)
	for _, a := range accounts {
		if a.Connection == "github" {
			t.Errorf("github still listed after DisconnectAccount: %s", p.body)
		}
	}
	if got := e.op.ConnectedAccounts(loginEmail); len(got) != 2 {
		t.Errorf("provider still has %v", got)
	}
	// The github token was dropped: asking again exchanges again.
	const grant = "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token"
	before := e.op.TokenRequests(grant)
	e.browser.hit(e.appURL + "/api/connection-token?connection=github")
	if e.op.TokenRequests(grant) != before+1 {
		t.Error("the disconnected connection's token is still cached in the session")
	}
	// The My Account token was persisted once obtained: one refresh per
	// scope set, not one per call.
	refreshes := e.refreshes()
	e.connectedAccounts("")
	if e.refreshes() != refreshes {
		t.Error("a cached My Account token was not reused (the refreshed token set was not persisted)")
	}
}

// testConnectRouteChecks: the route is absent unless enabled; without a
// connection it is 400, without a session 401, and an unknown connection
// is the API's 400 — never a redirect.
func testConnectRouteChecks(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	if p := e.browser.hit(e.appURL + "/auth/connect?connection=github"); p.StatusCode != http.StatusNotFound {
		t.Errorf("connect route mounted by default: %d", p.StatusCode)
	}
	e = setup(t, h, devop.Options{}, auth0kit.WithRoutes(auth0kit.Routes{ConnectAccountEndpoint: true}))
	if p := e.browser.hit(e.appURL + "/auth/connect?connection=github"); p.StatusCode != http.StatusUnauthorized {
		t.Errorf("no session: %d, want 401", p.StatusCode)
	}
	e.needDevop("Auth0 My Account API")
	e.login("")
	if p := e.browser.hit(e.appURL + "/auth/connect"); p.StatusCode != http.StatusBadRequest {
		t.Errorf("no connection: %d, want 400", p.StatusCode)
	}
	p := e.browser.hit(e.appURL + "/auth/connect?connection=" + url.QueryEscape("<script>"))
	if p.StatusCode != http.StatusBadRequest || strings.Contains(p.body, "<script>") {
		t.Errorf("unknown connection: %d %q, want 400 without the input echoed", p.StatusCode, p.body)
	}
	if !e.loggedIn() {
		t.Error("a refused connect ended the session")
	}
}

// testConnectDenied: a denied consent reaches the callback as an error;
// nothing is linked and the session stays.
func testConnectDenied(t *testing.T, h Harness) {
	hook := &connectHook{}
	e := setup(t, h, devop.Options{}, auth0kit.WithRoutes(auth0kit.Routes{ConnectAccountEndpoint: true}), hook.option())
	e.needDevop("Auth0 My Account API")
	e.login("")
	p := e.browser.get(e.appURL + "/auth/connect?connection=github")
	action, values, ok := providerForm(p)
	if !ok {
		t.Fatalf("no consent form: %d %s", p.StatusCode, p.body)
	}
	values.Set("decision", "deny")
	p = e.browser.post(action, values, true)
	if p.StatusCode < 400 || p.StatusCode >= 500 {
		t.Errorf("denied consent: %d, want a 4xx", p.StatusCode)
	}
	if _, err := hook.last(); err == nil {
		t.Error("the hook saw no error for a denied consent")
	}
	if got := e.op.ConnectedAccounts(loginEmail); len(got) != 0 {
		t.Errorf("linked %v", got)
	}
	if !e.loggedIn() {
		t.Error("a denied connect ended the session")
	}
}
