// Package storetest is the conformance suite of auth0kit session stores,
// in the manner of testing/fstest.TestFS and testing/slogtest.Run: one
// table of behaviours that every [sessionstore.Store] must pass, run
// from each store's own tests against a real backend.
//
// Quickstart, in a store's store_test.go:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) sessionstore.Store {
//			return mystore.New(connect(t))
//		})
//	}
//
// [Run] calls newStore once per case. The cases make their own unique ids,
// sids and subs, so stores returned by newStore may share one database,
// key space or table. The optional interfaces ([sessionstore.Lister],
// [sessionstore.RevocationList], [sessionstore.Locker]) are tested when the store
// implements them and skipped, naming the interface, when it does not.
// The expiry cases run in parallel and wait at most about 1.7 s in all:
// stores may keep expiry times at one second precision (rounded up).
//
// [RunUnavailable] checks a store whose backend is down: every method
// returns an error matching [auth0kit.ErrSessionStore], without panicking
// or hanging. [Benchmark] measures reads and writes of a session (with
// [FixtureSession], the reference Auth0 session) and reports p50 and p99
// latencies.
package storetest
