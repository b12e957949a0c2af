// Package conformance is the one suite of behaviour scenarios that every
// auth0kit adapter must pass. An adapter's test builds its framework's app
// in a [Harness] and calls [Run]; the scenarios drive it over real HTTP
// with a cookie jar against a real OpenID Provider (the development
// provider in package devop, or any OP given by [Provider]).
package conformance

import (
	"net"
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
	//
	// It must return once the server accepts connections.
	Serve func(t *testing.T, ln net.Listener, client *auth0kit.Client)
}

// env is one scenario's world: a provider, an app and a browser.
type env struct {
	t       *testing.T
	h       Harness
	op      *devop.Provider
	appURL  string
	client  *auth0kit.Client
	browser *browser
	clock   *clock
}

// secret is the cookie secret of the apps under test.
const secret = "conformance-secret-0123456789-abcdefghijklmnopqrstuvwxyz"

// setup starts a development provider and the adapter's app configured
// with opts (after the defaults: the provider, its client, the app's base
// URL, the secret and a controllable clock).
func setup(t *testing.T, h Harness, opOpts devop.Options, opts ...auth0kit.Option) *env {
	t.Helper()
	switch opOpts.AutoLoginEmail {
	case "":
		opOpts.AutoLoginEmail = "jane.doe@example.com"
	case noAutoLogin:
		opOpts.AutoLoginEmail = ""
	}
	clk := &clock{}
	if opOpts.Now == nil {
		opOpts.Now = clk.Now // provider and app share one clock
	}
	op := devop.Start(t, opOpts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, h: h, op: op, appURL: "http://" + ln.Addr().String(), clock: clk}
	base := []auth0kit.Option{
		auth0kit.WithDomain(op.Issuer()),
		auth0kit.WithClientID(op.Client().ID),
		auth0kit.WithClientSecret(op.Client().Secret),
		auth0kit.WithSecret(secret),
		auth0kit.WithAppBaseURL(e.appURL),
		auth0kit.WithClock(e.clock.Now),
	}
	client, err := auth0kit.New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("auth0kit.New: %v", err)
	}
	e.client = client
	h.Serve(t, ln, client)
	e.browser = newBrowser(t)
	return e
}

// Run runs every scenario against h, each as a subtest named after it.
func Run(t *testing.T, h Harness) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
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
