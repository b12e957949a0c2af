package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The CIBA tests run in a synctest bubble: the client talks to the
// scripted provider in process (covTokTransport), so the polling interval
// (whole seconds) and the request's expiry pass on the bubble's fake clock
// and can be asserted exactly.

// covTokCIBAClient returns a client for op that calls it in process.
func covTokCIBAClient(t *testing.T, op *scriptOP, opts ...Option) *Client {
	return newScriptClient(t, op, append([]Option{WithHTTPClient(&http.Client{Transport: covTokTransport{op}})}, opts...)...)
}

// covTokPolls answers the CIBA token grant with answers[i] on the i-th
// poll (the last one repeats); a nil answer is the success, with an ID
// token for user-1 and authorization details.
func covTokPolls(op *scriptOP, answers ...map[string]any) *atomic.Int32 {
	var n atomic.Int32
	op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("grant_type") != grantCIBA || r.Form.Get("auth_req_id") != "req-1" {
			writeJSON(w, 400, map[string]any{"error": "invalid_grant", "error_description": "unexpected " + r.Form.Encode()})
			return
		}
		i := int(n.Add(1)) - 1
		a := answers[min(i, len(answers)-1)]
		if a == nil {
			writeJSON(w, 200, map[string]any{"access_token": "at-ciba", "refresh_token": "rt-ciba", "id_token": op.idToken("user-1", nil),
				"token_type": "Bearer", "expires_in": 3600, "scope": "openid profile", "authorization_details": []map[string]any{{"type": "payment", "amount": 42}}})
			return
		}
		writeJSON(w, 400, a)
	})
	return &n
}

var (
	covTokPending  = map[string]any{"error": "authorization_pending", "error_description": "waiting"}
	covTokSlowDown = map[string]any{"error": "slow_down"}
)

func covTokStartCIBA(op *scriptOP, expiresIn, interval int) {
	op.handleJSON("/bc-authorize", 200, map[string]any{"auth_req_id": "req-1", "expires_in": expiresIn, "interval": interval})
}

var covTokCIBAOpts = BackchannelOptions{BindingMessage: "Approve 42", LoginHintSub: "auth0|u1"}

// TestCovTokCIBAApproved: the request carries the login hint, binding
// message, expiry, details and the merged parameters; polling waits the
// interval, keeps waiting on authorization_pending, adds 5 s on
// slow_down, and the approval yields the verified user and tokens.
func TestCovTokCIBAApproved(t *testing.T) {
	op := newScriptOP(t)
	synctest.Test(t, func(t *testing.T) {
		c := covTokCIBAClient(t, op, WithAuthorizationParams(map[string]string{"acr_values": "pwd", "redirect_uri": "http://127.0.0.1:1/cb"}))
		covTokStartCIBA(op, 120, 1)
		polls := covTokPolls(op, covTokPending, covTokSlowDown, nil)
		opts := covTokCIBAOpts
		opts.RequestedExpiry = 90 * time.Second
		opts.AuthorizationDetails = json.RawMessage(`[{"type":"payment","amount":42}]`)
		opts.AuthorizationParams = map[string]string{"audience": covTokAPI, "client_id": "evil", "nonce": "n"}
		start := time.Now()
		res, err := c.GetTokenByBackchannelAuth(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 8*time.Second { // 1 s, 1 s, then 1+5 s
			t.Errorf("polling took %v, want 8s", d)
		}
		if polls.Load() != 3 {
			t.Errorf("%d polls, want 3", polls.Load())
		}
		sent := op.lastTo("/bc-authorize").Form
		var hint map[string]string
		if err := json.Unmarshal([]byte(sent.Get("login_hint")), &hint); err != nil ||
			hint["format"] != "iss_sub" || hint["iss"] != op.issuer() || hint["sub"] != "auth0|u1" {
			t.Errorf("login_hint = %q", sent.Get("login_hint"))
		}
		want := map[string]string{"binding_message": "Approve 42", "requested_expiry": "90", "audience": covTokAPI,
			"authorization_details": string(opts.AuthorizationDetails), "acr_values": "pwd", "client_id": "client-1",
			"scope": DefaultScope, "nonce": "", "redirect_uri": ""}
		for k, v := range want {
			if got := sent.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if res.User.Sub != "user-1" || res.SID != "sid-user-1" || res.TokenSet.AccessToken != "at-ciba" ||
			res.TokenSet.RefreshToken != "rt-ciba" || res.TokenSet.Audience != covTokAPI || res.TokenSet.Scope != "openid profile" {
			t.Errorf("result = %+v", res)
		}
		if string(res.AuthorizationDetails) != `[{"amount":42,"type":"payment"}]` {
			t.Errorf("authorization_details = %s", res.AuthorizationDetails)
		}
	})
}

// TestCovTokCIBAScopeAndInterval: a scope without openid gets it, and a
// provider that sends no interval is polled every 5 s.
func TestCovTokCIBAScopeAndInterval(t *testing.T) {
	op := newScriptOP(t)
	synctest.Test(t, func(t *testing.T) {
		c := covTokCIBAClient(t, op)
		covTokStartCIBA(op, 60, 0)
		covTokPolls(op, covTokPending, nil)
		opts := covTokCIBAOpts
		opts.AuthorizationParams = map[string]string{"scope": "read:x"}
		start := time.Now()
		if _, err := c.GetTokenByBackchannelAuth(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 10*time.Second {
			t.Errorf("polling took %v, want 2×5s", d)
		}
		sent := op.lastTo("/bc-authorize").Form
		if sent.Get("scope") != "openid read:x" || sent.Has("requested_expiry") || sent.Has("authorization_details") {
			t.Errorf("form = %v", sent)
		}
	})
}

// TestCovTokCIBAFailures: every failure matches ErrBackchannel (a
// provider refusal wrapped as its OAuthError), except a failed discovery
// and the caller's own context ending.
func TestCovTokCIBAFailures(t *testing.T) {
	cases := []struct {
		name    string
		opts    BackchannelOptions
		setup   func(op *scriptOP)
		ctx     func(ctx context.Context, op *scriptOP) (context.Context, context.CancelFunc)
		is      error  // the error matched; default ErrBackchannel
		oauth   string // the wrapped OAuthError's code
		code    string // the Error's code; default backchannel_authentication_error
		elapsed time.Duration
	}{
		{name: "no binding message", opts: BackchannelOptions{LoginHintSub: "u"}},
		{name: "no user", opts: BackchannelOptions{BindingMessage: "m"}},
		{name: "no endpoint", setup: func(op *scriptOP) { delete(op.meta, "backchannel_authentication_endpoint") }, code: CodeBackchannelNotSupported},
		{name: "discovery down", setup: covTokDiscoveryDown, is: ErrDiscovery},
		{name: "request refused", setup: func(op *scriptOP) {
			op.handleJSON("/bc-authorize", 400, map[string]any{"error": "unknown_user_id", "error_description": "no such user"})
		}, oauth: "unknown_user_id"},
		{name: "start not JSON", setup: func(op *scriptOP) {
			op.handle("/bc-authorize", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
		}},
		{name: "start without auth_req_id", setup: func(op *scriptOP) {
			op.handleJSON("/bc-authorize", 200, map[string]any{"expires_in": 60})
		}},
		{name: "denied", setup: func(op *scriptOP) {
			covTokStartCIBA(op, 60, 1)
			covTokPolls(op, covTokPending, map[string]any{"error": "access_denied", "error_description": "The user denied"})
		}, oauth: "access_denied", elapsed: 2 * time.Second},
		{name: "expired at the provider", setup: func(op *scriptOP) {
			covTokStartCIBA(op, 60, 1)
			covTokPolls(op, map[string]any{"error": "expired_token"})
		}, oauth: "expired_token", elapsed: time.Second},
		{name: "expired locally", setup: func(op *scriptOP) {
			covTokStartCIBA(op, 3, 2)
			covTokPolls(op, covTokPending)
		}, oauth: "expired_token", elapsed: 3 * time.Second},
		{name: "caller's deadline", setup: func(op *scriptOP) {
			covTokStartCIBA(op, 60, 1)
			covTokPolls(op, covTokPending)
		}, ctx: func(ctx context.Context, _ *scriptOP) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 2500*time.Millisecond)
		}, is: context.DeadlineExceeded, elapsed: 2500 * time.Millisecond},
		{name: "caller cancels during a poll", setup: func(op *scriptOP) { covTokStartCIBA(op, 60, 1) },
			ctx: func(ctx context.Context, op *scriptOP) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(ctx)
				op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
					cancel()
					writeJSON(w, 400, map[string]any{"error": "access_denied"})
				})
				return ctx, cancel
			}, is: context.Canceled, elapsed: time.Second},
		{name: "answer without ID token", setup: func(op *scriptOP) {
			covTokStartCIBA(op, 60, 1)
			op.handleJSON("/oauth/token", 200, map[string]any{"access_token": "at"})
		}, elapsed: time.Second},
		{name: "answer not JSON", setup: func(op *scriptOP) {
			covTokStartCIBA(op, 60, 1)
			op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{")) })
		}, elapsed: time.Second},
		{name: "invalid ID token", setup: func(op *scriptOP) {
			covTokStartCIBA(op, 60, 1)
			op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"access_token": "at", "id_token": op.idToken("user-1", map[string]any{"iss": "https://evil.example/"})})
			})
		}, elapsed: time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := newScriptOP(t)
			synctest.Test(t, func(t *testing.T) {
				if tc.setup != nil {
					tc.setup(op)
				}
				c := covTokCIBAClient(t, op)
				ctx, cancel := context.WithCancel(context.Background())
				if tc.ctx != nil {
					ctx, cancel = tc.ctx(ctx, op)
				}
				defer cancel()
				opts := tc.opts
				if opts.BindingMessage == "" && opts.LoginHintSub == "" {
					opts = covTokCIBAOpts
				}
				start := time.Now()
				res, err := c.GetTokenByBackchannelAuth(ctx, opts)
				if d := time.Since(start); d != tc.elapsed {
					t.Errorf("took %v, want %v", d, tc.elapsed)
				}
				is := tc.is
				if is == nil {
					is = ErrBackchannel
				}
				if res != nil || !errors.Is(err, is) {
					t.Fatalf("= %+v, %v; want %v", res, err, is)
				}
				if tc.is == nil {
					var e *Error
					if !errors.As(err, &e) || e.Code != firstNonEmpty(tc.code, CodeBackchannelError) {
						t.Fatalf("err = %#v, want code %s", err, firstNonEmpty(tc.code, CodeBackchannelError))
					}
				}
				var oe *OAuthError
				if got := errors.As(err, &oe); tc.oauth != "" && (!got || oe.Code != tc.oauth) {
					t.Fatalf("wrapped OAuthError = %#v, want %s", oe, tc.oauth)
				}
				if tc.opts.BindingMessage != "" || tc.opts.LoginHintSub != "" {
					if n := len(op.requestsTo("/bc-authorize")); n != 0 {
						t.Errorf("an incomplete request was sent (%d)", n)
					}
				}
			})
		})
	}
}

// TestCovTokLoginBackchannel: an approved CIBA request logs the user in
// through the bound request (authorization details kept when asked for);
// without a bound request, or when the request fails, no session is made.
func TestCovTokLoginBackchannel(t *testing.T) {
	op := newScriptOP(t)
	synctest.Test(t, func(t *testing.T) {
		c := covTokCIBAClient(t, op, WithTuning(Tuning{AuthorizationDetailsInSession: true}))
		covTokStartCIBA(op, 60, 1)
		covTokPolls(op, nil)
		if _, err := c.LoginBackchannel(context.Background(), covTokCIBAOpts); !errors.Is(err, ErrNotBound) {
			t.Fatalf("unbound: err = %v, want ErrNotBound", err)
		}
		ctx, ex := boundRequest(c, "POST", "/ciba", nil)
		if _, err := c.LoginBackchannel(ctx, BackchannelOptions{LoginHintSub: "u"}); !errors.Is(err, ErrBackchannel) || len(ex.set) != 0 {
			t.Fatalf("refused: err = %v, cookies %v", err, ex.set)
		}
		s, err := c.LoginBackchannel(ctx, covTokCIBAOpts)
		if err != nil {
			t.Fatal(err)
		}
		if s.User.Sub != "user-1" || s.Internal.SID != "sid-user-1" || s.Internal.CreatedAt != time.Now().Unix() {
			t.Errorf("session = %+v", s)
		}
		stored := op.sessionOf(c, ex.set)
		if stored.User.Sub != "user-1" || stored.TokenSet.AccessToken != "at-ciba" ||
			string(stored.Extra[sessionAuthorizationDetails]) != `[{"amount":42,"type":"payment"}]` {
			t.Fatalf("stored session = %+v (extra %s)", stored, stored.Extra)
		}
	})
}
