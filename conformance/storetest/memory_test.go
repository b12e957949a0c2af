package storetest_test

import (
	"testing"

	"github.com/auth0kit/auth0kit/conformance/storetest"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// TestMemoryStore runs the suite against the in-process reference store,
// which implements SessionStore only: the optional parts are skipped.
func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sessionstore.Store {
		return sessionstore.NewMemory()
	})
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, sessionstore.NewMemory(),
		storetest.FixtureSession(b, "../../../shared/reference/fixtures/session.json"))
}
