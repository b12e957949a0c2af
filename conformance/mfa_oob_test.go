package conformance_test

import (
	"context"
	"errors"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

// TestMFAOOBAndDelete: out-of-band factors (SMS and email enrollment, an
// OOB challenge), Verify with a binding code, a wrong binding code
// refused, and DeleteAuthenticator.
func TestMFAOOBAndDelete(t *testing.T) {
	const api = "https://api2.example.com/"
	op := devop.Start(t, devop.Options{MFAAudiences: []string{api}})
	c := newAPIClient(t, op, nil)
	ctx := context.Background()

	// Enrollment of an SMS factor, confirmed with its oob_code + binding code.
	mfa := mfaStepUp(t, c, api)
	enr, err := c.MFA().Enroll(ctx, auth0kit.EnrollOptions{MfaToken: mfa.MfaToken, FactorType: "sms", PhoneNumber: "+15555550100"})
	if err != nil || enr.OOBCode == "" || enr.OOBChannel != "sms" {
		t.Fatalf("enroll sms: %+v %v", enr, err)
	}
	if _, err := c.MFA().Verify(ctx, auth0kit.VerifyOptions{MfaToken: mfa.MfaToken, OOBCode: enr.OOBCode, BindingCode: "000000"}); err == nil {
		t.Fatal("a wrong binding code was accepted")
	}
	res, err := c.MFA().Verify(ctx, auth0kit.VerifyOptions{MfaToken: mfa.MfaToken, OOBCode: enr.OOBCode, BindingCode: devop.DefaultMFACode})
	if err != nil || res.AccessToken.Audience != api {
		t.Fatalf("verify oob enrollment: %+v %v", res, err)
	}
	// An OOB code without its binding code is refused before the provider.
	if _, err := c.MFA().Verify(ctx, auth0kit.VerifyOptions{MfaToken: mfaStepUp(t, c, api).MfaToken, OOBCode: enr.OOBCode}); err == nil {
		t.Fatal("oob_code without binding_code accepted")
	}

	// Email enrollment, then an OOB challenge of an enrolled factor.
	mfa = mfaStepUp(t, c, api)
	if e2, err := c.MFA().Enroll(ctx, auth0kit.EnrollOptions{MfaToken: mfa.MfaToken, FactorType: "email", Email: "jane.doe@example.com"}); err != nil || e2.OOBChannel != "email" {
		t.Fatalf("enroll email: %+v %v", e2, err)
	}
	auths, err := c.MFA().GetAuthenticators(ctx, mfa.MfaToken)
	if err != nil {
		t.Fatal(err)
	}
	var oobID string
	for _, a := range auths {
		if a.AuthenticatorType == "oob" {
			oobID = a.ID
		}
	}
	if oobID == "" {
		t.Fatalf("no oob authenticator in %+v", auths)
	}
	ch, err := c.MFA().Challenge(ctx, auth0kit.ChallengeOptions{MfaToken: mfa.MfaToken, ChallengeType: "oob", AuthenticatorID: oobID})
	if err != nil || ch.ChallengeType != "oob" || ch.OOBCode == "" {
		t.Fatalf("oob challenge: %+v %v", ch, err)
	}
	if _, err := c.MFA().Verify(ctx, auth0kit.VerifyOptions{MfaToken: mfa.MfaToken, OOBCode: ch.OOBCode, BindingCode: devop.DefaultMFACode}); err != nil {
		t.Fatalf("verify oob challenge: %v", err)
	}

	// DeleteAuthenticator removes one from the list.
	mfa = mfaStepUp(t, c, api)
	if auths, err = c.MFA().GetAuthenticators(ctx, mfa.MfaToken); err != nil || len(auths) == 0 {
		t.Fatalf("authenticators: %+v %v", auths, err)
	}
	oobID = ""
	for _, a := range auths {
		if a.AuthenticatorType == "oob" {
			oobID = a.ID
		}
	}
	if err := c.MFA().DeleteAuthenticator(ctx, mfa.MfaToken, oobID); err != nil {
		t.Fatalf("delete %s of %+v: %v", oobID, auths, err)
	}
	after, err := c.MFA().GetAuthenticators(ctx, mfa.MfaToken)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range after {
		if a.ID == oobID {
			t.Fatalf("authenticator %s still listed", oobID)
		}
	}
	if len(after) != len(auths)-1 {
		t.Errorf("%d authenticators after delete, %d before", len(after), len(auths))
	}
	if err := c.MFA().DeleteAuthenticator(ctx, mfa.MfaToken, ""); err == nil {
		t.Error("empty authenticator id accepted")
	}

	// Input refused before the provider, and provider refusals typed.
	var me *auth0kit.MfaError
	for name, opts := range map[string]auth0kit.EnrollOptions{
		"voice without phone": {FactorType: "voice"}, "unknown factor": {FactorType: "carrier-pigeon"},
	} {
		opts.MfaToken = mfa.MfaToken
		if _, err := c.MFA().Enroll(ctx, opts); !errors.As(err, &me) || me.Code != auth0kit.CodeInvalidRequest {
			t.Errorf("enroll %s: %v", name, err)
		}
	}
	if e3, err := c.MFA().Enroll(ctx, auth0kit.EnrollOptions{MfaToken: mfa.MfaToken, FactorType: "push"}); err != nil || e3.OOBChannel != "auth0" {
		t.Errorf("enroll push: %+v %v", e3, err)
	}
	if _, err := c.MFA().Challenge(ctx, auth0kit.ChallengeOptions{MfaToken: mfa.MfaToken, ChallengeType: "sms"}); !errors.As(err, &me) || me.Code != auth0kit.CodeInvalidRequest {
		t.Errorf("challenge type sms: %v", err)
	}
	if _, err := c.MFA().Challenge(ctx, auth0kit.ChallengeOptions{MfaToken: mfa.MfaToken, ChallengeType: "oob", AuthenticatorID: "sms|nope"}); !errors.As(err, &me) {
		t.Errorf("challenge of an unknown authenticator: %v", err)
	}
	if _, err := c.MFA().Enroll(ctx, auth0kit.EnrollOptions{MfaToken: mfa.MfaToken, FactorType: "sms", PhoneNumber: "not a phone"}); !errors.As(err, &me) {
		t.Errorf("enroll with a bad phone: %v", err)
	}
}
