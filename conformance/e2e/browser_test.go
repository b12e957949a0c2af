package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const (
	// buildTimeout bounds the two `go build`s. It is generous because a
	// cold build cache compiles Gin and its dependencies from scratch;
	// with a warm cache both builds take a few seconds (4.5 min cold here).
	buildTimeout = 8 * time.Minute
	// runTimeout bounds everything after the builds: starting both
	// servers, starting Chromium and the whole browser session.
	runTimeout = 45 * time.Second
	// stepTimeout bounds one browser step (a navigation, a wait, a fetch).
	stepTimeout = 10 * time.Second

	// testEmail logs in at the development provider, which derives the
	// name claim from the local part.
	testEmail = "ada.lovelace@example.com"
	testName  = "ada.lovelace"
)

// Selectors. Links are found by their text, as a user finds them.
const (
	loginLink     = chromedp.Search(`//a[normalize-space(.)="Log in"]`)
	logoutLink    = chromedp.Search(`//a[normalize-space(.)="Log out"]`)
	privateLink   = chromedp.Search(`//a[normalize-space(.)="Protected page"]`)
	privateTitle  = chromedp.Search(`//h1[normalize-space(.)="Protected page"]`)
	loggedOutText = chromedp.Search(`//p[normalize-space(.)="You are not logged in."]`)
	emailField    = chromedp.CSS(`form input[name="email"]`)
	submitButton  = chromedp.CSS(`form button[type="submit"]`)
)

// TestBrowserLogin logs in to examples/gin through the development OpenID
// Provider with a headless Chromium, checks the protected page and API,
// and logs out.
func TestBrowserLogin(t *testing.T) {
	if os.Getenv("AUTH0KIT_E2E") != "1" {
		t.Skip("browser end-to-end test: set AUTH0KIT_E2E=1 (or run `make e2e`) to run it; it needs Chromium")
	}
	chromium := chromiumPath(t)
	root := repoRoot(t)
	bin := t.TempDir()

	start := time.Now()
	devopBin, appBin := buildBinaries(t, root, bin)
	t.Logf("built devop and examples/gin in %v", time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()

	issuer := startDevop(ctx, t, devopBin)
	appURL := startApp(ctx, t, appBin, issuer)
	t.Logf("devop at %s, examples/gin at %s", issuer, appURL)

	b := newBrowser(ctx, t, chromium)

	// Home page, logged out.
	expectPage(b, "open the home page", open(appURL+"/"), appURL+"/", loginLink)
	if got := b.api("/api/me"); got.Status != http.StatusUnauthorized {
		t.Fatalf("GET /api/me before login: status %d, want 401; body %q", got.Status, got.Body)
	}

	// "Log in" leads to the provider's login form.
	expectPage(b, `click "Log in"`, clickAndLoad(loginLink), issuer+"authorize", emailField)

	// Type an e-mail and submit: the callback lands back on the app's home page.
	b.do("type the e-mail", chromedp.SendKeys(emailField, testEmail))
	expectPage(b, "submit the login form", clickAndLoad(submitButton), appURL+"/", logoutLink)
	if text := b.bodyText(); !strings.Contains(text, testEmail) {
		t.Fatalf("home page after login does not show %s:\n%s", testEmail, text)
	}

	// The protected page shows the user.
	expectPage(b, `click "Protected page"`, clickAndLoad(privateLink), appURL+"/private", privateTitle)
	text := b.bodyText()
	for _, want := range []string{"Logged in as", testName, testEmail} {
		if !strings.Contains(text, want) {
			t.Fatalf("protected page does not show %q:\n%s", want, text)
		}
	}
	shot := filepath.Join(t.TempDir(), "private.png")
	if err := os.WriteFile(shot, b.screenshot("screenshot the protected page"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the protected page: %s", shot)

	// The protected API answers with the user's claims.
	me := b.api("/api/me")
	if me.Status != http.StatusOK || !strings.HasPrefix(me.ContentType, "application/json") {
		t.Fatalf("GET /api/me after login: status %d, Content-Type %q, want 200 JSON; body %q", me.Status, me.ContentType, me.Body)
	}
	var claims map[string]any
	if err := json.Unmarshal([]byte(me.Body), &claims); err != nil {
		t.Fatalf("GET /api/me: %v; body %q", err, me.Body)
	}
	if claims["email"] != testEmail || claims["name"] != testName {
		t.Fatalf("GET /api/me: email %v, name %v, want %s, %s; body %s", claims["email"], claims["name"], testEmail, testName, me.Body)
	}
	if sub, _ := claims["sub"].(string); sub == "" {
		t.Fatalf("GET /api/me: no sub; body %s", me.Body)
	}

	// "Log out" ends both sessions and comes back to the logged-out home page.
	expectPage(b, `click "Log out"`, clickAndLoad(logoutLink), appURL, loggedOutText)
	if b.exists(logoutLink) {
		t.Fatal(`home page after logout still shows "Log out"`)
	}
	if got := b.api("/api/me"); got.Status != http.StatusUnauthorized {
		t.Fatalf("GET /api/me after logout: status %d, want 401; body %q", got.Status, got.Body)
	}

	// The protected page sends the browser to the provider again, and the
	// provider asks for the e-mail again: its session ended too.
	expectPage(b, "open /private after logout", open(appURL+"/private"), issuer+"authorize", emailField)
}

// chromiumPath returns the browser binary: CHROMIUM_PATH, else
// /usr/bin/chromium. A missing browser fails the test, since the caller
// asked for the browser test with AUTH0KIT_E2E=1.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CHROMIUM_PATH")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	found, err := exec.LookPath(p)
	if err != nil {
		t.Fatalf("AUTH0KIT_E2E=1 needs Chromium, not found at %s (%v).\n"+
			"Install it with `apt-get update && apt-get install -y chromium` (Debian/Ubuntu),\n"+
			"or set CHROMIUM_PATH to a Chromium or Chrome binary.", p, err)
	}
	return found
}

// repoRoot returns the repository root, two levels above this file.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	dir := filepath.Dir(file)
	if !ok || !filepath.IsAbs(file) { // -trimpath: go test runs in the package directory
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		dir = wd
	}
	root := filepath.Clean(filepath.Join(dir, "..", ".."))
	if _, err := os.Stat(filepath.Join(root, "conformance", "cmd", "devop")); err != nil {
		t.Fatalf("repository root not found from %s: %v", dir, err)
	}
	return root
}

// buildBinaries builds devop and examples/gin into dir, in parallel. Each
// is built from its own module directory, so the build works both in
// workspace mode and with GOWORK=off.
func buildBinaries(t *testing.T, root, dir string) (devop, app string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	devop, app = filepath.Join(dir, "devop"), filepath.Join(dir, "app")
	builds := []struct{ dir, out, pkg string }{
		{filepath.Join(root, "conformance"), devop, "./cmd/devop"},
		{filepath.Join(root, "examples", "gin"), app, "."},
	}
	errs := make([]error, len(builds))
	var wg sync.WaitGroup
	for i, b := range builds {
		wg.Go(func() {
			cmd := exec.CommandContext(ctx, "go", "build", "-o", b.out, b.pkg)
			cmd.Dir = b.dir
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("go build %s (in %s): %v\n%s", b.pkg, b.dir, err, out)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return devop, app
}

var issuerLine = regexp.MustCompile(`devop issuer: (http://\S+/)`)

// startDevop starts the development provider on a free loopback port (it
// binds port 0 and prints its issuer) and returns the issuer once the
// discovery document answers.
func startDevop(ctx context.Context, t *testing.T, bin string) string {
	t.Helper()
	p := startProcess(t, "devop", bin, []string{"-addr", "127.0.0.1:0"}, cleanEnv())
	var issuer string
	p.waitFor(ctx, t, "its issuer line", func() bool {
		if m := issuerLine.FindStringSubmatch(p.out.String()); m != nil {
			issuer = m[1]
			return true
		}
		return false
	})
	p.waitFor(ctx, t, "its discovery document", answers(issuer+".well-known/openid-configuration"))
	return issuer
}

// startApp starts examples/gin on a free loopback port, wired to the
// provider at issuer, and returns its base URL once its home page answers.
func startApp(ctx context.Context, t *testing.T, bin, issuer string) string {
	t.Helper()
	port := freePort(t)
	appURL := "http://127.0.0.1:" + strconv.Itoa(port)
	env := append(cleanEnv(),
		"AUTH0_DOMAIN="+issuer,
		"AUTH0_CLIENT_ID=devop-client",
		"AUTH0_CLIENT_SECRET=devop-secret",
		"AUTH0_SECRET="+randomSecret(t),
		"APP_BASE_URL="+appURL,
		"PORT="+strconv.Itoa(port),
	)
	p := startProcess(t, "examples/gin", bin, nil, env)
	p.waitFor(ctx, t, "its home page", answers(appURL+"/"))
	return appURL
}

// cleanEnv is the test's environment without the variables that configure
// the app or the provider, so that a developer's own settings (a real
// AUTH0_DOMAIN, DEVOP_AUTO_LOGIN_EMAIL…) cannot change the test.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AUTH0_") || strings.HasPrefix(name, "DEVOP_") ||
			name == "APP_BASE_URL" || name == "PORT" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// randomSecret returns 48 random hexadecimal characters.
func randomSecret(t *testing.T) string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// answers reports whether url answers 200 to a GET.
func answers(url string) func() bool {
	client := &http.Client{
		Timeout:       time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return func() bool {
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}

// process is a server the test started; t.Cleanup kills it, and prints its
// output when the test failed.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // the result of Wait, once done is closed
}

func startProcess(t *testing.T, name, bin string, args, env []string) *process {
	t.Helper()
	p := &process{name: name, out: new(syncBuffer), done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s (pid %d) did not exit after SIGKILL", name, p.cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, p.out)
		}
	})
	return p
}

// waitFor polls cond until it holds; it fails the test when the process
// exits or ctx ends first.
func (p *process) waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-p.done:
			t.Fatalf("%s exited (%v) before %s appeared; output:\n%s", p.name, p.err, what, p.out)
		case <-ctx.Done():
			t.Fatalf("%s: waiting for %s: %v", p.name, what, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// browser is one tab of a headless Chromium; each method is one bounded
// step that fails the test on error.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(ctx context.Context, t *testing.T, chromium string) *browser {
	t.Helper()
	output := new(syncBuffer)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,  // runs as root in CI containers
		chromedp.DisableGPU, // no GPU in CI containers
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
		chromedp.CombinedOutput(output),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	// Runs before t.TempDir's removal (cleanups run last-in first-out), and
	// waits for Chromium to exit, so the profile directory is no longer in use.
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		if t.Failed() {
			t.Logf("output of chromium (D-Bus noise left out):\n%s", withoutDBus(output.String()))
		}
	})
	// The first Do starts the browser and ties it to ctx (runTimeout).
	start := time.Now()
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start chromium %s: %v\n%s", chromium, err, output)
	}
	t.Logf("chromium started in %v", time.Since(start).Round(time.Millisecond))
	return &browser{t: t, ctx: tabCtx}
}

// withoutDBus drops the D-Bus errors that Chromium logs on machines
// without a system bus; they are harmless and drown the useful lines.
func withoutDBus(out string) string {
	var keep []string
	for line := range strings.Lines(out) {
		if !strings.Contains(line, "dbus/") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "")
}

// navigation loads a page and returns the response of its document (after
// any redirects).
type navigation func(ctx context.Context) (*network.Response, error)

// open navigates to url.
func open(url string) navigation {
	return func(ctx context.Context) (*network.Response, error) {
		return chromedp.Run(ctx, chromedp.NavigateResponse(url))
	}
}

// clickAndLoad clicks sel and waits for the page that the click loads.
func clickAndLoad[S chromedp.Selectable](sel S) navigation {
	return func(ctx context.Context) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.WaitVisible(sel), chromedp.Click(sel))
	}
}

// run runs one bounded step and returns its value.
func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail(what, err)
	}
	return v
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	run(b, what, chromedp.Steps(steps...))
}

// expectPage runs a navigation, checks that it ends with a 200 at a URL
// starting with urlPrefix, and waits until sel is visible there.
func expectPage[S chromedp.Selectable](b *browser, what string, nav navigation, urlPrefix string, sel S) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	resp, err := nav(ctx)
	cancel()
	if err != nil {
		b.fail(what, err)
	}
	if resp == nil {
		b.fail(what, errors.New("no response"))
	}
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.URL, urlPrefix) {
		b.fail(what, fmt.Errorf("landed on %s with status %d, want 200 at %s…", resp.URL, resp.Status, urlPrefix))
	}
	b.do(what+": wait for the page", chromedp.WaitVisible(sel))
	b.t.Logf("%s: %d %s", what, resp.Status, resp.URL)
}

func (b *browser) bodyText() string {
	b.t.Helper()
	return run(b, "read the page", chromedp.Text(chromedp.CSS("body")))
}

func (b *browser) exists(sel chromedp.Search) bool {
	b.t.Helper()
	n := run(b, "count "+string(sel), chromedp.Evaluate[int](
		fmt.Sprintf(`document.evaluate(%q, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null).snapshotLength`, string(sel))))
	return n > 0
}

func (b *browser) screenshot(what string) []byte {
	b.t.Helper()
	return run(b, what, chromedp.FullScreenshot(100)) // quality 100 = PNG
}

// apiResult is what fetch() in the page saw.
type apiResult struct {
	Status      int    `json:"status"`
	ContentType string `json:"contentType"`
	Body        string `json:"body"`
}

// api fetches path from the page, with the page's cookies, as the app's
// own JavaScript would.
func (b *browser) api(path string) apiResult {
	b.t.Helper()
	js := fmt.Sprintf(`fetch(%q, {credentials: "same-origin", headers: {Accept: "application/json"}})
		.then(async r => ({status: r.status, contentType: r.headers.get("Content-Type") || "", body: await r.text()}))`, path)
	return run(b, "fetch "+path, chromedp.Evaluate[apiResult](js, chromedp.EvalAwaitPromise))
}

// fail reports a failed step with what the browser shows, and a screenshot.
func (b *browser) fail(what string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(b.ctx), 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		// Outside t.TempDir, so that it outlives the test.
		if f, err := os.CreateTemp("", "auth0kit-e2e-failure-*.png"); err == nil {
			_, werr := f.Write(png)
			if cerr := f.Close(); werr == nil && cerr == nil {
				b.t.Logf("screenshot at failure: %s", f.Name())
			}
		}
	}
	b.t.Fatalf("%s: %v\nbrowser at %s showing:\n%s", what, err, loc, text)
}
