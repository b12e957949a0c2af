package auth0fiber_test

import (
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance"
	"github.com/gofiber/fiber/v3"
)

// serve serves app on ln with app.Listener until the test ends, and
// returns once the app answers HTTP requests.
func serve(t testing.TB, app *fiber.App, ln net.Listener) {
	t.Helper()
	cl := conformance.ClosingListener(ln)
	// fasthttp's worker pool cleaner sleeps this long between rounds and
	// notices a stopped server only then (10 s by default): keep it short
	// so that no goroutine outlives the test for long.
	app.Server().MaxIdleWorkerDuration = 50 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- app.Listener(cl, fiber.ListenConfig{DisableStartupMessage: true}) }()
	t.Cleanup(func() {
		if err := app.ShutdownWithTimeout(10 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("listener: %v", err)
		}
	})
	conformance.WaitReady(t, "http://"+ln.Addr().String()+"/auth0fiber-ready")
}

// TestShutdownLeavesNoGoroutines checks that serve's cleanup is quick and
// stops every goroutine of the server, connections on which no request
// was sent included. fasthttp's Date header updater, one per process, stays.
func TestShutdownLeavesNoGoroutines(t *testing.T) {
	var idle net.Conn
	defer func() {
		if idle != nil {
			idle.Close()
		}
	}()
	start := time.Now()
	t.Run("serve", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		app := fiber.New()
		app.Get("/", hello)
		serve(t, app, ln)
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				res, err := (&http.Client{Transport: tr}).Get("http://" + ln.Addr().String() + "/")
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
			})
		}
		wg.Wait()
		// A connection on which no request was sent yet: fasthttp's
		// Shutdown alone would wait 5 s for it.
		if idle, err = net.Dial("tcp", ln.Addr().String()); err != nil {
			t.Fatal(err)
		}
	})
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("serving and shutting down took %v", d)
	}
	var left string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		buf := make([]byte, 1<<20)
		left = ""
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if (strings.Contains(g, "fasthttp") || strings.Contains(g, "gofiber")) && !strings.Contains(g, "updateServerDate") {
				left += g + "\n\n"
			}
		}
		if left == "" {
			return
		}
	}
	t.Errorf("goroutines left after shutdown:\n%s", left)
}
