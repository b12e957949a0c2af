package wire

import (
	"encoding/json"
)

// Session is nextjs-auth0's SessionData: the payload of the stateless
// session cookie (minus its "exp" claim) and the record of a stateful store.
type Session struct {
	// User holds the (filtered) ID token claims: "user".
	User User
	// TokenSet is the primary token set: "tokenSet".
	TokenSet TokenSet
	// AccessTokens caches access tokens for other audiences (MRRT / MFA
	// step-up): "accessTokens", omitted when empty.
	AccessTokens []AccessTokenSet
	// Internal is SDK bookkeeping: "internal".
	Internal Internal
	// Extra holds every other top-level key (custom data from
	// beforeSessionSaved/updateSession, "connectionTokenSets", ...) as raw,
	// valid JSON, round-tripped verbatim; nil when there is none. The "exp"
	// claim is never kept here, and keys naming the fields above are
	// ignored when encoding.
	Extra map[string]json.RawMessage
}

// User is the claims object stored as "user". The well-known claims have
// typed fields; everything else lives in Extra.
//
// A known claim is stored in its typed field only when the typed field can
// reproduce it exactly: a non-empty string (any string for "sub"), or true
// for "email_verified". Any other value of a known claim (an empty string,
// false, null, a number, ...) is kept verbatim in Extra under its name, so
// that nothing is lost on a round trip. When encoding, a non-zero typed field
// wins over an Extra entry of the same name.
type User struct {
	// Sub is "sub"; always emitted (as "" if empty) unless Sub is empty and
	// Extra has a "sub" entry.
	Sub string
	// Name is "name", omitted when empty.
	Name string
	// Nickname is "nickname", omitted when empty.
	Nickname string
	// GivenName is "given_name", omitted when empty.
	GivenName string
	// FamilyName is "family_name", omitted when empty.
	FamilyName string
	// Picture is "picture", omitted when empty.
	Picture string
	// Email is "email", omitted when empty.
	Email string
	// EmailVerified is "email_verified", omitted when false (a stored
	// false is kept in Extra).
	EmailVerified bool
	// OrgID is "org_id", omitted when empty.
	OrgID string
	// Extra holds every other claim as raw, valid JSON (nil when none).
	Extra map[string]json.RawMessage
}

// TokenSet is "tokenSet". Empty strings are omitted when encoding; ExpiresAt
// is always written.
type TokenSet struct {
	AccessToken    string // "accessToken"
	IDToken        string // "idToken"
	RefreshToken   string // "refreshToken"
	Scope          string // "scope"
	RequestedScope string // "requestedScope"
	Audience       string // "audience"
	TokenType      string // "token_type" (lower case "bearer"/"dpop" after a refresh)
	ExpiresAt      int64  // "expiresAt", unix seconds
}

// AccessTokenSet is one entry of "accessTokens". AccessToken, Audience and
// ExpiresAt are always written; the other strings are omitted when empty.
type AccessTokenSet struct {
	AccessToken    string // "accessToken"
	Scope          string // "scope"
	RequestedScope string // "requestedScope"
	Audience       string // "audience"
	TokenType      string // "token_type"
	ExpiresAt      int64  // "expiresAt", unix seconds
}

// Internal is "internal". SID and CreatedAt are always written.
type Internal struct {
	SID              string // "sid"
	CreatedAt        int64  // "createdAt", unix seconds
	SessionExpiresAt int64  // "sessionExpiresAt", unix seconds, omitted when 0
	// MCDDomain and MCDIssuer are "mcd": {"domain","issuer"}, the custom
	// domain a session belongs to in resolver mode (nextjs-auth0 v4's
	// shape). The member is written when MCDDomain or MCDIssuer is set.
	MCDDomain string
	MCDIssuer string
}

// Claim unmarshals the claim called name into v (as json.Unmarshal would),
// whether it is a typed field or an Extra entry. It returns
// ErrClaimNotFound when the user has no such claim (an empty typed field
// other than "sub" counts as absent).
func (u *User) Claim(name string, v any) error {
	if u.typedEmitted(name) {
		if s, ok := u.typedString(name); ok {
			if p, ok := v.(*string); ok {
				*p = s
				return nil
			}
			return json.Unmarshal(appendString(nil, s), v)
		}
		// email_verified: true
		if p, ok := v.(*bool); ok {
			*p = true
			return nil
		}
		return json.Unmarshal([]byte("true"), v)
	}
	if raw, ok := u.Extra[name]; ok {
		return json.Unmarshal(raw, v)
	}
	return ErrClaimNotFound
}

// Claims returns every claim as a generic map (strings, bools, float64s,
// maps, slices, nil), e.g. for the /auth/profile JSON. An Extra value that
// is not valid JSON is returned as its json.RawMessage.
func (u User) Claims() map[string]any {
	m := make(map[string]any, 9+len(u.Extra))
	for k, raw := range u.Extra {
		if u.typedEmitted(k) {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			m[k] = raw
			continue
		}
		m[k] = v
	}
	for _, k := range userStringClaims {
		if u.typedEmitted(k) {
			s, _ := u.typedString(k)
			m[k] = s
		}
	}
	if u.EmailVerified {
		m["email_verified"] = true
	}
	return m
}

// MarshalJSON encodes the claims object exactly as it is stored in the
// session cookie.
func (u User) MarshalJSON() ([]byte, error) {
	return appendUser(nil, &u), nil
}

// AppendUser appends u's JSON (as MarshalJSON writes it) to dst.
func AppendUser(dst []byte, u *User) []byte { return appendUser(dst, u) }

// UnmarshalJSON decodes a claims object with the same rules as
// DecodeSession. data is copied. JSON null is a no-op, as encoding/json
// expects of Unmarshalers.
func (u *User) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	sc := scanner{data: append([]byte(nil), data...)}
	var nu User
	if !sc.user(&nu) || !sc.end() {
		return ErrMalformed
	}
	*u = nu
	return nil
}

// userStringClaims lists the string-typed known claims in encoding order.
var userStringClaims = [...]string{"sub", "name", "nickname", "given_name", "family_name", "picture", "email", "org_id"}

// stringField returns the typed field for a string-typed known claim.
func (u *User) stringField(name string) *string {
	switch name {
	case "sub":
		return &u.Sub
	case "name":
		return &u.Name
	case "nickname":
		return &u.Nickname
	case "given_name":
		return &u.GivenName
	case "family_name":
		return &u.FamilyName
	case "picture":
		return &u.Picture
	case "email":
		return &u.Email
	case "org_id":
		return &u.OrgID
	}
	return nil
}

// typedString returns the value of a string-typed known claim.
func (u *User) typedString(name string) (string, bool) {
	if p := u.stringField(name); p != nil {
		return *p, true
	}
	return "", false
}

// typedEmitted reports whether the claim name is written from its typed
// field (and so an Extra entry of that name is shadowed).
func (u *User) typedEmitted(name string) bool {
	switch name {
	case "email_verified":
		return u.EmailVerified
	case "sub":
		if u.Sub != "" {
			return true
		}
		_, inExtra := u.Extra["sub"]
		return !inExtra
	}
	if p := u.stringField(name); p != nil {
		return *p != ""
	}
	return false
}

// CloneSession copies a session deeply enough that the copy's slices and
// maps can be changed without touching the original (the raw JSON values
// in the Extra maps are shared: nothing changes them in place).
func CloneSession(s *Session) *Session {
	if s == nil {
		return nil
	}
	cp := *s
	cp.AccessTokens = append([]AccessTokenSet(nil), s.AccessTokens...)
	if s.Extra != nil {
		cp.Extra = make(map[string]json.RawMessage, len(s.Extra))
		for k, v := range s.Extra {
			cp.Extra[k] = v
		}
	}
	if s.User.Extra != nil {
		cp.User.Extra = make(map[string]json.RawMessage, len(s.User.Extra))
		for k, v := range s.User.Extra {
			cp.User.Extra[k] = v
		}
	}
	return &cp
}
