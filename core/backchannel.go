package auth0kit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
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
// them). The alg must be the pinned one (Tuning.IDTokenSigningAlg), and iss,
// aud and events are checked on the unverified payload before any network
// call; keys come from the rate-limited JWKS cache. Every refusal is a
// [*LogoutTokenError].
//
// The jti is recorded as used only after the sessions were deleted or
// revoked, so a store failure ([ErrSessionStore], 503) leaves the
// provider's retry valid. When the store or revocation list implements
// [sessionstore.ReplayCache], used jtis are kept there and shared by all instances.
//
// With a [sessionstore.Store], the matching sessions are deleted at once. With
// stateless cookie sessions, a [sessionstore.RevocationList] ([WithRevocationList]) is
// required: the sid (and, for sub-only tokens, every session of the user
// created before now) is recorded, and such a cookie reads as "no session"
// on its next request.
func (c *Client) HandleBackchannelLogout(ctx context.Context, logoutToken string) error {
	if c.store == nil && c.revocations == nil {
		return invalid("sessionstore.Store / sessionstore.RevocationList", "back-channel logout needs a session store or a revocation list (WithSessionStore, WithRevocationList)")
	}
	claims, jti, err := c.verifyLogoutToken(ctx, logoutToken)
	if err != nil {
		return err
	}
	// The jti is checked now but recorded only once the sessions are gone,
	// so a store failure (503) leaves the provider's retry valid.
	now := c.s.now()
	key := replayKey(claims.Iss, jti.id)
	if c.jtis.seen(key, now) {
		return &LogoutTokenError{Reason: "jti already used (replay)"}
	}
	if c.replays != nil {
		used, err := c.replays.Used(ctx, key)
		if err != nil {
			return wrapStore(err)
		}
		if used {
			return &LogoutTokenError{Reason: "jti already used (replay)"}
		}
	}
	if c.store != nil {
		if err := c.store.DeleteByLogoutToken(ctx, claims); err != nil {
			return wrapStore(err)
		}
	}
	if c.revocations != nil {
		until := now.Add(c.s.absolute)
		if c.s.absolute <= 0 {
			until = now.Add(30 * 24 * time.Hour)
		}
		if err := c.revocations.Revoke(ctx, issuerScoped(claims, claims.Iss, c.resolverMode()), now, until); err != nil {
			return wrapStore(err)
		}
	}
	// A concurrent delivery of the same token may have marked it first;
	// both deleted the same sessions, so neither is refused.
	if c.replays != nil {
		if _, err := c.replays.MarkUsed(ctx, key, jti.until); err != nil {
			return wrapStore(err)
		}
	}
	c.jtis.mark(key, jti.until, now)
	return nil
}

// usedJTI is a verified logout token's jti and how long to remember it.
type usedJTI struct {
	id    string
	until time.Time
}

// replayKey is the replay-cache key of a logout token: a fixed-size hash
// of its issuer and jti.
func replayKey(iss, jti string) string {
	sum := sha256.Sum256([]byte(iss + "\x00" + jti))
	return "bcl-jti:" + hex.EncodeToString(sum[:])
}

func (c *Client) verifyLogoutToken(ctx context.Context, raw string) (sessionstore.LogoutTokenClaims, usedJTI, error) {
	var none sessionstore.LogoutTokenClaims
	bad := func(reason string, err error) (sessionstore.LogoutTokenClaims, usedJTI, error) {
		return none, usedJTI{}, &LogoutTokenError{Reason: reason, Err: err}
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
	// Everything that can be checked without the provider's keys is checked
	// before any network call: a forged token costs us nothing.
	if header.Alg != c.s.idTokenAlg {
		return bad("alg is not the expected "+c.s.idTokenAlg, nil)
	}
	// In resolver mode the issuer is the one this request resolves to: a
	// token from another custom domain is refused before any network call.
	issuer, err := c.issuer(ctx)
	if err != nil {
		return none, usedJTI{}, err
	}
	if reason := c.precheckLogoutClaims(raw, issuer); reason != "" {
		return bad(reason, nil)
	}
	p, err := c.discover(ctx)
	if err != nil {
		return none, usedJTI{}, err
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
	if tok.TokenID == "" {
		return bad("jti claim missing", nil)
	}
	return sessionstore.LogoutTokenClaims{Sub: tok.Subject, SID: tok.SessionID, Iss: tok.Issuer},
		usedJTI{id: tok.TokenID, until: tok.Expiry.Add(tol)}, nil
}

// precheckLogoutClaims checks the unverified payload of a logout token
// (iss, aud, events) and returns why it is refused, or "". It saves the
// discovery and JWKS lookups for tokens that could never be valid; the
// verified claims are checked again after the signature.
func (c *Client) precheckLogoutClaims(raw, issuer string) string {
	first := strings.IndexByte(raw, '.')
	last := strings.LastIndexByte(raw, '.')
	b, err := base64.RawURLEncoding.DecodeString(raw[first+1 : last])
	if err != nil {
		return "malformed JWT payload"
	}
	var pl struct {
		Iss    string                     `json:"iss"`
		Aud    json.RawMessage            `json:"aud"`
		Events map[string]json.RawMessage `json:"events"`
	}
	if json.Unmarshal(b, &pl) != nil {
		return "malformed JWT payload"
	}
	if pl.Iss == "" || strings.TrimSuffix(pl.Iss, "/") != strings.TrimSuffix(issuer, "/") {
		return "iss is not the configured issuer"
	}
	var one string
	var many []string
	switch {
	case json.Unmarshal(pl.Aud, &one) == nil && one == c.cfg.ClientID:
	case json.Unmarshal(pl.Aud, &many) == nil && slices.Contains(many, c.cfg.ClientID):
	default:
		return "aud does not contain the client ID"
	}
	if ev := pl.Events[backchannelEvent]; len(ev) == 0 || ev[0] != '{' {
		return "the back-channel logout event must be a JSON object"
	}
	return ""
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
	used map[string]time.Time
}

// seen reports whether key was marked and has not expired.
func (j *jtiCache) seen(key string, now time.Time) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	t, ok := j.used[key]
	return ok && now.Before(t)
}

// mark records key until the given time.
func (j *jtiCache) mark(key string, until, now time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.used == nil {
		j.used = map[string]time.Time{}
	}
	if len(j.used) > 10000 {
		for k, t := range j.used {
			if now.After(t) {
				delete(j.used, k)
			}
		}
	}
	j.used[key] = until
}
