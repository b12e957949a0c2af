package conformance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("proxy/methods-bodies-and-path-mapping", testProxyMethods)
	register("proxy/headers-allow-listed-no-cookie-or-client-authorization", testProxyHeaders)
	register("proxy/scope-header-and-upstream-status", testProxyScope)
	register("proxy/preflight-forwarded-without-credentials", testProxyPreflight)
	register("proxy/session-required-and-same-origin", testProxyNoSession)
	register("proxy/refresh-during-proxied-calls-updates-session-once", testProxyRefresh)
	register("proxy/streams-10mb-both-ways-with-flat-memory", testProxyStream)
}

// proxyOptions mount both proxies.
var proxyOptions = []auth0kit.Option{auth0kit.WithRoutes(auth0kit.Routes{MyAccountProxy: true, MyOrgProxy: true})}

// proxyCall is a script's same-origin fetch through the app's proxy.
func (e *env) proxyCall(method, path string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.appURL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	hc := *e.browser.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// echoed is devop's echo answer.
type echoed struct {
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	Query      string      `json:"query"`
	Headers    http.Header `json:"headers"`
	BodyLen    int64       `json:"body_len"`
	BodySHA256 string      `json:"body_sha256"`
	Scope      string      `json:"scope"`
}

func (e *env) echo(method, path string, body []byte, hdr ...string) (*http.Response, echoed) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	res, b := e.proxyCall(method, path, rd, hdr...)
	var out echoed
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &out); err != nil {
			e.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
	}
	return res, out
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func testProxyMethods(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, proxyOptions...)
	e.needDevop("the development provider's My Account API echo")
	e.login("")
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		var body []byte
		if m != http.MethodGet {
			body = []byte(`{"method":"` + m + `","pad":"` + strings.Repeat("z", 5000) + `"}`)
		}
		res, got := e.echo(m, "/me/v1/devop/echo?a=1&b=two", body, "Content-Type", "application/json")
		if res.StatusCode != http.StatusOK || got.Method != m || got.Query != "a=1&b=two" || !strings.HasSuffix(got.Path, "/me/v1/devop/echo") {
			t.Errorf("%s: %d %+v", m, res.StatusCode, got)
			continue
		}
		if got.BodyLen != int64(len(body)) || (body != nil && got.BodySHA256 != sha(body)) {
			t.Errorf("%s: upstream got %d bytes, want %d", m, got.BodyLen, len(body))
		}
	}
	// /me/x and /me/v1/x reach the same upstream path; /my-org has its own audience.
	if res, got := e.echo(http.MethodGet, "/me/devop/echo", nil); res.StatusCode != http.StatusOK || !strings.HasSuffix(got.Path, "/me/v1/devop/echo") {
		t.Errorf("/me/devop/echo: %d %+v", res.StatusCode, got)
	}
	if res, got := e.echo(http.MethodGet, "/my-org/devop/echo", nil); res.StatusCode != http.StatusOK || !strings.HasSuffix(got.Path, "/my-org/devop/echo") {
		t.Errorf("/my-org/devop/echo: %d %+v", res.StatusCode, got)
	}
	// Upstream status and body as they are.
	if res, b := e.proxyCall(http.MethodDelete, "/me/v1/connected-accounts/accounts/nope", nil, "Scope", "delete:me:connected_accounts"); res.StatusCode != http.StatusNotFound || !strings.Contains(string(b), "no such connected account") {
		t.Errorf("upstream 404: %d %s", res.StatusCode, b)
	}
	// Dot segments never reach upstream.
	if res, _ := e.proxyCall(http.MethodGet, "/me/v1/%2e%2e/%2e%2e/oauth/token", nil); res.StatusCode/100 == 2 {
		t.Errorf("dot segments: %d, want a refusal", res.StatusCode)
	}
	for _, r := range e.op.ResourceRequests() {
		if !strings.Contains(r.Path, "/me/v1/") && !strings.Contains(r.Path, "/my-org/") {
			t.Errorf("a proxied call reached %s", r.Path)
		}
	}
}

func testProxyHeaders(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, proxyOptions...)
	e.needDevop("the development provider records what its APIs received")
	e.login("")
	res, got := e.echo(http.MethodPost, "/me/v1/devop/echo", []byte(`{}`),
		"Content-Type", "application/json", "Accept", "application/json", "X-Request-Id", "rid-1",
		"Authorization", "Bearer client-supplied", "X-Secret-Internal", "leak", "Proxy-Authorization", "Basic eA==",
		"Keep-Alive", "timeout=5", "Te", "trailers", "Cookie", "extra=1")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("echo: %d", res.StatusCode)
	}
	for _, k := range []string{"Cookie", "X-Secret-Internal", "Proxy-Authorization", "Keep-Alive", "Scope"} {
		if v := got.Headers.Values(k); len(v) > 0 {
			t.Errorf("upstream received %s: %q", k, v)
		}
	}
	if a := got.Headers.Get("Authorization"); a == "Bearer client-supplied" || !strings.HasPrefix(a, "Bearer ") {
		t.Errorf("upstream Authorization %q, want the SDK's token", a)
	}
	if got.Headers.Get("X-Request-Id") != "rid-1" || got.Headers.Get("Accept") != "application/json" {
		t.Errorf("allow-listed headers lost: %v", got.Headers)
	}
	for _, r := range e.op.ResourceRequests() {
		if r.Header.Get("Cookie") != "" {
			t.Errorf("%s %s reached the API with a cookie", r.Method, r.Path)
		}
	}
	if res.Header.Get("X-Devop-Echo") != "" {
		t.Error("a response header outside the allow-list reached the browser")
	}
	if res.Header.Get("Content-Type") == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("response headers %v", res.Header)
	}
}

func testProxyScope(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, proxyOptions...)
	e.needDevop("the development provider's My Account API")
	e.login("")
	res, b := e.proxyCall(http.MethodGet, "/me/v1/factors", nil)
	if res.StatusCode != http.StatusForbidden || res.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("without the scope: %d %s, want the API's 403 with its challenge", res.StatusCode, b)
	}
	res, b = e.proxyCall(http.MethodGet, "/me/v1/factors", nil, "Scope", "read:me:factors")
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "otp") {
		t.Errorf("with the scope header: %d %s", res.StatusCode, b)
	}
	res, b = e.proxyCall(http.MethodGet, "/my-org/organization/members", nil, "Scope", "read:my_org:members")
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), loginEmail) {
		t.Errorf("my-org members: %d %s", res.StatusCode, b)
	}
	if res, _ := e.proxyCall(http.MethodGet, "/me/v1/factors", nil, "Scope", "bad\"scope"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed scope header: %d, want 400", res.StatusCode)
	}
}

func testProxyPreflight(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, proxyOptions...)
	e.needDevop("the development provider's preflight answer")
	e.login("")
	res, b := e.proxyCall(http.MethodOptions, "/me/v1/devop/echo", nil, "Origin", e.appURL,
		"Access-Control-Request-Method", "PATCH", "Access-Control-Request-Headers", "content-type")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != e.appURL || len(b) != 0 {
		t.Fatalf("preflight: %d %v %s", res.StatusCode, res.Header, b)
	}
	reqs := e.op.ResourceRequests()
	last := reqs[len(reqs)-1]
	if last.Method != http.MethodOptions || last.Header.Get("Authorization") != "" || last.Header.Get("Cookie") != "" {
		t.Errorf("preflight reached upstream as %s with %v", last.Method, last.Header)
	}
}

func testProxyNoSession(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, proxyOptions...)
	res, b := e.proxyCall(http.MethodPost, "/me/v1/devop/echo", strings.NewReader("{}"), "Content-Type", "application/json")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("Content-Type"), "json") {
		t.Errorf("no session: %d %s, want 401 JSON", res.StatusCode, b)
	}
	if e.op != nil && len(e.op.ResourceRequests()) != 0 {
		t.Error("an unauthenticated request reached the API")
	}
	if e.op == nil {
		return
	}
	e.login("")
	req, _ := http.NewRequest(http.MethodGet, e.appURL+"/me/v1/devop/echo", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	r2, err := e.browser.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site proxied call: %d, want 403", r2.StatusCode)
	}
	// Not mounted by default.
	e2 := setup(t, h, devop.Options{})
	e2.login("")
	if res, _ := e2.proxyCall(http.MethodGet, "/me/v1/devop/echo", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("proxy mounted by default: %d", res.StatusCode)
	}
}

func testProxyRefresh(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, proxyOptions...)
	e.needDevop("refresh counters and a shared clock")
	e.login("")
	r0 := e.refreshes()
	if res, _ := e.echo(http.MethodGet, "/me/v1/devop/echo", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("first call: %d", res.StatusCode)
	}
	if e.refreshes() != r0+1 {
		t.Fatalf("first call: %d refreshes, want 1 (MRRT for the My Account audience)", e.refreshes()-r0)
	}
	if res, _ := e.echo(http.MethodGet, "/me/v1/devop/echo", nil); res.StatusCode != http.StatusOK || e.refreshes() != r0+1 {
		t.Fatalf("second call refreshed again: the token was not kept in the session")
	}
	e.clock.Advance(2 * time.Hour) // every token expired
	r1 := e.refreshes()
	var wg sync.WaitGroup
	codes := make([]int, 5)
	for i := range codes {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, e.appURL+"/me/v1/devop/echo?i="+strconv.Itoa(i), nil)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			res, err := e.browser.hc.Do(req)
			if err == nil {
				codes[i] = res.StatusCode
				res.Body.Close()
			}
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("concurrent call %d: %d", i, c)
		}
	}
	if n := e.refreshes() - r1; n != 1 {
		t.Errorf("%d refreshes for 5 concurrent proxied calls, want 1", n)
	}
	if res, _ := e.echo(http.MethodGet, "/me/v1/devop/echo", nil); res.StatusCode != http.StatusOK || e.refreshes() != r1+1 {
		t.Errorf("the refreshed session was not written (refreshes %d)", e.refreshes()-r1)
	}
	if !e.loggedIn() {
		t.Error("the session was lost")
	}
}

// patternReader yields n bytes without holding them.
type patternReader struct{ n int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n)
	for i := range p[:k] {
		p[i] = 'y'
	}
	r.n -= k
	return int(k), nil
}

func testProxyStream(t *testing.T, h Harness) {
	e := setup(t, h, devop.Options{}, proxyOptions...)
	e.needDevop("the development provider's echo")
	e.login("")
	e.echo(http.MethodGet, "/me/v1/devop/echo", nil) // token cached
	const size = 10 << 20
	allocated := func(f func()) uint64 {
		runtime.GC()
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		f()
		runtime.ReadMemStats(&b)
		return b.TotalAlloc - a.TotalAlloc
	}
	// Upload: the app streams the body to the API.
	var got echoed
	up := allocated(func() {
		req, _ := http.NewRequest(http.MethodPost, e.appURL+"/me/v1/devop/echo", &patternReader{n: size})
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Content-Type", "application/octet-stream")
		res, err := e.browser.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		_ = json.NewDecoder(res.Body).Decode(&got)
	})
	if got.BodyLen != size {
		t.Fatalf("upstream got %d bytes, want %d", got.BodyLen, size)
	}
	// Download: the API streams to the browser.
	var n int64
	down := allocated(func() {
		req, _ := http.NewRequest(http.MethodGet, e.appURL+"/me/v1/devop/echo?size="+strconv.Itoa(size), nil)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := e.browser.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		n, _ = io.Copy(io.Discard, res.Body)
	})
	if n != size {
		t.Fatalf("browser got %d bytes, want %d", n, size)
	}
	// Client, app and provider share this process: all of them together
	// must allocate well under the body size.
	if up > size/2 || down > size/2 {
		t.Errorf("allocated %d KiB up, %d KiB down for a %d KiB body: the proxy buffers", up>>10, down>>10, size>>10)
	}
	t.Logf("allocated %d KiB up, %d KiB down for %d KiB", up>>10, down>>10, size>>10)
}
