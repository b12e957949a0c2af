// Package conformance is the one suite of behaviour scenarios that every
// auth0kit adapter must pass. The cross-adapter tests (module
// conformance/crosstest) build each framework's app in a [Harness] and call
// [Run]; the scenarios drive it over real HTTP
// with a cookie jar against a real OpenID Provider (the development
// provider in package devop, or any OP given by [Provider]).
package conformance

import (
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

// noAutoLogin in devop.Options.AutoLoginEmail makes the provider show its
// login form instead of logging in automatically.
const noAutoLogin = "-"

// Harness is an adapter under test.
type Harness struct {
	// Name is the adapter's name, e.g. "nethttp".
	Name string
	// Serve serves client on ln until the test ends, with the adapter's
	// session middleware in front of these application routes:
	//
	//	GET /            public: 200 text "hello <sub>" or "hello anonymous"
	//	                 (read with the adapter's user accessor)
	//	GET /private     behind the adapter's page guard: 200 "private <sub>"
	//	GET /api/me      behind the adapter's API guard: 200 JSON
	//	                 {"sub":…,"sid":…} (sub of the user, sid of
	//	                 Session.Internal)
	//	GET /update      adds "updated":true to the session with
	//	                 Client.UpdateSession, then 200 "ok"
	//	GET /api/connection-token?connection=C
	//	                 behind the API guard: Client.GetAccessTokenForConnection
	//	                 for C; 200 JSON {"token","expires_at"}, or
	//	                 auth0kit.HTTPStatus(err) with {"error": err.Error()}
	//	GET /api/connected-accounts[?disconnect=C]
	//	                 behind the API guard: Client.DisconnectAccount(C)
	//	                 when asked, then Client.ConnectedAccounts; 200 JSON
	//	                 {"accounts":[…]}, or HTTPStatus(err) with {"error"}
	//	GET /api/call?base=B&url=U[&dpop=true|false][&audience=A]
	//	                 behind the API guard: GET U through Client.Fetcher
	//	                 bound to B (DPoP overridden when dpop is given);
	//	                 200 JSON {"status","body"} with the API's answer, or
	//	                 502 {"error","code"}, code the DPoPError's Code or
	//	                 "foreign_origin" (ErrForeignOrigin)
	//
	// and every route but / again under the prefix /app (/app/private,
	// /app/api/me…), for an application mounted under a path.
	//
	// It must return once the server accepts connections.
	Serve func(t *testing.T, ln net.Listener, client *auth0kit.Client)

	certified *certifiedOP // set by Run for the certified provider's pass
}

// env is one scenario's world: a provider, an app and a browser.
type env struct {
	t       *testing.T
	h       Harness
	op      *devop.Provider // nil on the certified provider
	issuer  string
	client  *auth0kit.Client
	appURL  string
	browser *browser
	clock   *clock
	// clientID and clientSecret are the app's registration at the provider.
	clientID, clientSecret string
}

// secret is the cookie secret of the apps under test.
const secret = "conformance-secret-0123456789-abcdefghijklmnopqrstuvwxyz"

// setup starts the scenario's provider (the development provider, or a
// fresh client registration at the certified one) and the adapter's app
// configured with opts (after the defaults: the provider, the client, the
// app's base URL, the secret and a controllable clock).
func setup(t *testing.T, h Harness, opOpts devop.Options, opts ...auth0kit.Option) *env {
	t.Helper()
	return setupClient(t, h, clientReg{}, opOpts, opts...)
}

// setupClient is setup with the app's client registered as reg says
// (client authentication method and credentials, PAR), at either provider.
func setupClient(t *testing.T, h Harness, reg clientReg, opOpts devop.Options, opts ...auth0kit.Option) *env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, h: h, appURL: "http://" + ln.Addr().String() + reg.basePath, clock: &clock{}}
	if h.certified != nil {
		e.issuer = h.certified.issuer
		if reg.tls != nil {
			reg.tls.useCertified(t, h.certified)
			e.issuer = h.certified.tlsIssuer
		}
		e.clientID, e.clientSecret = h.certified.register(t, e.appURL, reg)
	} else {
		switch opOpts.AutoLoginEmail {
		case "":
			opOpts.AutoLoginEmail = loginEmail
		case noAutoLogin:
			opOpts.AutoLoginEmail = ""
		}
		if opOpts.Now == nil {
			opOpts.Now = e.clock.Now // provider and app share one clock
		}
		if len(opOpts.Clients) == 0 {
			opOpts.Clients = []devop.Client{reg.devopClient(devop.Client{ID: devop.DefaultClientID, Secret: devop.DefaultClientSecret,
				BackchannelLogoutURI: e.appURL + "/auth/backchannel-logout"})}
		}
		if reg.tls != nil {
			e.op = reg.tls.start(t, opOpts)
		} else {
			e.op = devop.Start(t, opOpts)
		}
		e.issuer = e.op.Issuer()
		e.clientID, e.clientSecret = e.op.Client().ID, e.op.Client().Secret
	}
	base := append([]auth0kit.Option{
		auth0kit.WithDomain(e.issuer),
		auth0kit.WithClientID(e.clientID),
		auth0kit.WithClientSecret(e.clientSecret),
		auth0kit.WithSecret(secret),
		auth0kit.WithAppBaseURL(e.appURL),
		auth0kit.WithTuning(auth0kit.Tuning{Clock: e.clock.Now}),
	}, reg.appOptions()...)
	client, err := auth0kit.New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("auth0kit.New: %v", err)
	}
	e.client = client
	h.Serve(t, ln, client)
	e.browser = newBrowser(t)
	if reg.tls != nil { // the browser visits the provider over HTTPS too
		e.browser.hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: reg.tls.roots, MinVersion: tls.VersionTLS12}}
	}
	return e
}

// needDevop skips a scenario (or part) that needs the development
// provider's test hooks (token tampering, request counters, a shared
// clock, Auth0-only endpoints).
func (e *env) needDevop(why string) {
	e.t.Helper()
	if e.op == nil {
		e.t.Skip("needs the development provider: " + why)
	}
}

// certified reports whether the scenario runs against the certified
// provider.
func (e *env) certified() bool { return e.op == nil }

// Run runs every scenario against h, on the development provider and on
// the certified provider (node oidc-provider), as subtests
// "<provider>/<scenario>". AUTH0KIT_CONFORMANCE_PROVIDERS (a comma list of
// "devop", "oidc-provider") limits the providers, for quick local runs.
func Run(t *testing.T, h Harness) {
	only := os.Getenv("AUTH0KIT_CONFORMANCE_PROVIDERS")
	want := func(kind string) bool { return only == "" || slices.Contains(strings.Split(only, ","), kind) }
	rec := newRecorder(t, h.Name)
	if want(DevProvider) {
		t.Run(DevProvider, func(t *testing.T) { runScenarios(t, h, DevProvider, rec) })
	}
	if want(CertifiedProvider) {
		t.Run(CertifiedProvider, func(t *testing.T) {
			hc := h
			hc.certified = startCertified(t)
			runScenarios(t, hc, CertifiedProvider, rec)
		})
	}
}

func runScenarios(t *testing.T, h Harness, provider string, rec *recorder) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			if rec != nil {
				rec.record(t, provider, s.name)
			}
			s.run(t, h)
		})
	}
}

type scenario struct {
	name string
	run  func(t *testing.T, h Harness)
}

// scenarios is filled by the scenario files' init functions, in file
// order.
var scenarios []scenario

func register(name string, run func(t *testing.T, h Harness)) {
	scenarios = append(scenarios, scenario{name, run})
}

// clock is a time source the scenarios can move forward.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the shifted time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the app's and the provider's clock forward.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
