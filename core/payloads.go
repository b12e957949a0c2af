package auth0kit

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// purposeKeys holds one key set per kind of encrypted payload. Each is
// derived from the same secrets with its own HKDF info, once in [New], so
// a payload sealed for one purpose never decrypts as another (a
// transaction cookie or an mfa_token sent as a session cookie is garbage).
// The session key is nextjs-auth0's ("JWE CEK"); it also seals the
// stateful {id} cookie, whose format nextjs-auth0 defines, and the two
// payloads are kept apart by their decoders (a session needs user.sub and
// internal.createdAt, an id cookie needs "id" and may have no "user").
type purposeKeys struct {
	session *wire.Keys
	txn     *wire.Keys
	mfa     *wire.Keys
}

func newPurposeKeys(secrets []string) (purposeKeys, error) {
	var pk purposeKeys
	var err error
	if pk.session, err = wire.NewPurposeKeys(wire.InfoSession, secrets...); err != nil {
		return pk, err
	}
	if pk.txn, err = wire.NewPurposeKeys(wire.InfoTransaction, secrets...); err != nil {
		return pk, err
	}
	pk.mfa, err = wire.NewPurposeKeys(wire.InfoMFAToken, secrets...)
	return pk, err
}

// errNotASession is the (logged, never returned) reason a decrypted
// payload is refused as a session.
var errNotASession = errors.New("auth0kit: payload is not a session (no user.sub or internal.createdAt)")

// errForeignClient is the (logged) reason a session issued to another
// client ID is refused.
var errForeignClient = errors.New("auth0kit: session was issued to another client")

// validSession reports whether s is a real session: one that a login
// wrote, with a subject and a start time.
func validSession(s *Session) bool {
	return s != nil && s.User.Sub != "" && s.Internal.CreatedAt > 0
}

// openSessionCookie decrypts and decodes a stateless session cookie value,
// refusing any payload that is not a session.
func (c *Client) openSessionCookie(raw string, now int64) (*Session, int64, error) {
	s, exp, err := c.keys.session.OpenSession(raw, now)
	if err != nil {
		return nil, exp, err
	}
	if !validSession(s) {
		return nil, exp, errNotASession
	}
	return s, exp, nil
}

// statefulIDClaims is the decrypted stateful session id cookie.
type statefulIDClaims struct {
	statefulID
	Exp  int64           `json:"exp"`
	User json.RawMessage `json:"user"`
}

// openStatefulID decrypts a stateful session id cookie. A payload without
// an id, or with a "user" member (a stateless session), is refused.
func (c *Client) openStatefulID(raw string, now int64) (statefulIDClaims, error) {
	var sid statefulIDClaims
	if err := c.keys.session.OpenJSON(raw, &sid, now); err != nil {
		return statefulIDClaims{}, err
	}
	if sid.ID == "" || sid.User != nil {
		return statefulIDClaims{}, wire.ErrMalformed
	}
	return sid, nil
}

// openTransaction decrypts a transaction payload (the cookie value after
// its "<ts>:" prefix).
func (c *Client) openTransaction(raw string, now int64) (*transaction, error) {
	var t transaction
	if err := c.keys.txn.OpenJSON(raw, &t, now); err != nil {
		return nil, err
	}
	if t.State == "" {
		return nil, wire.ErrMalformed
	}
	return &t, nil
}

// openMFAToken decrypts an encrypted mfa_token.
func (c *Client) openMFAToken(raw string, now int64) (*mfaContext, error) {
	var mc mfaContext
	if err := c.keys.mfa.OpenJSON(raw, &mc, now); err != nil {
		return nil, err
	}
	if mc.MfaToken == "" {
		return nil, wire.ErrMalformed
	}
	return &mc, nil
}

// issuedToUs reports whether the session's stored ID token names this
// application's client ID in its "aud" claim. The cookie is authenticated,
// so the ID token (verified when it was stored) is decoded without a
// signature check. A session without an ID token, or whose ID token is not
// a decodable JWT with an "aud" (test helpers such as nextjs-auth0's
// generateSessionCookie store placeholders), cannot be checked and is
// accepted: the secret must be unique per application (see AUTH0_SECRET).
func (c *Client) issuedToUs(s *Session) bool {
	aud, ok := idTokenAudience(s.TokenSet.IDToken)
	if !ok {
		return true
	}
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == c.cfg.ClientID
	}
	var many []string
	if json.Unmarshal(aud, &many) != nil {
		return false
	}
	for _, a := range many {
		if a == c.cfg.ClientID {
			return true
		}
	}
	return false
}

// idTokenAudience returns the raw "aud" claim of a JWT's payload, without
// any verification; ok is false when idt is not a JWT with an "aud".
func idTokenAudience(idt string) (json.RawMessage, bool) {
	_, rest, ok := strings.Cut(idt, ".")
	if !ok {
		return nil, false
	}
	payload, _, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "="))
	if err != nil {
		return nil, false
	}
	var claims struct {
		Aud json.RawMessage `json:"aud"`
	}
	if json.Unmarshal(b, &claims) != nil || len(claims.Aud) == 0 || string(claims.Aud) == "null" {
		return nil, false
	}
	return claims.Aud, true
}
