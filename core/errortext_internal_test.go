package auth0kit

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestErrorTexts: every error type renders a message naming what failed,
// and the JSON bodies carry error and error_description.
func TestErrorTexts(t *testing.T) {
	inner := errors.New("inner cause")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&InvalidConfigurationError{Field: "Domain", Reason: "is required"}, "Domain: is required"},
		{&OAuthError{Code: "invalid_grant"}, "invalid_grant"},
		{&OAuthError{Code: "invalid_grant", Description: "expired"}, "expired"},
		{&IDTokenError{Reason: "bad aud"}, "bad aud"},
		{&IDTokenError{Reason: "bad sig", Err: inner}, "inner cause"},
		{&LogoutTokenError{Reason: "no events"}, "no events"},
		{&OrganizationMismatchError{Requested: "org_1", Claim: "org_id"}, "no org_id claim"},
		{&OrganizationMismatchError{Requested: "org_1", Claim: "org_id", Got: "org_2"}, "org_id"},
		{&MfaError{Op: "verify", Code: "invalid_grant", Description: "bad otp"}, "bad otp"},
		{&MfaRequiredError{Description: "step up"}, "step up"},
	} {
		if got := tc.err.Error(); !strings.Contains(got, tc.want) {
			t.Errorf("%T: %q lacks %q", tc.err, got, tc.want)
		}
	}
	for _, m := range []json.Marshaler{&MfaError{Code: "c", Description: "d"}, &MfaRequiredError{Description: "d", MfaToken: "t"}} {
		b, err := m.MarshalJSON()
		var body map[string]any
		if err != nil || json.Unmarshal(b, &body) != nil || body["error"] == "" || body["error_description"] != "d" {
			t.Errorf("%T: %s %v", m, b, err)
		}
	}
}

func TestParseSameSiteAndScopeCount(t *testing.T) {
	for in, want := range map[string]http.SameSite{"lax": http.SameSiteLaxMode, "Strict": http.SameSiteStrictMode, "NONE": http.SameSiteNoneMode, "bogus": -1} {
		if got := parseSameSite(in); got != want {
			t.Errorf("%q: %v", in, got)
		}
	}
	if scopeCount(" openid  profile email ") != 3 {
		t.Error("scopeCount")
	}
}
