package conformance_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

// These tests drive the core's session-less token APIs (custom token
// exchange, CIBA, the MFA API) against the development provider over
// real HTTP; they involve no adapter, so they run once, not per adapter.

const apiSecret = "api-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"

type apiClock struct{ offset time.Duration }

func (c *apiClock) now() time.Time { return time.Now().Add(c.offset) }

func newAPIClient(t *testing.T, op *devop.Provider, clk *apiClock, opts ...auth0kit.Option) *auth0kit.Client {
	t.Helper()
	base := []auth0kit.Option{
		auth0kit.WithDomain(op.Issuer()), auth0kit.WithClientID(op.Client().ID),
		auth0kit.WithClientSecret(op.Client().Secret), auth0kit.WithSecret(apiSecret),
		auth0kit.WithAppBaseURL("http://127.0.0.1:3000"),
	}
	if clk != nil {
		base = append(base, auth0kit.WithTuning(auth0kit.Tuning{Clock: clk.now}))
	}
	c, err := auth0kit.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCustomTokenExchangeValidation(t *testing.T) {
	op := devop.Start(t, devop.Options{})
	c := newAPIClient(t, op, nil)
	cases := []struct {
		name string
		opts auth0kit.CustomTokenExchangeOptions
		code string
	}{
		{"empty subject", auth0kit.CustomTokenExchangeOptions{SubjectToken: " ", SubjectTokenType: "urn:acme:legacy-token"}, auth0kit.CodeMissingSubjectToken},
		{"bearer prefix", auth0kit.CustomTokenExchangeOptions{SubjectToken: "Bearer x", SubjectTokenType: "urn:acme:legacy-token"}, auth0kit.CodeMissingSubjectToken},
		{"short type", auth0kit.CustomTokenExchangeOptions{SubjectToken: "x", SubjectTokenType: "urn:a:b"}, auth0kit.CodeInvalidSubjectTokenTyp},
		{"long type", auth0kit.CustomTokenExchangeOptions{SubjectToken: "x", SubjectTokenType: "urn:acme:" + strings.Repeat("a", 100)}, auth0kit.CodeInvalidSubjectTokenTyp},
		{"type not a URI", auth0kit.CustomTokenExchangeOptions{SubjectToken: "x", SubjectTokenType: "not a uri at all"}, auth0kit.CodeInvalidSubjectTokenTyp},
		{"actor without type", auth0kit.CustomTokenExchangeOptions{SubjectToken: "x", SubjectTokenType: "urn:acme:legacy-token", ActorToken: "a"}, auth0kit.CodeMissingActorTokenType},
		{"bad actor type", auth0kit.CustomTokenExchangeOptions{SubjectToken: "x", SubjectTokenType: "urn:acme:legacy-token", ActorToken: "a", ActorTokenType: "bad type"}, auth0kit.CodeInvalidActorTokenType},
		{"refused by the provider", auth0kit.CustomTokenExchangeOptions{SubjectToken: "unknown-token", SubjectTokenType: "urn:acme:legacy-token"}, auth0kit.CodeExchangeFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CustomTokenExchange(context.Background(), tc.opts)
			var e *auth0kit.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
		})
	}
	if n := op.TokenRequests("urn:ietf:params:oauth:grant-type:token-exchange"); n != 1 {
		t.Errorf("%d exchange requests; validation failures must not reach the provider", n)
	}
}

func TestCustomTokenExchange(t *testing.T) {
	op := devop.Start(t, devop.Options{})
	c := newAPIClient(t, op, nil)
	actor, err := c.CustomTokenExchange(context.Background(), auth0kit.CustomTokenExchangeOptions{
		SubjectToken: "legacy:agent@example.com", SubjectTokenType: "urn:acme:legacy-token"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.CustomTokenExchange(context.Background(), auth0kit.CustomTokenExchangeOptions{
		SubjectToken: "legacy:jane.doe@example.com", SubjectTokenType: "urn:acme:legacy-token",
		ActorToken: actor.AccessToken, ActorTokenType: auth0kit.TokenTypeAccessToken,
		Audience: "https://api.example.com/", Scope: "read:data"})
	if err != nil {
		t.Fatal(err)
	}
	if res.AccessToken == "" || res.IDToken == "" || res.RefreshToken == "" || res.ExpiresIn <= 0 {
		t.Fatalf("result %+v", res)
	}
	var act map[string]any
	if err := json.Unmarshal(res.Act, &act); err != nil || act["sub"] == "" {
		t.Fatalf("act claim %s", res.Act)
	}
}

func TestBackchannelAuthentication(t *testing.T) {
	op := devop.Start(t, devop.Options{CIBAApprovalDelay: 1200 * time.Millisecond, CIBADenySubs: nil})
	c := newAPIClient(t, op, nil)
	sub, err := op.Subject("jane.doe@example.com")
	if err != nil {
		t.Fatal(err)
	}
	details := json.RawMessage(`[{"type":"payment_initiation","amount":"12.00"}]`)
	res, err := c.GetTokenByBackchannelAuth(context.Background(), auth0kit.BackchannelOptions{
		BindingMessage: "Approve order 1234", LoginHintSub: sub, AuthorizationDetails: details})
	if err != nil {
		t.Fatal(err)
	}
	if res.User.Sub != sub || res.TokenSet.AccessToken == "" || res.TokenSet.IDToken == "" {
		t.Fatalf("result %+v", res)
	}
	if !strings.Contains(string(res.AuthorizationDetails), "payment_initiation") {
		t.Errorf("authorization_details not returned: %s", res.AuthorizationDetails)
	}
	if op.TokenRequests("urn:openid:params:grant-type:ciba") < 2 {
		t.Error("the first poll should have been authorization_pending")
	}

	t.Run("denied", func(t *testing.T) {
		denied, _ := op.Subject("mallory@example.com") // subs derive from the e-mail
		op2 := devop.Start(t, devop.Options{CIBADenySubs: []string{denied}, CIBAApprovalDelay: 10 * time.Millisecond})
		c := newAPIClient(t, op2, nil)
		if _, err := op2.Subject("mallory@example.com"); err != nil { // make the user known
			t.Fatal(err)
		}
		_, err := c.GetTokenByBackchannelAuth(context.Background(), auth0kit.BackchannelOptions{
			BindingMessage: "Approve", LoginHintSub: denied})
		var oe *auth0kit.OAuthError
		if !errors.Is(err, auth0kit.ErrBackchannel) || !errors.As(err, &oe) || oe.Code != "access_denied" {
			t.Fatalf("err = %v, want ErrBackchannel wrapping access_denied", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := c.GetTokenByBackchannelAuth(ctx, auth0kit.BackchannelOptions{BindingMessage: "Approve", LoginHintSub: sub})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the context's error", err)
		}
	})
	t.Run("missing binding message", func(t *testing.T) {
		_, err := c.GetTokenByBackchannelAuth(context.Background(), auth0kit.BackchannelOptions{LoginHintSub: sub})
		if !errors.Is(err, auth0kit.ErrBackchannel) {
			t.Fatalf("err = %v", err)
		}
	})
}

// mfaStepUp gets an MfaRequiredError from the provider's MFA policy.
func mfaStepUp(t *testing.T, c *auth0kit.Client, audience string) *auth0kit.MfaRequiredError {
	t.Helper()
	_, err := c.CustomTokenExchange(context.Background(), auth0kit.CustomTokenExchangeOptions{
		SubjectToken: "legacy:jane.doe@example.com", SubjectTokenType: "urn:acme:legacy-token", Audience: audience})
	var mfa *auth0kit.MfaRequiredError
	if !errors.As(err, &mfa) || mfa.MfaToken == "" {
		t.Fatalf("err = %v, want *MfaRequiredError with a token", err)
	}
	return mfa
}

func TestMFAStepUp(t *testing.T) {
	const api = "https://api2.example.com/"
	op := devop.Start(t, devop.Options{MFAAudiences: []string{api}})
	clk := &apiClock{}
	c := newAPIClient(t, op, clk)
	ctx := context.Background()
	mfa := mfaStepUp(t, c, api)

	enr, err := c.MFA().Enroll(ctx, auth0kit.EnrollOptions{MfaToken: mfa.MfaToken, FactorType: "otp"})
	if err != nil || enr.Secret == "" {
		t.Fatalf("enroll: %+v %v", enr, err)
	}
	auths, err := c.MFA().GetAuthenticators(ctx, mfa.MfaToken)
	if err != nil || len(auths) == 0 {
		t.Fatalf("authenticators: %v %v", auths, err)
	}
	ch, err := c.MFA().Challenge(ctx, auth0kit.ChallengeOptions{MfaToken: mfa.MfaToken, ChallengeType: "otp", AuthenticatorID: auths[0].ID})
	if err != nil || ch.ChallengeType != "otp" {
		t.Fatalf("challenge: %+v %v", ch, err)
	}
	if _, err := c.MFA().Verify(ctx, auth0kit.VerifyOptions{MfaToken: mfa.MfaToken, OTP: "000000"}); err == nil {
		t.Fatal("a wrong OTP was accepted")
	}
	res, err := c.MFA().Verify(ctx, auth0kit.VerifyOptions{MfaToken: mfa.MfaToken, OTP: devop.DefaultMFACode})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if res.AccessToken.Token == "" || res.AccessToken.Audience != api {
		t.Fatalf("verify result %+v", res.AccessToken)
	}
	if len(enr.RecoveryCodes) > 0 {
		rec, err := c.MFA().Verify(ctx, auth0kit.VerifyOptions{MfaToken: mfaStepUp(t, c, api).MfaToken, RecoveryCode: enr.RecoveryCodes[0]})
		if err != nil || rec.RecoveryCode == "" {
			t.Fatalf("recovery code: %+v %v", rec, err)
		}
	}

	cases := []struct {
		name  string
		token func() string
		want  error
	}{
		{"empty", func() string { return "" }, auth0kit.ErrMfaTokenNotFound},
		{"garbage", func() string { return "not-a-token" }, auth0kit.ErrMfaTokenInvalid},
		{"tampered", func() string {
			tok := []byte(mfaStepUp(t, c, api).MfaToken)
			tok[len(tok)-5] ^= 1
			return string(tok)
		}, auth0kit.ErrMfaTokenInvalid},
		{"other secret", func() string {
			other := newAPIClient(t, op, nil, auth0kit.WithSecret("another-secret-0123456789-abcdefghijklmnop"))
			return mfaStepUp(t, other, api).MfaToken
		}, auth0kit.ErrMfaTokenInvalid},
		{"expired", func() string {
			tok := mfaStepUp(t, c, api).MfaToken
			clk.offset = 301*time.Second + 15*time.Second // TTL plus the 15 s tolerance
			return tok
		}, auth0kit.ErrMfaTokenExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk.offset = 0
			tok := tc.token()
			_, err := c.MFA().GetAuthenticators(ctx, tok)
			var me *auth0kit.MfaError
			if !errors.Is(err, tc.want) || !errors.As(err, &me) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
