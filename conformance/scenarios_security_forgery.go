package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/adapter"
)

func init() {
	register("security/forgery-transaction-cookie-as-session", testForgeryTransactionCookie)
	register("security/forgery-mfa-token-as-session", testForgeryMfaToken)
	register("security/mfa-token-bound-to-its-session", testMfaTokenBound)
}

// expectNoSessionWith sends value as __session and checks that every guard
// treats the request as logged out.
func (e *env) expectNoSessionWith(what, value string) {
	e.t.Helper()
	e.browser.setCookie(e.appURL, "__session", value)
	g := e.browser.hit(e.appURL + "/private")
	if g.StatusCode/100 != 3 || !strings.HasPrefix(g.Header.Get("Location"), e.client.Routes().Login) {
		e.t.Fatalf("%s as __session: /private answered %d (Location %q), want a redirect to login",
			what, g.StatusCode, g.Header.Get("Location"))
	}
	e.expectStatus(e.browser.hit(e.appURL+"/api/me"), http.StatusUnauthorized)
	e.expectStatus(e.browser.hit(e.appURL+e.client.Routes().Profile), http.StatusUnauthorized)
}

// testForgeryTransactionCookie: any visitor gets a __txn_ cookie from
// /auth/login; its encrypted value must never pass as a session.
func testForgeryTransactionCookie(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	p := e.browser.hit(e.appURL + e.client.Routes().Login)
	if p.StatusCode/100 != 3 {
		t.Fatalf("login answered %d, want a redirect", p.StatusCode)
	}
	var txn string
	for _, c := range p.setCookies() {
		if strings.HasPrefix(c.Name, "__txn_") && c.Value != "" {
			txn = c.Value
		}
	}
	if txn == "" {
		t.Fatalf("no __txn_ cookie from login; Set-Cookie %v", p.Header.Values("Set-Cookie"))
	}
	if dec, err := url.QueryUnescape(txn); err == nil {
		txn = dec
	}
	bare := txn
	if i := strings.IndexByte(bare, ':'); i >= 0 {
		bare = bare[i+1:]
	}
	if strings.Count(bare, ".") != 4 {
		t.Fatalf("transaction value is not a JWE: %.40q", bare)
	}
	e.expectNoSessionWith("the transaction JWE", bare)
	e.expectNoSessionWith("the whole transaction cookie value", txn)
}

// testForgeryMfaToken: the encrypted mfa_token of a 403 must never pass as
// a session (in a browser that has none).
func testForgeryMfaToken(t *testing.T, h Harness) {
	const api2 = "https://api2.example.com/"
	e := setup(t, h, devop.Options{MFAAudiences: []string{api2}}, auth0kit.WithAudienceScopes(map[string]string{
		api2: auth0kit.DefaultScope}))
	e.needDevop("an MFA policy")
	e.login("")
	p := e.browser.fetch(e.appURL + e.client.Routes().AccessToken + "?audience=" + api2)
	e.expectStatus(p, http.StatusForbidden)
	var body struct {
		MfaToken string `json:"mfa_token"`
	}
	if err := json.Unmarshal([]byte(p.body), &body); err != nil || body.MfaToken == "" {
		t.Fatalf("403 body %s", p.body)
	}
	e.browser = newBrowser(t) // the attacker's browser: no session
	e.expectNoSessionWith("the mfa_token", body.MfaToken)
}

// mfaVerifyAs calls MFA Verify as the browser b would (its cookies on the
// request) and hands the cookies it sets back to b.
func (e *env) mfaVerifyAs(b *browser, mfaToken string) error {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, e.appURL+"/mfa/verify", nil)
	pu, _ := url.Parse(e.appURL)
	for _, c := range b.jar.Cookies(pu) {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	ctx := e.client.Adapter().Bind(context.Background(), adapter.NewHTTPExchange(rec, req))
	_, err := e.client.MFA().Verify(ctx,
		auth0kit.VerifyOptions{MfaToken: mfaToken, OTP: devop.DefaultMFACode})
	b.jar.SetCookies(pu, rec.Result().Cookies())
	return err
}

// testMfaTokenBound: an mfa_token from one session's 403 is refused (403,
// ErrMfaSessionMismatch, before the provider is called) with no session or
// another session, and completes the step-up in its own session.
func testMfaTokenBound(t *testing.T, h Harness) {
	const api2 = "https://api2.example.com/"
	e := setup(t, h, devop.Options{MFAAudiences: []string{api2}}, auth0kit.WithAudienceScopes(map[string]string{
		api2: auth0kit.DefaultScope}))
	e.needDevop("an MFA policy")
	victim := e.browser
	e.login("")
	p := victim.fetch(e.appURL + e.client.Routes().AccessToken + "?audience=" + api2)
	e.expectStatus(p, http.StatusForbidden)
	var body struct {
		MfaToken string `json:"mfa_token"`
	}
	if err := json.Unmarshal([]byte(p.body), &body); err != nil || body.MfaToken == "" {
		t.Fatalf("403 body %s", p.body)
	}

	// Another session (a second login: another sid) and no session.
	other := newBrowser(t)
	e.browser = other
	e.login("")
	for name, b := range map[string]*browser{"another session": other, "no session": newBrowser(t)} {
		err := e.mfaVerifyAs(b, body.MfaToken)
		if !errors.Is(err, auth0kit.ErrMfaSessionMismatch) || auth0kit.HTTPStatus(err) != http.StatusForbidden {
			t.Fatalf("%s: Verify err = %v (status %d), want ErrMfaSessionMismatch, 403", name, err, auth0kit.HTTPStatus(err))
		}
	}
	e.browser = other
	if p := other.fetch(e.appURL + e.client.Routes().AccessToken + "?audience=" + api2); p.StatusCode != http.StatusForbidden {
		t.Fatalf("the other session got a step-up token: %d %s", p.StatusCode, p.body)
	}

	// Its own session: the step-up completes and is stored there.
	e.browser = victim
	if err := e.mfaVerifyAs(victim, body.MfaToken); err != nil {
		t.Fatalf("Verify in the token's own session: %v", err)
	}
	e.expectStatus(victim.fetch(e.appURL+e.client.Routes().AccessToken+"?audience="+api2), http.StatusOK)
}
