package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

const covTokSubjectType = "urn:acme:legacy-token"

// TestCovTokExchangeValidation: nextjs-auth0's request rules, checked
// before any request.
func TestCovTokExchangeValidation(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	ok := CustomTokenExchangeOptions{SubjectToken: "tok", SubjectTokenType: covTokSubjectType}
	with := func(f func(o *CustomTokenExchangeOptions)) CustomTokenExchangeOptions {
		o := ok
		f(&o)
		return o
	}
	cases := []struct {
		name string
		opts CustomTokenExchangeOptions
		code string
	}{
		{"no subject token", with(func(o *CustomTokenExchangeOptions) { o.SubjectToken = "" }), CodeMissingSubjectToken},
		{"blank subject token", with(func(o *CustomTokenExchangeOptions) { o.SubjectToken = " \t" }), CodeMissingSubjectToken},
		{"padded subject token", with(func(o *CustomTokenExchangeOptions) { o.SubjectToken = " tok" }), CodeMissingSubjectToken},
		{"Bearer prefix", with(func(o *CustomTokenExchangeOptions) { o.SubjectToken = "Bearer tok" }), CodeMissingSubjectToken},
		{"type too short", with(func(o *CustomTokenExchangeOptions) { o.SubjectTokenType = "urn:a:b" }), CodeInvalidSubjectTokenTyp},
		{"type too long", with(func(o *CustomTokenExchangeOptions) { o.SubjectTokenType = "urn:acme:" + strings.Repeat("x", 92) }), CodeInvalidSubjectTokenTyp},
		{"type not a URI", with(func(o *CustomTokenExchangeOptions) { o.SubjectTokenType = "legacy token type" }), CodeInvalidSubjectTokenTyp},
		{"type relative", with(func(o *CustomTokenExchangeOptions) { o.SubjectTokenType = "/token-type/legacy" }), CodeInvalidSubjectTokenTyp},
		{"actor without type", with(func(o *CustomTokenExchangeOptions) { o.ActorToken = "act" }), CodeMissingActorTokenType},
		{"actor type invalid", with(func(o *CustomTokenExchangeOptions) {
			o.ActorToken, o.ActorTokenType = "act", "https://x.example/a b"
		}), CodeInvalidActorTokenType},
		{"actor type without actor", with(func(o *CustomTokenExchangeOptions) { o.ActorTokenType = "not a uri" }), CodeInvalidActorTokenType},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CustomTokenExchange(context.Background(), tc.opts)
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || HTTPStatus(err) != http.StatusBadRequest {
				t.Fatalf("err = %v, want %s 400", err, tc.code)
			}
		})
	}
	op.mu.Lock()
	n := len(op.requests)
	op.mu.Unlock()
	if n != 0 {
		t.Errorf("%d requests for invalid exchanges", n)
	}
	for _, uri := range []string{covTokSubjectType, "URN:Acme:Token-Type", "https://acme.example/token-type", "mailto:tokens@acme.example",
		"urn:ietf:params:oauth:token-type:jwt"} {
		if !validTokenTypeURI(uri) {
			t.Errorf("%q refused", uri)
		}
	}
	for _, uri := range []string{"urn:acme:a b", "https://", "acme:", "http://a.example/\tx", "just-words"} {
		if validTokenTypeURI(uri) {
			t.Errorf("%q accepted", uri)
		}
	}
}

// TestCovTokExchange: the request carries the subject and actor, merged
// scope, audience, organization and the non-reserved additional
// parameters; the ID token is verified and its act claim returned.
func TestCovTokExchange(t *testing.T) {
	op := newScriptOP(t)
	op.handle("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"access_token": "at-x", "refresh_token": "rt-x", "expires_in": "7200", "scope": "openid read:x",
			"id_token": op.idToken("user-9", map[string]any{"act": map[string]any{"sub": "agent-1"}})})
	})
	c := newScriptClient(t, op)
	res, err := c.CustomTokenExchange(context.Background(), CustomTokenExchangeOptions{
		SubjectToken: "legacy-123", SubjectTokenType: covTokSubjectType,
		ActorToken: "act-456", ActorTokenType: "urn:ietf:params:oauth:token-type:jwt",
		Audience: covTokAPI, Scope: "read:x openid", Organization: "org_1",
		AdditionalParams: map[string]string{"device": "kiosk", "empty": "", "grant_type": "password", "scope": "admin",
			"client_id": "evil", "organization": "org_2", "resource": "https://r"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.AccessToken != "at-x" || res.RefreshToken != "rt-x" || res.TokenType != "Bearer" || res.ExpiresIn != 2*time.Hour ||
		res.Scope != "openid read:x" || res.IDToken == "" || string(res.Act) != `{"sub":"agent-1"}` {
		t.Fatalf("result = %+v (act %s)", res, res.Act)
	}
	sent := op.lastTo("/oauth/token").Form
	want := map[string]string{"grant_type": grantTokenExchange, "subject_token": "legacy-123", "subject_token_type": covTokSubjectType,
		"actor_token": "act-456", "actor_token_type": "urn:ietf:params:oauth:token-type:jwt", "audience": covTokAPI,
		"scope": "openid profile email offline_access read:x", "organization": "org_1", "device": "kiosk", "client_id": "client-1"}
	for k, v := range want {
		if sent.Get(k) != v || len(sent[k]) != 1 {
			t.Errorf("%s = %q, want %q", k, sent[k], v)
		}
	}
	for _, k := range []string{"empty", "resource", "requested_token_type"} {
		if sent.Has(k) {
			t.Errorf("%s was sent", k)
		}
	}
}

// TestCovTokExchangeAnswers maps the provider's answers to an exchange.
func TestCovTokExchangeAnswers(t *testing.T) {
	cases := []struct {
		name  string
		h     func(op *scriptOP) http.HandlerFunc
		check func(t *testing.T, c *Client, res *TokenExchangeResult, err error)
	}{
		{"access token only", func(op *scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"access_token": "at", "token_type": "DPoP", "expires_in": 60.9})
			}
		}, func(t *testing.T, _ *Client, res *TokenExchangeResult, err error) {
			if err != nil || res.IDToken != "" || res.Act != nil || res.TokenType != "DPoP" || res.ExpiresIn != time.Minute {
				t.Fatalf("= %+v, %v", res, err)
			}
		}},
		{"refused", func(op *scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 400, map[string]any{"error": "invalid_grant", "error_description": "subject token expired"})
			}
		}, func(t *testing.T, _ *Client, res *TokenExchangeResult, err error) {
			var e *Error
			var oe *OAuthError
			if !errors.As(err, &e) || e.Code != CodeExchangeFailed || !errors.As(err, &oe) || oe.Code != "invalid_grant" || HTTPStatus(err) != 400 {
				t.Fatalf("err = %v", err)
			}
		}},
		{"mfa required", func(op *scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 403, map[string]any{"error": "mfa_required", "error_description": "MFA", "mfa_token": "raw-x"})
			}
		}, func(t *testing.T, c *Client, res *TokenExchangeResult, err error) {
			var mre *MfaRequiredError
			if !errors.As(err, &mre) || HTTPStatus(err) != 403 {
				t.Fatalf("err = %v", err)
			}
			mc, oerr := c.openMFAToken(mre.MfaToken, time.Now().Unix())
			if oerr != nil || mc.MfaToken != "raw-x" || mc.Sub != "" || mc.Audience != covTokAPI || mc.Scope != DefaultScope {
				t.Fatalf("mfa token = %+v, %v (want unbound, with audience and scope)", mc, oerr)
			}
		}},
		{"not JSON", func(op *scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) }
		}, func(t *testing.T, _ *Client, res *TokenExchangeResult, err error) {
			var oe *OAuthError
			if !errors.As(err, &oe) || oe.Code != "invalid_response" || !strings.Contains(oe.Description, "not JSON") {
				t.Fatalf("err = %v", err)
			}
		}},
		{"no token", func(op *scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"token_type": "Bearer"})
			}
		}, func(t *testing.T, _ *Client, res *TokenExchangeResult, err error) {
			var oe *OAuthError
			if !errors.As(err, &oe) || oe.Code != "invalid_response" || !strings.Contains(oe.Description, "no token") {
				t.Fatalf("err = %v", err)
			}
		}},
		{"invalid ID token", func(op *scriptOP) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"access_token": "at", "id_token": op.idToken("u", map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})})
			}
		}, func(t *testing.T, _ *Client, res *TokenExchangeResult, err error) {
			var e *Error
			if res != nil || !errors.As(err, &e) || e.Code != CodeExchangeFailed || !errors.Is(err, ErrIDTokenInvalid) {
				t.Fatalf("= %+v, %v", res, err)
			}
		}},
		{"discovery down", func(op *scriptOP) http.HandlerFunc {
			covTokDiscoveryDown(op)
			return op.defaultToken
		}, func(t *testing.T, _ *Client, res *TokenExchangeResult, err error) {
			if !errors.Is(err, ErrDiscovery) {
				t.Fatalf("err = %v", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := newScriptOP(t)
			op.handle("/oauth/token", tc.h(op))
			c := newScriptClient(t, op)
			res, err := c.CustomTokenExchange(context.Background(), CustomTokenExchangeOptions{
				SubjectToken: "s", SubjectTokenType: covTokSubjectType, Audience: covTokAPI})
			tc.check(t, c, res, err)
		})
	}
}

// TestCovTokExpiresIn reads expires_in as an integer, a float, or not at
// all.
func TestCovTokExpiresIn(t *testing.T) {
	for in, want := range map[json.Number]int64{"": 0, "3600": 3600, "59.9": 59, "1e3": 1000, "soon": 0} {
		if got := (&tokenResponse{ExpiresIn: in}).expiresIn(); got != want {
			t.Errorf("expiresIn(%q) = %d, want %d", in, got, want)
		}
	}
}
