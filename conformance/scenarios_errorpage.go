package conformance

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func init() {
	register("callback/missing-transaction-explained", testMissingTransactionExplained)
}

// testMissingTransactionExplained: a callback whose transaction cookie did
// not come back (another host, cookies blocked, a second tab) is a 400
// that explains the likely causes: an HTML page for browsers, JSON for
// Accept: application/json, plain text otherwise; nosniff, fixed text,
// nothing of the request echoed. A tampered state gets the same treatment.
func testMissingTransactionExplained(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{})
	cb := e.authorize("returnTo=/private")
	code := cb.Query().Get("code")
	probe := withParam(cb, "error_description", "<script>PROBE</script>")

	const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	cases := []struct {
		name, url, accept, ctype string
		contains                 []string
	}{
		{"html", probe, browserAccept, "text/html", []string{"<!doctype html>", "Likely causes", "cookies", "another tab",
			"APP_BASE_URL", `href="/auth/login"`}},
		{"json", probe, "application/json", "application/json", []string{`"error":"invalid_state"`, `"hints"`}},
		{"text", probe, "*/*", "text/plain", []string{"state parameter is invalid"}},
		{"tampered state html", strings.Replace(probe, "state=", "state=x", 1), browserAccept, "text/html", []string{"Likely causes"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			p := newBrowser(t).hit(tc.url, "Accept", tc.accept) // a browser without the transaction cookie
			e.expectStatus(p, http.StatusBadRequest)
			if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Fatalf("Content-Type %q, want %s", ct, tc.ctype)
			}
			if p.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatal("the error answer has no X-Content-Type-Options: nosniff")
			}
			for _, want := range tc.contains {
				if !strings.Contains(p.body, want) {
					t.Fatalf("body lacks %q:\n%s", want, p.body)
				}
			}
			if strings.Contains(p.body, "PROBE") || (code != "" && strings.Contains(p.body, code)) {
				t.Fatalf("the answer echoes the request:\n%s", p.body)
			}
			if tc.ctype == "application/json" && !json.Valid([]byte(p.body)) {
				t.Fatalf("invalid JSON: %s", p.body)
			}
		})
	}
	// The transaction is still there for the browser that started it.
	e.t = t
	if p := e.browser.get(cb.String()); !strings.HasPrefix(p.body, "private ") {
		t.Fatalf("the real callback after the refused ones: %d %q", p.StatusCode, p.body)
	}
}
