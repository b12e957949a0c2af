package auth0kit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// CodeBackchannelLogoutError is the code of back-channel logout failures.
const CodeBackchannelLogoutError = "backchannel_logout_error"

// ErrBackchannelLogout matches every refused logout token.
var ErrBackchannelLogout = errors.New("auth0kit: invalid logout token")

// LogoutTokenError says why a back-channel logout token was refused. It
// matches [ErrBackchannelLogout].
type LogoutTokenError struct {
	Reason string
	Err    error
}

func (e *LogoutTokenError) Error() string {
	if e.Err != nil {
		return "auth0kit: invalid logout token: " + e.Reason + ": " + e.Err.Error()
	}
	return "auth0kit: invalid logout token: " + e.Reason
}

// Unwrap returns the cause.
func (e *LogoutTokenError) Unwrap() error { return e.Err }

// Is matches [ErrBackchannelLogout].
func (e *LogoutTokenError) Is(target error) bool { return target == ErrBackchannelLogout }

const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// maxLogoutTokenAge refuses logout tokens issued longer ago than this.
const maxLogoutTokenAge = 5 * time.Minute

// HandleBackchannelLogout verifies a logout token (OpenID Connect
// Back-Channel Logout 1.0) and ends the sessions it names. Validation is
// complete: signature and alg against the provider's JWKS (asymmetric
// algorithms only, so "none" and HMAC tokens are refused), iss, aud, iat
// present and within the clock tolerance (not in the future, at most five
// minutes old), exp present and not passed, jti present and not seen before
// (replays are refused), the back-channel logout event present as a JSON
// object, no nonce, sid and/or sub present as strings, and a typ header of
// logout+jwt (JWT or none are accepted too, as Auth0 and the JS SDKs send
// them). Every refusal is a [*LogoutTokenError].
//
// With a [SessionStore], the matching sessions are deleted at once. With
// stateless cookie sessions, a [RevocationList] ([WithRevocationList]) is
// required: the sid (and, for sub-only tokens, every session of the user
// created before now) is recorded, and such a cookie reads as "no session"
// on its next request.
func (c *Client) HandleBackchannelLogout(ctx context.Context, logoutToken string) error {
	if c.store == nil && c.revocations == nil {
		return invalid("SessionStore / RevocationList", "back-channel logout needs a session store or a revocation list (WithSessionStore, WithRevocationList)")
	}
	claims, err := c.verifyLogoutToken(ctx, logoutToken)
	if err != nil {
		return err
	}
	if c.store != nil {
		if err := c.store.DeleteByLogoutToken(ctx, claims); err != nil {
			return StoreError(err)
		}
	}
	if c.revocations != nil {
		now := c.s.now()
		until := now.Add(c.s.absolute)
		if c.s.absolute <= 0 {
			until = now.Add(30 * 24 * time.Hour)
		}
		if err := c.revocations.Revoke(ctx, claims, now, until); err != nil {
			return StoreError(err)
		}
	}
	return nil
}

func (c *Client) verifyLogoutToken(ctx context.Context, raw string) (LogoutTokenClaims, error) {
	var none LogoutTokenClaims
	bad := func(reason string, err error) (LogoutTokenClaims, error) {
		return none, &LogoutTokenError{Reason: reason, Err: err}
	}
	if raw == "" {
		return bad("missing logout_token", nil)
	}
	if len(raw) > 16<<10 {
		return bad("logout_token too large", nil)
	}
	header, ok := jwtHeader(raw)
	if !ok {
		return bad("malformed JWT", nil)
	}
	switch strings.ToLower(strings.TrimPrefix(strings.ToLower(header.Typ), "application/")) {
	case "", "jwt", "logout+jwt":
	default:
		// The header's value goes to the logs only: every Reason is a
		// fixed string, as it is part of the 400 answer.
		return bad("typ must be logout+jwt", errors.New("typ "+strconv.Quote(header.Typ)))
	}
	p, err := c.discover(ctx)
	if err != nil {
		return none, err
	}
	verifier := c.verifierWith(p, &oidc.Config{ClientID: c.cfg.ClientID, SkipExpiryCheck: true})
	tok, err := verifier.VerifyLogout(ctx, raw)
	if err != nil {
		return bad("verification failed", err)
	}
	var extra struct {
		Events map[string]json.RawMessage `json:"events"`
		Iat    *float64                   `json:"iat"`
	}
	if err := tok.Claims(&extra); err != nil {
		return bad("events claim must be an object", err)
	}
	ev, ok := extra.Events[backchannelEvent]
	if !ok || len(ev) == 0 || ev[0] != '{' {
		return bad("the back-channel logout event must be a JSON object", nil)
	}
	now := c.s.now()
	tol := c.s.clockTolerance
	switch {
	case extra.Iat == nil:
		return bad("iat claim missing", nil)
	case tok.IssuedAt.After(now.Add(tol)):
		return bad("iat is in the future", nil)
	case tok.IssuedAt.Before(now.Add(-maxLogoutTokenAge - tol)):
		return bad("iat is too old", nil)
	case !now.Before(tok.Expiry.Add(tol)):
		return bad("expired", nil)
	}
	if !c.jtis.first(tok.TokenID, tok.Expiry.Add(tol), now) {
		return bad("jti already used (replay)", nil)
	}
	return LogoutTokenClaims{Sub: tok.Subject, SID: tok.SessionID, Iss: tok.Issuer}, nil
}

type joseHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
}

// jwtHeader decodes a compact JWS's protected header.
func jwtHeader(raw string) (joseHeader, bool) {
	var h joseHeader
	if strings.Count(raw, ".") != 2 {
		return h, false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw[:strings.IndexByte(raw, '.')])
	if err != nil || json.Unmarshal(b, &h) != nil {
		return h, false
	}
	return h, true
}

// jtiCache remembers the jti of accepted logout tokens until they expire.
type jtiCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// first records jti and reports whether it was new.
func (j *jtiCache) first(jti string, until, now time.Time) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.seen == nil {
		j.seen = map[string]time.Time{}
	}
	if len(j.seen) > 10000 {
		for k, t := range j.seen {
			if now.After(t) {
				delete(j.seen, k)
			}
		}
	}
	if t, ok := j.seen[jti]; ok && now.Before(t) {
		return false
	}
	j.seen[jti] = until
	return true
}
