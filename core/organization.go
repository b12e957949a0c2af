package auth0kit

import (
	"encoding/json"
	"errors"
	"strings"
)

// ErrOrganizationMismatch matches an [*OrganizationMismatchError].
var ErrOrganizationMismatch = errors.New("auth0kit: the ID token is not for the requested organization")

// maxOrganizationLength bounds the organization and invitation parameters.
const maxOrganizationLength = 256

// OrganizationMismatchError is a login whose ID token does not carry the
// organization that was asked for (Auth0's rule: an org_… id must equal the
// org_id claim; a name must equal the org_name claim, case-insensitively).
// It also matches [ErrIDTokenInvalid].
type OrganizationMismatchError struct {
	Requested string // the organization asked for
	Claim     string // org_id or org_name
	Got       string // the claim's value ("" when absent)
}

func (e *OrganizationMismatchError) Error() string {
	if e.Got == "" {
		return "auth0kit: the ID token has no " + e.Claim + " claim, but an organization was requested"
	}
	return "auth0kit: the ID token's " + e.Claim + " claim does not match the requested organization"
}

// Is matches [ErrOrganizationMismatch] and [ErrIDTokenInvalid].
func (e *OrganizationMismatchError) Is(target error) bool {
	return target == ErrOrganizationMismatch || target == ErrIDTokenInvalid
}

// checkOrganization applies Auth0's organization rule to the ID token
// claims when org was requested.
func checkOrganization(org string, claims map[string]json.RawMessage) error {
	if org == "" {
		return nil
	}
	str := func(name string) string {
		var s string
		_ = json.Unmarshal(claims[name], &s)
		return s
	}
	if strings.HasPrefix(org, "org_") {
		if got := str("org_id"); got != org {
			return &OrganizationMismatchError{Requested: org, Claim: "org_id", Got: got}
		}
		return nil
	}
	if got := str("org_name"); !strings.EqualFold(got, org) {
		return &OrganizationMismatchError{Requested: org, Claim: "org_name", Got: got}
	}
	return nil
}
