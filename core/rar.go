package auth0kit

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// loginExtensions adds the organization, invitation and
// authorization_details of a login to its authorization parameters and
// validates them (whether they came from options or the login query).
func loginExtensions(params map[string]string, opts LoginOptions) error {
	fail := func(msg string) error { return &Error{Code: CodeAuthorizationError, Message: msg} }
	if opts.Organization != "" {
		params["organization"] = opts.Organization
	}
	if opts.Invitation != "" {
		params["invitation"] = opts.Invitation
	}
	if len(opts.AuthorizationDetails) > 0 {
		params["authorization_details"] = string(opts.AuthorizationDetails)
	}
	if len(params["organization"]) > maxOrganizationLength || len(params["invitation"]) > maxOrganizationLength {
		return fail("organization and invitation must be at most 256 bytes")
	}
	if params["invitation"] != "" && params["organization"] == "" {
		return fail("an invitation needs an organization")
	}
	if raw, ok := params["authorization_details"]; ok {
		compact, err := compactAuthorizationDetails(raw)
		if err != nil {
			return fail("authorization_details must be a JSON array of objects with a type")
		}
		params["authorization_details"] = compact
	}
	return nil
}

// maxAuthorizationDetails bounds the authorization_details of a login.
const maxAuthorizationDetails = 8 << 10

// compactAuthorizationDetails validates a Rich Authorization Requests
// array (RFC 9396 §2: objects, each with a string type) and compacts it.
func compactAuthorizationDetails(raw string) (string, error) {
	if len(raw) > maxAuthorizationDetails {
		return "", errInvalidDetails
	}
	var list []map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(raw))
	if err := dec.Decode(&list); err != nil || dec.More() || len(list) == 0 {
		return "", errInvalidDetails
	}
	for _, d := range list {
		var typ string
		if json.Unmarshal(d["type"], &typ) != nil || typ == "" {
			return "", errInvalidDetails
		}
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(raw)); err != nil {
		return "", err
	}
	return b.String(), nil
}

var errInvalidDetails = errors.New("auth0kit: invalid authorization_details")

// sameOriginURL resolves a per-call redirect_uri against the base URL and
// refuses one on another origin.
func sameOriginURL(raw string, base *url.URL) (string, error) {
	bad := &Error{Code: CodeAuthorizationError, Message: "the redirect_uri must be on the application's origin"}
	if len(raw) > maxReturnToLength {
		return "", bad
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Fragment != "" || u.Opaque != "" || strings.ContainsAny(raw, "\\\x00\r\n\t") {
		return "", bad
	}
	if u.Scheme == "" && u.Host == "" {
		if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") {
			return "", bad
		}
		return absoluteURL(base, raw), nil
	}
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return "", bad
	}
	return u.String(), nil
}

// sessionAuthorizationDetails is the session key of the granted
// authorization_details when Tuning.AuthorizationDetailsInSession is on.
const sessionAuthorizationDetails = "authorization_details"

// keepAuthorizationDetails stores granted details in the session's Extra
// (key "authorization_details") when the application asked for it, so
// they are there for the BeforeSessionSaved hook and later requests.
func (c *Client) keepAuthorizationDetails(s *Session, details json.RawMessage) {
	if !c.cfg.AuthorizationDetailsInSession || len(details) == 0 || !json.Valid(details) {
		return
	}
	if s.Extra == nil {
		s.Extra = map[string]json.RawMessage{}
	}
	s.Extra[sessionAuthorizationDetails] = details
}
