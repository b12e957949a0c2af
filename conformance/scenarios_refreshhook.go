package conformance

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

func init() {
	register("tokens/before-session-saved-after-refresh", testBeforeSessionSavedAfterRefresh)
}

// testBeforeSessionSavedAfterRefresh: a refresh that returns a new ID
// token runs BeforeSessionSaved again, and what it returns is stored.
func testBeforeSessionSavedAfterRefresh(t *testing.T, h Harness) {
	var mu sync.Mutex
	runs := 0
	e := setup(t, h, devop.Options{}, auth0kit.WithHooks(auth0kit.Hooks{
		BeforeSessionSaved: func(_ context.Context, s *auth0kit.Session, idToken string) (*auth0kit.Session, error) {
			mu.Lock()
			runs++
			n := runs
			mu.Unlock()
			if s.User.Extra == nil {
				s.User.Extra = map[string]json.RawMessage{}
			}
			s.User.Extra["hook_run"] = json.RawMessage(strconv.Itoa(n))
			return s, nil
		},
	}))
	e.login("")
	hookRun := func() float64 {
		p := e.browser.get(e.appURL + e.client.Routes().Profile)
		var u map[string]any
		_ = json.Unmarshal([]byte(p.body), &u)
		n, _ := u["hook_run"].(float64)
		return n
	}
	if n := hookRun(); n != 1 {
		t.Fatalf("after login hook_run = %v", n)
	}
	p, _ := e.accessToken("refresh=true")
	e.expectStatus(p, 200)
	mu.Lock()
	got := runs
	mu.Unlock()
	if got < 2 {
		t.Skipf("the provider returned no ID token on refresh (%d hook runs)", got)
	}
	if n := hookRun(); n != float64(got) {
		t.Fatalf("after refresh hook_run = %v, want %d (the hook's session was not stored)", n, got)
	}
}
