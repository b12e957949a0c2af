package auth0kit

import (
	"net/http"
	"testing"
)

// TestDefaultHTTPClientKeepsConnections: without an injected client, calls
// to the provider reuse up to providerIdleConns keep-alive connections per
// host (net/http's default keeps 2, so concurrent logins churn).
func TestDefaultHTTPClientKeepsConnections(t *testing.T) {
	tr, ok := defaultHTTPClient().Transport.(*http.Transport)
	if !ok {
		t.Fatal("the default client's transport is not an *http.Transport")
	}
	if tr.MaxIdleConnsPerHost < providerIdleConns || tr.MaxIdleConns < providerIdleConns {
		t.Fatalf("idle connections: %d per host, %d in all", tr.MaxIdleConnsPerHost, tr.MaxIdleConns)
	}
	if tr.Proxy == nil {
		t.Error("the default client ignores the proxy environment variables")
	}
}
