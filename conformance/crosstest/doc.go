// Package crosstest runs the tests and benchmarks that every adapter shares,
// from one module, so that no adapter module depends on the conformance
// suite, the stores or their drivers (the shape of sentry-go's crosstest).
//
// Each adapter has one file here that describes it as a [kit]: how to mount
// a few framework-neutral routes in the framework's idiom and how a handler
// reaches the adapter's accessors. Everything else — the conformance
// harness, the adapter unit tests, the middleware benchmarks — is written
// once over kits:
//
//	go test -run 'TestConformance/gin/devop/' ./conformance/crosstest/
//	go test -run '^$' -bench 'BenchmarkMiddleware/fiber' ./conformance/crosstest/
package crosstest
