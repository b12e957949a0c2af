package storetest_test

import (
	"testing"

	"github.com/auth0kit/auth0kit/conformance/storetest"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

// TestMemoryStore runs the suite against the in-process reference store,
// which implements SessionStore only: the optional parts are skipped.
func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) auth0kit.SessionStore {
		return auth0kit.NewMemoryStore()
	})
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, auth0kit.NewMemoryStore(),
		storetest.FixtureSession(b, "../../../shared/reference/fixtures/session.json"))
}
