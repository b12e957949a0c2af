package wire

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// EncodeSession appends the JSON payload of a session cookie to dst: the
// session object with a top-level "exp" claim last. Known members come first
// in a fixed order, then Extra members sorted by key. Extra values must be
// valid JSON; they are written verbatim. A nil s encodes as an empty
// session. An exp of zero is left out (a store record, not a cookie).
func EncodeSession(dst []byte, s *Session, exp int64) []byte {
	if s == nil {
		s = &Session{}
	}
	dst = append(dst, `{"user":`...)
	dst = appendUser(dst, &s.User)
	dst = append(dst, `,"tokenSet":`...)
	dst = appendTokenSet(dst, &s.TokenSet)
	if len(s.AccessTokens) > 0 {
		dst = append(dst, `,"accessTokens":[`...)
		for i := range s.AccessTokens {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendAccessTokenSet(dst, &s.AccessTokens[i])
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"internal":`...)
	dst = appendInternal(dst, &s.Internal)
	dst, _ = appendExtra(dst, false, s.Extra, isSessionKey)
	if exp != 0 { // zero: a store record, which carries no exp
		dst = append(dst, `,"exp":`...)
		dst = strconv.AppendInt(dst, exp, 10)
	}
	return append(dst, '}')
}

// isSessionKey reports the top-level names Extra may not override.
func isSessionKey(k string) bool {
	switch k {
	case "user", "tokenSet", "accessTokens", "internal", "exp":
		return true
	}
	return false
}

func appendUser(dst []byte, u *User) []byte {
	dst = append(dst, '{')
	first := true
	for _, k := range userStringClaims {
		if u.typedEmitted(k) {
			v, _ := u.typedString(k)
			dst = appendStringMember(dst, first, k, v)
			first = false
		}
	}
	if u.EmailVerified {
		dst = appendKey(dst, first, "email_verified")
		dst = append(dst, "true"...)
		first = false
	}
	dst, _ = appendExtra(dst, first, u.Extra, u.typedEmitted)
	return append(dst, '}')
}

func appendTokenSet(dst []byte, t *TokenSet) []byte {
	dst = append(dst, '{')
	first := true
	opt := func(k, v string) {
		if v != "" {
			dst = appendStringMember(dst, first, k, v)
			first = false
		}
	}
	opt("accessToken", t.AccessToken)
	opt("idToken", t.IDToken)
	opt("scope", t.Scope)
	opt("requestedScope", t.RequestedScope)
	opt("refreshToken", t.RefreshToken)
	dst = appendIntMember(dst, first, "expiresAt", t.ExpiresAt)
	first = false
	opt("audience", t.Audience)
	opt("token_type", t.TokenType)
	return append(dst, '}')
}

func appendAccessTokenSet(dst []byte, a *AccessTokenSet) []byte {
	dst = append(dst, '{')
	dst = appendStringMember(dst, true, "accessToken", a.AccessToken)
	if a.Scope != "" {
		dst = appendStringMember(dst, false, "scope", a.Scope)
	}
	if a.RequestedScope != "" {
		dst = appendStringMember(dst, false, "requestedScope", a.RequestedScope)
	}
	dst = appendStringMember(dst, false, "audience", a.Audience)
	dst = appendIntMember(dst, false, "expiresAt", a.ExpiresAt)
	if a.TokenType != "" {
		dst = appendStringMember(dst, false, "token_type", a.TokenType)
	}
	return append(dst, '}')
}

func appendInternal(dst []byte, in *Internal) []byte {
	dst = append(dst, '{')
	dst = appendStringMember(dst, true, "sid", in.SID)
	dst = appendIntMember(dst, false, "createdAt", in.CreatedAt)
	if in.SessionExpiresAt != 0 {
		dst = appendIntMember(dst, false, "sessionExpiresAt", in.SessionExpiresAt)
	}
	if in.MCDDomain != "" || in.MCDIssuer != "" {
		dst = append(appendKey(dst, false, "mcd"), '{')
		dst = appendStringMember(dst, true, "domain", in.MCDDomain)
		dst = appendStringMember(dst, false, "issuer", in.MCDIssuer)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// DecodeSession parses a session payload as written by nextjs-auth0,
// encoding/json or EncodeSession and returns the session and its "exp"
// claim (0 when absent or null). It accepts members in any order, unknown
// members (kept verbatim in Extra), whitespace, escapes, numbers with
// fractions or exponents (truncated toward zero) and null for any typed
// field. Input that is not valid JSON, or whose known members have an
// impossible type, returns ErrMalformed. payload is copied, not retained.
func DecodeSession(payload []byte) (*Session, int64, error) {
	s, exp, _, err := decodeSession(bytes.Clone(payload))
	return s, exp, err
}

// decodeSession decodes buf, which the returned Session takes ownership of:
// its strings may alias buf, so buf must never be written again.
func decodeSession(buf []byte) (s *Session, exp int64, hasExp bool, err error) {
	sc := scanner{data: buf}
	empty, ok := sc.objectStart()
	if !ok {
		return nil, 0, false, ErrMalformed
	}
	s = new(Session)
	for more := !empty; more; {
		k, ok := sc.key()
		if !ok {
			return nil, 0, false, ErrMalformed
		}
		switch k {
		case "user":
			s.User = User{}
			ok = sc.user(&s.User)
		case "tokenSet":
			s.TokenSet = TokenSet{}
			ok = sc.tokenSet(&s.TokenSet)
		case "accessTokens":
			s.AccessTokens = nil
			ok = sc.accessTokens(&s.AccessTokens)
		case "internal":
			s.Internal = Internal{}
			ok = sc.internal(&s.Internal)
		case "exp":
			var null bool
			exp, null, ok = sc.intOrNull()
			hasExp = !null
		default:
			var raw []byte
			if raw, ok = sc.raw(1); ok {
				if s.Extra == nil {
					s.Extra = make(map[string]json.RawMessage)
				}
				s.Extra[k] = raw
			}
		}
		if !ok {
			return nil, 0, false, ErrMalformed
		}
		if more, ok = sc.next('}'); !ok {
			return nil, 0, false, ErrMalformed
		}
	}
	if !sc.end() {
		return nil, 0, false, ErrMalformed
	}
	return s, exp, hasExp, nil
}

// user decodes a claims object (or null) into u, which must be zero. See
// the User documentation for which values land in typed fields.
func (sc *scanner) user(u *User) bool {
	if sc.null() {
		return true
	}
	empty, ok := sc.objectStart()
	if !ok {
		return false
	}
	for more := !empty; more; {
		k, ok := sc.key()
		if !ok {
			return false
		}
		switch p := u.stringField(k); {
		case p != nil && sc.peek() == '"':
			start := sc.pos
			v, ok := sc.str()
			if !ok {
				return false
			}
			if v != "" || k == "sub" {
				*p = v
				delete(u.Extra, k)
			} else {
				*p = ""
				u.setExtra(k, sc.data[start:sc.pos:sc.pos])
			}
		case k == "email_verified" && sc.peek() == 't' && sc.lit("true"):
			u.EmailVerified = true
			delete(u.Extra, k)
		default:
			// Unknown claim, or a known claim whose value the typed field
			// cannot reproduce: keep it verbatim.
			if p != nil {
				*p = ""
			} else if k == "email_verified" {
				u.EmailVerified = false
			}
			raw, ok := sc.raw(1)
			if !ok {
				return false
			}
			u.setExtra(k, raw)
		}
		if more, ok = sc.next('}'); !ok {
			return false
		}
	}
	return true
}

func (u *User) setExtra(k string, raw []byte) {
	if u.Extra == nil {
		u.Extra = make(map[string]json.RawMessage)
	}
	u.Extra[k] = raw
}

// tokenSet decodes "tokenSet" (or null) into t, which must be zero.
// Unknown members are validated and dropped.
func (sc *scanner) tokenSet(t *TokenSet) bool {
	if sc.null() {
		return true
	}
	empty, ok := sc.objectStart()
	if !ok {
		return false
	}
	for more := !empty; more; {
		k, ok := sc.key()
		if !ok {
			return false
		}
		switch k {
		case "accessToken":
			t.AccessToken, ok = sc.strOrNull()
		case "idToken":
			t.IDToken, ok = sc.strOrNull()
		case "refreshToken":
			t.RefreshToken, ok = sc.strOrNull()
		case "scope":
			t.Scope, ok = sc.strOrNull()
		case "requestedScope":
			t.RequestedScope, ok = sc.strOrNull()
		case "audience":
			t.Audience, ok = sc.strOrNull()
		case "token_type":
			t.TokenType, ok = sc.strOrNull()
		case "expiresAt":
			t.ExpiresAt, _, ok = sc.intOrNull()
		default:
			ok = sc.skip(2)
		}
		if !ok {
			return false
		}
		if more, ok = sc.next('}'); !ok {
			return false
		}
	}
	return true
}

// accessTokens decodes "accessTokens" (an array or null). A null element
// decodes as a zero AccessTokenSet; an empty array as nil.
func (sc *scanner) accessTokens(dst *[]AccessTokenSet) bool {
	if sc.null() {
		return true
	}
	if !sc.consume('[') {
		return false
	}
	if sc.consume(']') {
		return true
	}
	for {
		var a AccessTokenSet
		if !sc.null() && !sc.accessTokenSet(&a) {
			return false
		}
		*dst = append(*dst, a)
		more, ok := sc.next(']')
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

func (sc *scanner) accessTokenSet(a *AccessTokenSet) bool {
	empty, ok := sc.objectStart()
	if !ok {
		return false
	}
	for more := !empty; more; {
		k, ok := sc.key()
		if !ok {
			return false
		}
		switch k {
		case "accessToken":
			a.AccessToken, ok = sc.strOrNull()
		case "scope":
			a.Scope, ok = sc.strOrNull()
		case "requestedScope":
			a.RequestedScope, ok = sc.strOrNull()
		case "audience":
			a.Audience, ok = sc.strOrNull()
		case "token_type":
			a.TokenType, ok = sc.strOrNull()
		case "expiresAt":
			a.ExpiresAt, _, ok = sc.intOrNull()
		default:
			ok = sc.skip(3)
		}
		if !ok {
			return false
		}
		if more, ok = sc.next('}'); !ok {
			return false
		}
	}
	return true
}

// internal decodes "internal" (or null) into in, which must be zero.
// Unknown members are validated and dropped; "mcd" keeps its domain and
// issuer (other members of it are dropped).
func (sc *scanner) internal(in *Internal) bool {
	if sc.null() {
		return true
	}
	empty, ok := sc.objectStart()
	if !ok {
		return false
	}
	for more := !empty; more; {
		k, ok := sc.key()
		if !ok {
			return false
		}
		switch k {
		case "sid":
			in.SID, ok = sc.strOrNull()
		case "createdAt":
			in.CreatedAt, _, ok = sc.intOrNull()
		case "sessionExpiresAt":
			in.SessionExpiresAt, _, ok = sc.intOrNull()
		case "mcd":
			ok = sc.mcd(in)
		default:
			ok = sc.skip(2)
		}
		if !ok {
			return false
		}
		if more, ok = sc.next('}'); !ok {
			return false
		}
	}
	return true
}

// mcd decodes "internal.mcd" (or null): {"domain","issuer"}.
func (sc *scanner) mcd(in *Internal) bool {
	if sc.null() {
		return true
	}
	empty, ok := sc.objectStart()
	if !ok {
		return false
	}
	for more := !empty; more; {
		k, ok := sc.key()
		if !ok {
			return false
		}
		switch k {
		case "domain":
			in.MCDDomain, ok = sc.strOrNull()
		case "issuer":
			in.MCDIssuer, ok = sc.strOrNull()
		default:
			ok = sc.skip(3)
		}
		if !ok {
			return false
		}
		if more, ok = sc.next('}'); !ok {
			return false
		}
	}
	return true
}
