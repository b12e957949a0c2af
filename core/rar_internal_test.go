package auth0kit

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestCheckOrganization(t *testing.T) {
	claims := func(kv ...string) map[string]json.RawMessage {
		m := map[string]json.RawMessage{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]], _ = json.Marshal(kv[i+1])
		}
		return m
	}
	cases := []struct {
		name   string
		org    string
		claims map[string]json.RawMessage
		ok     bool
	}{
		{"none requested", "", claims(), true},
		{"id matches", "org_123", claims("org_id", "org_123"), true},
		{"id differs", "org_123", claims("org_id", "org_456"), false},
		{"id case differs", "org_abc", claims("org_id", "org_ABC"), false},
		{"id missing", "org_123", claims(), false},
		{"name matches case-insensitively", "Acme", claims("org_name", "acme"), true},
		{"name differs", "acme", claims("org_name", "globex"), false},
		{"name only in org_id", "acme", claims("org_id", "acme"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkOrganization(tc.org, tc.claims)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if err != nil && (!errors.Is(err, ErrOrganizationMismatch) || !errors.Is(err, ErrIDTokenInvalid)) {
				t.Fatalf("err %v does not match the sentinels", err)
			}
		})
	}
}

func TestLoginExtensions(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]string
		opts   LoginOptions
		ok     bool
		want   map[string]string
	}{
		{"organization and invitation", map[string]string{}, LoginOptions{Organization: "org_1", Invitation: "inv"}, true,
			map[string]string{"organization": "org_1", "invitation": "inv"}},
		{"invitation alone", map[string]string{"invitation": "inv"}, LoginOptions{}, false, nil},
		{"details compacted", map[string]string{}, LoginOptions{AuthorizationDetails: json.RawMessage(`[ {"type": "a"} ]`)}, true,
			map[string]string{"authorization_details": `[{"type":"a"}]`}},
		{"details from query", map[string]string{"authorization_details": `[{"type":"a"}]`}, LoginOptions{}, true, nil},
		{"details not an array", map[string]string{"authorization_details": `{"type":"a"}`}, LoginOptions{}, false, nil},
		{"details without type", map[string]string{"authorization_details": `[{"kind":"a"}]`}, LoginOptions{}, false, nil},
		{"details empty", map[string]string{"authorization_details": `[]`}, LoginOptions{}, false, nil},
		{"details trailing data", map[string]string{"authorization_details": `[{"type":"a"}] x`}, LoginOptions{}, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := loginExtensions(tc.params, tc.opts)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if err != nil && HTTPStatus(err) != 400 {
				t.Fatalf("status %d for %v", HTTPStatus(err), err)
			}
			for k, v := range tc.want {
				if tc.params[k] != v {
					t.Fatalf("%s = %q, want %q", k, tc.params[k], v)
				}
			}
		})
	}
}

func TestSameOriginRedirectURI(t *testing.T) {
	base, _ := url.Parse("https://app.example.com/base")
	cases := []struct {
		raw, want string
	}{
		{"/auth/other-callback", "https://app.example.com/auth/other-callback"},
		{"https://app.example.com/cb?x=1", "https://app.example.com/cb?x=1"},
		{"HTTPS://APP.example.com/cb", "https://APP.example.com/cb"},
		{"https://evil.example.com/cb", ""},
		{"http://app.example.com/cb", ""},
		{"//evil.example.com/cb", ""},
		{"cb", ""},
		{"https://user@app.example.com/cb", ""},
		{"/cb#frag", ""},
		{"/\\evil.example.com", ""},
		{"javascript:alert(1)", ""},
	}
	for _, tc := range cases {
		got, err := sameOriginURL(tc.raw, base)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q accepted as %q", tc.raw, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
}

func TestPARInFlightBound(t *testing.T) {
	c := newTestClient(t, WithPushedAuthorizationRequests(true))
	for range maxPARInFlight {
		c.parSlots <- struct{}{}
	}
	p := &provider{meta: Metadata{Issuer: "https://tenant.example.com/", AuthorizationEndpoint: "https://tenant.example.com/authorize",
		PAREndpoint: "https://127.0.0.1:1/par"}}
	_, err := c.pushAuthorizationRequest(t.Context(), p, map[string]string{"scope": "openid"}, "https://app.example.com/auth/callback",
		&transaction{State: "s", Nonce: "n", CodeVerifier: "v"})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodePushedAuthorizationRequestError || !strings.Contains(e.Message, "in flight") {
		t.Fatalf("err = %v", err)
	}
	p.meta.PAREndpoint = ""
	if _, err := c.pushAuthorizationRequest(t.Context(), p, nil, "", &transaction{}); HTTPStatus(err) != 502 {
		t.Fatalf("no PAR endpoint: %v", err)
	}
}
