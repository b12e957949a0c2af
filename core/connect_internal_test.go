package auth0kit

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
)

func TestConnectStatus(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{&Error{Code: CodeInvalidConnectRequest, Message: "a connection is required"}, http.StatusBadRequest},
		{&Error{Code: CodeFailedToComplete, Err: &OAuthError{Code: "access_denied"}}, http.StatusBadRequest},
		{&Error{Code: CodeFailedToInitiate, Err: &MyAccountError{Status: 404}}, http.StatusNotFound},
		{&Error{Code: CodeFailedToInitiate, Err: &MyAccountError{Status: 503}}, http.StatusBadGateway},
		{&Error{Code: CodeFailedToList, Err: errors.New("dial tcp: refused")}, http.StatusBadGateway},
		{&Error{Code: CodeFailedToDisconnect, Err: &MyAccountError{Status: 403}}, http.StatusForbidden},
	} {
		if got := HTTPStatus(tc.err); got != tc.want {
			t.Errorf("%v: %d, want %d", tc.err, got, tc.want)
		}
	}
}

// TestConnectURIOrigin: the connect redirect goes only to the issuer's
// origin, whatever the My Account API answers.
func TestConnectURIOrigin(t *testing.T) {
	c := proxyTestClient(t, "https://tenant.example.com/")
	for raw, want := range map[string]bool{
		"https://tenant.example.com/connect":      true,
		"https://tenant.example.com/connect?x=1":  true,
		"http://tenant.example.com/connect":       false,
		"https://evil.example.com/connect":        false,
		"https://tenant.example.com.evil.com/x":   false,
		"//evil.example.com/connect":              false,
		"/connect":                                false,
		"https://tenant.example.com:8443/connect": false,
		"javascript:alert(1)":                     false,
	} {
		u, _ := url.Parse(raw)
		if got := c.onIssuerOrigin(u); got != want {
			t.Errorf("%s: %v, want %v", raw, got, want)
		}
	}
}
