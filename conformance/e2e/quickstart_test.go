package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/quickstart"
	"github.com/chromedp/chromedp"
)

// quickstartAdapters are the frameworks whose README quickstart must log
// in, in the order they run.
var quickstartAdapters = []string{"nethttp", "gin", "echo", "echov5", "fiber", "fiberv3"}

// TestQuickstartLogins builds each README quickstart (the first README
// program that imports the adapter: README.md's for net/http, Gin, Echo v4
// and Fiber v2, the adapters' READMEs' for Echo v5 and Fiber v3) in a
// module outside the repository, exactly as written but for its listen
// address (":3000" becomes a free loopback port), starts it against the
// development provider and logs in and out with headless Chromium: home
// page, "Log in", the provider's form, back home logged in, /api/me, "Log
// out". The builds run two at a time; each login is bounded by runTimeout.
func TestQuickstartLogins(t *testing.T) {
	if os.Getenv("AUTH0KIT_E2E") != "1" {
		t.Skip("browser end-to-end test: set AUTH0KIT_E2E=1 (or run `make e2e-quickstarts`) to run it; it needs Chromium")
	}
	chromium := chromiumPath(t)
	root := repoRoot(t)
	blocks, err := quickstart.Blocks(root)
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]quickstart.Block{}
	for _, b := range blocks {
		if a := quickstart.Adapter(b.Src); a != "" && strings.Contains(b.Src, `"/auth/login"`) {
			if _, ok := first[a]; !ok {
				first[a] = b
			}
		}
	}
	type app struct {
		adapter, name, bin string
		port               int
	}
	var apps []*app
	for _, a := range quickstartAdapters {
		b, ok := first[a]
		if !ok {
			t.Fatalf("no README quickstart for %s", a)
		}
		apps = append(apps, &app{adapter: a, name: b.Name, port: freePort(t)})
	}

	bin := t.TempDir()
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	devopBin := filepath.Join(bin, "devop")
	errs := make([]error, len(apps)+1)
	sem := make(chan struct{}, 2) // the machine has few cores; go build is parallel already
	var wg sync.WaitGroup
	wg.Go(func() {
		sem <- struct{}{}
		defer func() { <-sem }()
		errs[0] = goCmd(ctx, filepath.Join(root, "conformance"), nil, "build", "-o", devopBin, "./cmd/devop")
	})
	for i, a := range apps {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			a.bin = filepath.Join(bin, a.adapter)
			errs[i+1] = buildQuickstart(ctx, t, root, first[a.adapter], a.port, a.bin)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("built devop and %d quickstarts in %v", len(apps), time.Since(start).Round(time.Millisecond))

	issuer := startDevop(t.Context(), t, devopBin)
	for _, a := range apps {
		t.Run(a.adapter, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
			defer cancel()
			appURL := "http://127.0.0.1:" + strconv.Itoa(a.port)
			env := append(cleanEnv(),
				"AUTH0_DOMAIN="+issuer,
				"AUTH0_CLIENT_ID=devop-client",
				"AUTH0_CLIENT_SECRET=devop-secret",
				"AUTH0_SECRET="+randomSecret(t),
				"APP_BASE_URL="+appURL,
			)
			p := startProcess(t, a.name, a.bin, nil, env)
			p.waitFor(ctx, t, "its home page", answers(appURL+"/"))
			t.Logf("%s (%s) at %s", a.adapter, a.name, appURL)
			quickstartLogin(newBrowser(ctx, t, chromium), issuer, appURL)
		})
	}
}

// quickstartLogin drives one quickstart's login and logout.
func quickstartLogin(b *browser, issuer, appURL string) {
	t := b.t
	t.Helper()
	bareLogin := chromedp.Search(`//a[normalize-space(.)="Log in"]`)
	expectPage(b, "open the home page", open(appURL+"/"), appURL+"/", bareLogin)
	expectPage(b, `click "Log in"`, clickAndLoad(bareLogin), issuer+"authorize", emailField)
	b.do("type the e-mail", chromedp.SendKeys(emailField, testEmail))
	expectPage(b, "submit the login form", clickAndLoad(submitButton), appURL+"/", logoutLink)
	if text := b.bodyText(); !strings.Contains(text, "Hello "+testName) {
		t.Fatalf("home page after login does not greet %s:\n%s", testName, text)
	}
	me := b.api("/api/me")
	var claims map[string]any
	if me.Status != http.StatusOK || json.Unmarshal([]byte(me.Body), &claims) != nil || claims["sub"] == "" || claims["sub"] == nil {
		t.Fatalf("GET /api/me after login: status %d, body %q; want 200 JSON with the sub", me.Status, me.Body)
	}
	expectPage(b, `click "Log out"`, clickAndLoad(logoutLink), appURL, bareLogin)
	if got := b.api("/api/me"); got.Status != http.StatusUnauthorized {
		t.Fatalf("GET /api/me after logout: status %d, want 401; body %q", got.Status, got.Body)
	}
}

// buildQuickstart writes block into a module outside the repository with
// the go.mod a pre-release user writes, its listen address ":3000" moved
// to 127.0.0.1:port, and builds it to out.
func buildQuickstart(ctx context.Context, t *testing.T, root string, b quickstart.Block, port int, out string) error {
	mod, err := quickstart.GoMod(root, b.Src)
	if err != nil {
		return fmt.Errorf("%s: %v", b.Name, err)
	}
	if strings.Count(b.Src, `":3000"`) != 1 {
		return fmt.Errorf(`%s: want exactly one ":3000" listen address`, b.Name)
	}
	src := strings.Replace(b.Src, `":3000"`, strconv.Quote("127.0.0.1:"+strconv.Itoa(port)), 1)
	dir := t.TempDir() // outside the repository and its go.work
	for name, data := range map[string]string{"go.mod": mod, "main.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if err := goCmd(ctx, dir, env, "mod", "tidy"); err != nil {
		return fmt.Errorf("%s: %v", b.Name, err)
	}
	if err := goCmd(ctx, dir, env, "build", "-o", out, "."); err != nil {
		return fmt.Errorf("%s: %v", b.Name, err)
	}
	return nil
}

// goCmd runs the go command in dir (env nil: the test's environment).
func goCmd(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return nil
}
