package devop_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func TestAccessTokenTTL(t *testing.T) {
	t.Parallel()
	clock := newClock()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail, Now: clock.Now, AccessTokenTTL: 90 * time.Second})
	long := r.tokens()
	r.p.SetAccessTokenTTL(5 * time.Second)
	short := r.tokens()
	r.p.SetAccessTokenTTL(0) // back to the default
	def := r.tokens()
	tests := []struct {
		name      string
		tok       map[string]any
		wantTTL   int64
		aliveAt6s bool
	}{
		{"Options.AccessTokenTTL", long, 90, true},
		{"SetAccessTokenTTL", short, 5, false},
		{"SetAccessTokenTTL(0) restores the default", def, 3600, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.tok["expires_in"] != float64(tt.wantTTL) {
				t.Errorf("expires_in %v, want %d", tt.tok["expires_in"], tt.wantTTL)
			}
			c := claims(t, tt.tok["access_token"].(string))
			if c["exp"].(float64)-c["iat"].(float64) != float64(tt.wantTTL) {
				t.Errorf("exp-iat = %v", c["exp"].(float64)-c["iat"].(float64))
			}
		})
	}
	clock.Advance(6 * time.Second)
	for _, tt := range tests {
		t.Run(tt.name+" after 6s", func(t *testing.T) {
			status, _, _ := r.userinfoResp(http.MethodGet, tt.tok["access_token"].(string))
			if (status == http.StatusOK) != tt.aliveAt6s {
				t.Errorf("userinfo status %d, alive want %v", status, tt.aliveAt6s)
			}
		})
	}
}

func TestFailNextToken(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	tests := []struct {
		name       string
		inject     func(p *devop.Provider)
		grant      string // grant whose next request must fail
		wantStatus int
		wantErr    string
		wantDesc   string
	}{
		{"refresh 503", func(p *devop.Provider) {
			p.FailNextToken("refresh_token", 503, "temporarily_unavailable", "try later")
		}, "refresh_token", 503, "temporarily_unavailable", "try later"},
		{"any grant, defaults", func(p *devop.Provider) { p.FailNextToken("", 0, "", "boom") }, "authorization_code", 400, "invalid_request", "boom"},
		{"5xx default code", func(p *devop.Provider) { p.FailNextToken("authorization_code", 500, "", "down") }, "authorization_code", 500, "server_error", "down"},
		{"other grant untouched, then refresh fails", func(p *devop.Provider) {
			p.FailNextToken("refresh_token", 400, "invalid_grant", "revoked")
		}, "refresh_token", 400, "invalid_grant", "revoked"},
		{"queued in order", func(p *devop.Provider) {
			p.FailNextToken("refresh_token", 429, "too_many_requests", "first")
			p.FailNextToken("refresh_token", 502, "bad_gateway", "second")
		}, "refresh_token", 429, "too_many_requests", "first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, verifier := r.code(nil)
			tt.inject(r.p)
			before := r.p.TokenRequests(tt.grant)
			var status int
			var body map[string]any
			var retry func() (int, map[string]any)
			if tt.grant == "authorization_code" {
				status, body = r.exchange(code, verifier)
				retry = func() (int, map[string]any) { return r.exchange(code, verifier) }
			} else {
				st, tok := r.exchange(code, verifier)
				if st != http.StatusOK {
					t.Fatalf("exchange: %d %v", st, tok)
				}
				rt := tok["refresh_token"].(string)
				status, body = r.refresh(rt, nil)
				retry = func() (int, map[string]any) { return r.refresh(rt, nil) }
			}
			if status != tt.wantStatus || body["error"] != tt.wantErr || body["error_description"] != tt.wantDesc {
				t.Fatalf("got %d %v, want %d %s %q", status, body, tt.wantStatus, tt.wantErr, tt.wantDesc)
			}
			if got := r.p.TokenRequests(tt.grant); got != before+1 {
				t.Errorf("TokenRequests(%s) = %d, want %d", tt.grant, got, before+1)
			}
			// Nothing was consumed: the same code or refresh token works,
			// after any further queued error.
			for range 3 {
				if status, body = retry(); status == http.StatusOK {
					break
				}
				if body["error_description"] != "second" {
					t.Fatalf("retry: %d %v", status, body)
				}
			}
			if status != http.StatusOK {
				t.Fatalf("retry: %d %v", status, body)
			}
		})
	}
}

// TestDelayToken holds two refreshes with the same refresh token in
// flight at once: one wins, the other is reuse.
func TestDelayToken(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	rt := r.tokens()["refresh_token"].(string)
	const delay = 300 * time.Millisecond
	r.p.DelayToken(delay)
	start := time.Now()
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Go(func() {
			statuses[i], _ = r.refresh(rt, url.Values{})
		})
	}
	wg.Wait()
	if elapsed := time.Since(start); elapsed < delay {
		t.Errorf("responses came after %v, want at least %v", elapsed, delay)
	}
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("statuses %v, want exactly one 200", statuses)
	}
	// Errors are delayed too; DelayToken(0) removes the delay.
	start = time.Now()
	if status, _ := r.refresh("unknown", nil); status != http.StatusBadRequest || time.Since(start) < delay {
		t.Errorf("delayed error: %d after %v", status, time.Since(start))
	}
	r.p.DelayToken(0)
	start = time.Now()
	r.tokens()
	if time.Since(start) >= delay {
		t.Errorf("DelayToken(0) still delays (%v)", time.Since(start))
	}
}
