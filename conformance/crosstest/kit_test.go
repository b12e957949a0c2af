package crosstest

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/valyala/fasthttp"
)

// guard is what stands in front of a route.
type guard int

const (
	open      guard = iota // no guard
	pageGuard              // the adapter's RequireAuth
	apiGuard               // the adapter's RequireAuthAPI; kits mount these on a group where the framework has groups
)

// route is one GET route of a test app, in no framework's idiom.
type route struct {
	path  string
	guard guard
	h     func(q req) error
}

// req is what a route handler sees: the adapter's accessors and the
// framework's way of answering, behind one interface.
type req interface {
	Context() context.Context
	Query(name string) string
	User() *auth0kit.User
	Session() *auth0kit.Session
	UpdateSession(client *auth0kit.Client, s *auth0kit.Session) error
	Text(status int, body string) error
	JSON(status int, body any) error
}

// ops are a framework's accessors over its request context C; [reqOf]
// makes a [req] of them.
type ops[C any] struct {
	ctx     func(C) context.Context
	query   func(C, string) string
	user    func(C) *auth0kit.User
	session func(C) *auth0kit.Session
	update  func(C, *auth0kit.Client, *auth0kit.Session) error
	text    func(C, int, string) error
	json    func(C, int, any) error
}

type opsReq[C any] struct {
	c C
	o *ops[C]
}

func reqOf[C any](c C, o *ops[C]) req { return opsReq[C]{c, o} }

func (q opsReq[C]) Context() context.Context { return q.o.ctx(q.c) }
func (q opsReq[C]) Query(n string) string    { return q.o.query(q.c, n) }
func (q opsReq[C]) User() *auth0kit.User     { return q.o.user(q.c) }
func (q opsReq[C]) Session() *auth0kit.Session {
	return q.o.session(q.c)
}
func (q opsReq[C]) UpdateSession(cl *auth0kit.Client, s *auth0kit.Session) error {
	return q.o.update(q.c, cl, s)
}
func (q opsReq[C]) Text(st int, b string) error { return q.o.text(q.c, st, b) }
func (q opsReq[C]) JSON(st int, b any) error    { return q.o.json(q.c, st, b) }

// mount registers each route with the handler wrap makes of it, through
// the one of plain, page and api that matches its guard.
func mount[H any](routes []route, wrap func(route) H, plain, page, api func(path string, h H)) {
	for _, rt := range routes {
		add := map[guard]func(string, H){open: plain, pageGuard: page, apiGuard: api}[rt.guard]
		add(rt.path, wrap(rt))
	}
}

// kit is one adapter under test.
type kit struct {
	name string
	// serve serves an app made of routes on ln until t ends, with the
	// session middleware first when client is not nil; it returns once the
	// app answers.
	serve func(t testing.TB, ln net.Listener, client *auth0kit.Client, routes []route)
	// inProcess runs b.N requests carrying ck through such an app in memory.
	inProcess func(b *testing.B, client *auth0kit.Client, routes []route, ck *http.Cookie)
	// late is what UpdateSession does once the body was written.
	late lateUpdate
}

// lateUpdate is what an adapter's UpdateSession does after the body.
type lateUpdate int

const (
	lateRefused lateUpdate = iota // returns ErrHeadersWritten, changes nothing
	lateApplied                   // the framework buffers the response: the cookie is still set
	lateLost                      // net/http cannot tell: returns nil, the cookie is not sent (documented: call it before the body)
)

var kits = map[string]kit{}

// register adds a kit; each adapter's file calls it from init.
func register(k kit) { kits[k.name] = k }

// eachKit runs f as a subtest per adapter, in name order.
func eachKit[T interface {
	testing.TB
	Run(string, func(T)) bool
}](t T, f func(t T, k kit)) {
	names := make([]string, 0, len(kits))
	for n := range kits {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, func(t T) { f(t, kits[n]) })
	}
}

// httpKit is a kit for a framework whose app is an http.Handler.
func httpKit(name string, app func(client *auth0kit.Client, routes []route) http.Handler) kit {
	return kit{
		name: name,
		serve: func(t testing.TB, ln net.Listener, client *auth0kit.Client, routes []route) {
			srv := httptest.NewUnstartedServer(app(client, routes))
			srv.Listener.Close()
			srv.Listener = ln
			srv.Start()
			t.Cleanup(srv.Close)
		},
		inProcess: func(b *testing.B, client *auth0kit.Client, routes []route, ck *http.Cookie) {
			conformance.BenchInProcess(b, app(client, routes), ck)
		},
	}
}

// fastKit is a kit for a framework served by fasthttp (the Fiber ones).
func fastKit(name string, app func(client *auth0kit.Client, routes []route) fasthttp.RequestHandler) kit {
	return kit{
		name: name,
		late: lateApplied,
		serve: func(t testing.TB, ln net.Listener, client *auth0kit.Client, routes []route) {
			serveFast(t, ln, app(client, routes))
		},
		inProcess: func(b *testing.B, client *auth0kit.Client, routes []route, ck *http.Cookie) {
			benchFastInProcess(b, app(client, routes), ck)
		},
	}
}

// fastReadBuffer lets 8+ KB of session cookies through: fasthttp's default
// of 4096 bytes caps the whole request header, and the chunking scenario's
// cookies are about 12 KB.
const fastReadBuffer = 32 * 1024

// serveFast serves h on ln with a fasthttp server until the test ends.
func serveFast(t testing.TB, ln net.Listener, h fasthttp.RequestHandler) {
	t.Helper()
	// fasthttp's worker pool cleaner sleeps this long between rounds and
	// notices a stopped server only then (10 s by default): keep it short
	// so that no goroutine outlives the test for long.
	srv := &fasthttp.Server{Handler: h, ReadBufferSize: fastReadBuffer, MaxIdleWorkerDuration: 50 * time.Millisecond, StreamRequestBody: true,
		Logger: log.New(io.Discard, "", 0)} // connections closed at shutdown are not worth a line
	done := make(chan error, 1)
	go func() { done <- srv.Serve(conformance.ClosingListener(ln)) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.ShutdownWithContext(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	conformance.WaitReady(t, "http://"+ln.Addr().String()+"/crosstest-ready")
}

// listen is a fresh loopback listener.
func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// serveURL serves an app of k on loopback and returns its base URL.
func serveURL(t testing.TB, k kit, client *auth0kit.Client, routes ...route) string {
	ln := listen(t)
	k.serve(t, ln, client, routes)
	return "http://" + ln.Addr().String()
}
