package devop_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

// TestConcurrentFlows runs complete flows, refreshes, key rotations and
// JWKS reads in parallel for the race detector.
func TestConcurrentFlows(t *testing.T) {
	t.Parallel()
	p := devop.Start(t, devop.Options{AutoLoginEmail: testEmail})
	t.Run("group", func(t *testing.T) {
		for i := range 6 {
			t.Run(fmt.Sprint("flow", i), func(t *testing.T) {
				t.Parallel()
				r := newRP(t, p)
				tok := r.tokens()
				if status, body := r.refresh(tok["refresh_token"].(string), nil); status != http.StatusOK {
					t.Errorf("refresh: %d %v", status, body)
				}
				r.userinfo(tok["access_token"].(string))
				_ = r.jwks()
			})
		}
		t.Run("tamper", func(t *testing.T) {
			t.Parallel()
			p.TamperNextIDToken(func(*devop.IDToken) {})
		})
		t.Run("rotate", func(t *testing.T) {
			t.Parallel()
			p.RotateKeys()
		})
	})
	if got := p.TokenRequests("authorization_code"); got != 6 {
		t.Errorf("TokenRequests = %d", got)
	}
}
