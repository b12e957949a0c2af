package storetest_test

import (
	"testing"

	"github.com/auth0kit/auth0kit/conformance/storetest"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// A store's test runs the suite with a constructor; here the in-memory
// reference store.
func ExampleRun() {
	_ = func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) sessionstore.Store {
			return sessionstore.NewMemory()
		})
	}
}

// A store's benchmark measures the reference Auth0 session.
func ExampleBenchmark() {
	_ = func(b *testing.B) {
		sess := storetest.FixtureSession(b, "../../../shared/reference/fixtures/session.json")
		storetest.Benchmark(b, sessionstore.NewMemory(), sess)
	}
}
