package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/adapter"
)

// Account linking (auth0-server-js startLinkUser / startUnlinkUser): the
// development provider implements Auth0's link_account / unlink_account
// authorize semantics; node oidc-provider has none.
func init() {
	register("link/link-and-unlink-round-trip-with-appstate", testLinkRoundTrip)
	register("link/routes-link-and-unlink", testLinkRoutes)
	register("link/unlink-without-session-refused", testUnlinkNoSession)
	register("link/routes-not-mounted-by-default", testLinkRoutesOff)
}

// callbackRecorder keeps what the OnCallback hook saw.
type callbackRecorder struct {
	mu    sync.Mutex
	flows []string
	state []json.RawMessage
}

func (cr *callbackRecorder) hook() auth0kit.Option {
	return auth0kit.WithHooks(auth0kit.Hooks{OnCallback: func(_ context.Context, err error, info auth0kit.CallbackInfo, _ *auth0kit.Session) (string, error) {
		cr.mu.Lock()
		defer cr.mu.Unlock()
		cr.flows = append(cr.flows, info.Flow)
		cr.state = append(cr.state, info.AppState)
		return "", err
	}})
}

func (cr *callbackRecorder) last() (string, string) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if len(cr.flows) == 0 {
		return "", ""
	}
	return cr.flows[len(cr.flows)-1], string(cr.state[len(cr.state)-1])
}

// startLinkFlow calls StartLinkUser or StartUnlinkUser in a request made
// with the browser's cookies (as an app handler would), stores the
// transaction cookie in the browser and returns the authorization URL.
func (e *env) startLinkFlow(unlink bool, opts auth0kit.LinkOptions) (string, error) {
	e.t.Helper()
	u := mustURL(e.appURL + "/settings")
	r := httptest.NewRequest(http.MethodGet, u.String(), nil)
	for _, c := range e.browser.jar.Cookies(u) {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	ctx := e.client.Adapter().Bind(context.Background(), adapter.NewHTTPExchange(w, r))
	start := e.client.StartLinkUser
	if unlink {
		start = e.client.StartUnlinkUser
	}
	loc, err := start(ctx, opts)
	e.browser.jar.SetCookies(u, w.Result().Cookies())
	return loc, err
}

// linkedIdentities returns the connections of the session user's
// "identities" claim, from /auth/profile.
func (e *env) linkedIdentities() []string {
	e.t.Helper()
	p := e.browser.hit(e.appURL + e.client.Routes().Profile)
	e.expectStatus(p, http.StatusOK)
	var u struct {
		Identities []struct{ Connection string } `json:"identities"`
	}
	if err := json.Unmarshal([]byte(p.body), &u); err != nil {
		e.t.Fatalf("profile %q: %v", p.body, err)
	}
	var out []string
	for _, id := range u.Identities {
		out = append(out, id.Connection)
	}
	return out
}

func setupLink(t *testing.T, h Harness, cr *callbackRecorder) *env {
	claims := append(slices.Clone(auth0kit.DefaultIDTokenClaims), "identities")
	e := setup(t, h, devop.Options{}, auth0kit.WithRoutes(auth0kit.Routes{AccountLinking: true}), auth0kit.WithIDTokenClaims(claims...), cr.hook())
	e.needDevop("Auth0's link_account / unlink_account authorize semantics")
	return e
}

// testLinkRoundTrip links github with StartLinkUser and unlinks it with
// StartUnlinkUser; each completes through the callback route with its
// appState reaching OnCallback, and the new ID token's identities.
func testLinkRoundTrip(t *testing.T, h Harness) {
	cr := &callbackRecorder{}
	e := setupLink(t, h, cr)
	e.login("")
	sub := e.profileSub()
	loc, err := e.startLinkFlow(false, auth0kit.LinkOptions{Connection: "github", ConnectionScope: "repo",
		AppState: map[string]string{"from": "settings"}, ReturnTo: "/private"})
	if err != nil {
		t.Fatalf("StartLinkUser: %v", err)
	}
	q := mustURL(loc).Query()
	if q.Get("scope") != "openid link_account offline_access" || q.Get("requested_connection") != "github" ||
		q.Get("requested_connection_scope") != "repo" || q.Get("id_token_hint") == "" ||
		q.Get("code_challenge_method") != "S256" || q.Get("state") == "" || q.Get("nonce") == "" {
		t.Fatalf("link authorization URL %s", loc)
	}
	p := e.browse(loc)
	e.expectStatus(p, http.StatusOK)
	if !strings.HasPrefix(p.body, "private ") {
		t.Fatalf("after linking: %q at %s, want /private", p.body, p.Request.URL)
	}
	if flow, st := cr.last(); flow != "link" || st != `{"from":"settings"}` {
		t.Fatalf("OnCallback saw flow %q appState %s", flow, st)
	}
	if got := e.op.LinkedConnections(sub); !slices.Equal(got, []string{"github"}) {
		t.Fatalf("linked at the provider: %v", got)
	}
	if got := e.linkedIdentities(); !slices.Equal(got, []string{"github"}) || e.profileSub() != sub {
		t.Fatalf("session identities %v", got)
	}

	loc, err = e.startLinkFlow(true, auth0kit.LinkOptions{Connection: "github", AppState: []int{1, 2}})
	if err != nil {
		t.Fatalf("StartUnlinkUser: %v", err)
	}
	q = mustURL(loc).Query()
	if q.Get("scope") != "openid unlink_account" || q.Get("requested_connection") != "github" || q.Has("requested_connection_scope") {
		t.Fatalf("unlink authorization URL %s", loc)
	}
	e.expectStatus(e.browse(loc), http.StatusOK)
	if flow, st := cr.last(); flow != "unlink" || st != `[1,2]` {
		t.Fatalf("OnCallback saw flow %q appState %s", flow, st)
	}
	if got := e.op.LinkedConnections(sub); len(got) != 0 {
		t.Fatalf("still linked at the provider: %v", got)
	}
	if got := e.linkedIdentities(); len(got) != 0 {
		t.Fatalf("session identities after unlink %v", got)
	}
}

// testLinkRoutes drives /auth/link and /auth/unlink, with returnTo as on
// login.
func testLinkRoutes(t *testing.T, h Harness) {
	cr := &callbackRecorder{}
	e := setupLink(t, h, cr)
	e.login("")
	p := e.browse(e.appURL + "/auth/link?connection=google-oauth2&returnTo=" + url.QueryEscape("/private"))
	if !strings.HasPrefix(p.body, "private ") {
		t.Fatalf("after /auth/link: %d %q", p.StatusCode, p.body)
	}
	if got := e.linkedIdentities(); !slices.Equal(got, []string{"google-oauth2"}) {
		t.Fatalf("identities %v", got)
	}
	p = e.browse(e.appURL + "/auth/unlink?connection=google-oauth2&returnTo=" + url.QueryEscape("https://evil.example/"))
	e.expectStatus(p, http.StatusOK)
	if p.Request.URL.Host != mustURL(e.appURL).Host {
		t.Fatalf("open redirect to %s", p.Request.URL)
	}
	if got := e.linkedIdentities(); len(got) != 0 {
		t.Fatalf("identities after unlink %v", got)
	}
	// A connection is required.
	e.expectStatus(e.browser.hit(e.appURL+"/auth/link"), http.StatusBadRequest)
}

// testUnlinkNoSession: link and unlink need a session.
func testUnlinkNoSession(t *testing.T, h Harness) {
	cr := &callbackRecorder{}
	e := setupLink(t, h, cr)
	for _, path := range []string{"/auth/unlink?connection=github", "/auth/link?connection=github"} {
		p := e.browser.hit(e.appURL + path)
		e.expectStatus(p, http.StatusUnauthorized)
		if p.Header.Get("Location") != "" || len(e.browser.cookieNames(e.appURL)) != 0 {
			t.Fatalf("%s without a session redirected or set cookies", path)
		}
	}
	_, err := e.startLinkFlow(true, auth0kit.LinkOptions{Connection: "github"})
	if !errors.Is(err, auth0kit.ErrNoSession) {
		t.Fatalf("StartUnlinkUser without a session: %v", err)
	}
}

// testLinkRoutesOff: without Routes.AccountLinking the routes are the app's.
func testLinkRoutesOff(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.login("")
	for _, path := range []string{"/auth/link?connection=github", "/auth/unlink?connection=github"} {
		if p := e.browser.hit(e.appURL + path); p.StatusCode != http.StatusNotFound {
			t.Fatalf("%s answered %d without Routes.AccountLinking", path, p.StatusCode)
		}
	}
}
