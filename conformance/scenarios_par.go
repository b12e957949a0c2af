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
	register("par/login-through-par", testPARLogin)
	register("par/required-client-refused-without-par", testPARRequiredClient)
	register("par/required-by-discovery-used-automatically", testPARRequiredByDiscovery)
	register("rar/login-details-round-trip", testRARLogin)
	register("organization/mismatch-refused", testOrganizationMismatch)
	register("organization/invitation-and-name", testOrganizationInvitation)
}

// expectPushed checks that a login redirect carries only client_id and
// request_uri, and returns the redirect.
func (e *env) expectPushed(p *page) *url.URL {
	e.t.Helper()
	e.expectStatus(p, http.StatusTemporaryRedirect)
	loc := p.location(e.t)
	q := loc.Query()
	if len(q) != 2 || q.Get("client_id") != e.clientID || !strings.HasPrefix(q.Get("request_uri"), "urn:") {
		e.t.Fatalf("PAR redirect %s, want only client_id and request_uri", loc)
	}
	return loc
}

func testPARLogin(t *testing.T, h Harness) {
	for _, reg := range []clientReg{{}, {method: auth0kit.ClientSecretBasic}} {
		e := setupClient(t, h, reg, devop.Options{}, auth0kit.WithPushedAuthorizationRequests(true))
		e.expectPushed(e.browser.hit(e.appURL + "/auth/login?ui_locales=fr&scope=openid%20profile"))
		p := e.login("returnTo=/private")
		e.expectStatus(p, http.StatusOK)
		if !strings.HasPrefix(p.body, "private ") {
			t.Fatalf("after a PAR login (%s): %q", reg.method, p.body)
		}
	}
}

func testPARRequiredClient(t *testing.T, h Harness) {
	reg := clientReg{requirePAR: true}
	e := setupClient(t, h, reg, devop.Options{})
	cb := e.authorize("")
	if cb.Query().Get("error") == "" {
		t.Fatalf("a PAR-only client logged in without PAR: %s", cb)
	}
	p := e.browser.hit(cb.String())
	if p.StatusCode != http.StatusBadRequest || e.loggedIn() {
		t.Fatalf("callback with the provider's refusal: %d", p.StatusCode)
	}
	e = setupClient(t, h, reg, devop.Options{}, auth0kit.WithPushedAuthorizationRequests(true))
	e.expectPushed(e.browser.hit(e.appURL + "/auth/login"))
	e.expectStatus(e.login(""), http.StatusOK)
	if !e.loggedIn() {
		t.Fatal("a PAR login of a PAR-only client failed")
	}
}

func testPARRequiredByDiscovery(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{RequirePushedAuthorizationRequests: true})
	e.needDevop("require_pushed_authorization_requests in discovery")
	e.expectPushed(e.browser.hit(e.appURL + "/auth/login"))
	e.expectStatus(e.login(""), http.StatusOK)
	if !e.loggedIn() {
		t.Fatal("login failed")
	}
}

// detailsHook records the authorization_details of each callback.
type detailsHook struct {
	mu  sync.Mutex
	got json.RawMessage
}

func (d *detailsHook) option() auth0kit.Option {
	return auth0kit.WithHooks(auth0kit.Hooks{OnCallback: func(_ context.Context, _ error, info auth0kit.CallbackInfo, _ *auth0kit.Session) (string, error) {
		d.mu.Lock()
		d.got = info.AuthorizationDetails
		d.mu.Unlock()
		return "", nil
	}})
}

func testRARLogin(t *testing.T, h Harness) {
	details := `[{"type":"payment_initiation","instructedAmount":{"currency":"EUR","amount":"123.50"},"creditorName":"Merchant A"}]`
	for _, par := range []bool{false, true} {
		var hook detailsHook
		e := setup(t, h, devop.Options{}, hook.option(), auth0kit.WithPushedAuthorizationRequests(par))
		p := e.login("authorization_details=" + url.QueryEscape(details))
		e.expectStatus(p, http.StatusOK)
		hook.mu.Lock()
		got := hook.got
		hook.mu.Unlock()
		var list []map[string]any
		if err := json.Unmarshal(got, &list); err != nil || len(list) != 1 || list[0]["type"] != "payment_initiation" ||
			list[0]["creditorName"] != "Merchant A" {
			t.Fatalf("PAR %v: granted authorization_details %s", par, got)
		}
		// A malformed array is refused before any redirect.
		bad := e.browser.hit(e.appURL + "/auth/login?authorization_details=" + url.QueryEscape(`{"type":"x"}`))
		if bad.StatusCode != http.StatusBadRequest {
			t.Fatalf("malformed authorization_details: %d", bad.StatusCode)
		}
	}
}

func testOrganizationMismatch(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	if e.op != nil { // devop honours organization: make it answer another one
		e.op.TamperNextIDToken(func(tok *devop.IDToken) { tok.Claims["org_id"] = "org_someoneelse" })
	}
	// The certified provider knows no organizations: no org_id at all.
	cb := e.authorize("organization=org_requested")
	p := e.browser.hit(cb.String())
	if p.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback with another organization: %d %q", p.StatusCode, p.body)
	}
	if e.loggedIn() {
		t.Fatal("logged in with an ID token of another organization")
	}
}

func testOrganizationInvitation(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	e.needDevop("organizations")
	p := e.browser.hit(e.appURL + "/auth/login?organization=org_acme&invitation=inv_123")
	q := p.location(t).Query()
	if q.Get("organization") != "org_acme" || q.Get("invitation") != "inv_123" {
		t.Fatalf("authorize query %v lacks organization and invitation", q)
	}
	e.expectStatus(e.login("organization=org_acme&invitation=inv_123"), http.StatusOK)
	if !e.loggedIn() {
		t.Fatal("organization login failed")
	}
	// A name is compared case-insensitively with org_name.
	e2 := setup(t, h, devop.Options{})
	e2.expectStatus(e2.login("organization=Acme%20Corp"), http.StatusOK)
	if !e2.loggedIn() {
		t.Fatal("organization login by name failed")
	}
	// An invitation alone is refused.
	if p := e2.browser.hit(e2.appURL + "/auth/login?invitation=inv_123"); p.StatusCode != http.StatusBadRequest {
		t.Fatalf("invitation without organization: %d", p.StatusCode)
	}
}
