// Package e2e holds auth0kit's browser-level end-to-end test.
//
// TestBrowserLogin builds the development OpenID Provider
// (conformance/cmd/devop) and the Gin example (examples/gin), starts both
// on free loopback ports, and drives a headless Chromium through a whole
// login: the app's "Log in" link, the provider's login form, the protected
// page, the protected JSON API and the logout.
//
// TestQuickstartLogins does the same through each README quickstart
// (net/http, Gin, Echo v4, Echo v5, Fiber v2, Fiber v3): each is built as
// written in a module outside the repository (conformance/quickstart
// extracts it; only its ":3000" listen address moves to a free port),
// started against one development provider, and logged in and out.
// `make e2e-quickstarts` runs it.
//
// The tests are skipped unless AUTH0KIT_E2E=1 is set, so that `go test work`
// stays fast and needs no browser; `make e2e` sets it. With AUTH0KIT_E2E=1
// the test needs Chromium at /usr/bin/chromium (Debian/Ubuntu:
// `apt-get install -y chromium`), or the browser binary named by
// CHROMIUM_PATH:
//
//	AUTH0KIT_E2E=1 go test -count=1 -v ./conformance/e2e/...
//
// The package has no non-test code; it is a module of its own so that the
// browser driver (github.com/chromedp/chromedp) stays out of the other
// modules' dependencies.
package e2e
