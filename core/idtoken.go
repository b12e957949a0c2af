package auth0kit

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// IDTokenError describes why an ID token was refused. It matches
// [ErrIDTokenInvalid].
type IDTokenError struct {
	Reason string
	Err    error
}

func (e *IDTokenError) Error() string {
	if e.Err != nil {
		return "auth0kit: invalid ID token: " + e.Reason + ": " + e.Err.Error()
	}
	return "auth0kit: invalid ID token: " + e.Reason
}

// Unwrap returns the cause.
func (e *IDTokenError) Unwrap() error { return e.Err }

// Is matches [ErrIDTokenInvalid].
func (e *IDTokenError) Is(target error) bool { return target == ErrIDTokenInvalid }

// idTokenChecks are the per-flow expectations of an ID token.
type idTokenChecks struct {
	nonce  string // required match when non-empty
	maxAge *int64 // when set, auth_time is required and checked
}

// verifiedIDToken is a verified ID token: its raw claims.
type verifiedIDToken struct {
	claims map[string]json.RawMessage
	sub    string
	sid    string
	iat    int64
}

// verifier returns the provider's ID token verifier: signature and alg
// against the JWKS (never "none", never an HMAC), iss and aud. Time claims
// are checked by verifyIDToken, with the configured clock tolerance.
func (c *Client) verifier(p *provider) *oidc.IDTokenVerifier {
	return c.verifierWith(p, &oidc.Config{ClientID: c.cfg.ClientID, SkipExpiryCheck: true})
}

// verifierWith is verifier with cfg: the only accepted algorithm is the
// client's expected one (IDTokenSigningAlg), and keys come from the
// issuer's rate-limited [keySet].
func (c *Client) verifierWith(p *provider, cfg *oidc.Config) *oidc.IDTokenVerifier {
	cp := *cfg
	cp.SupportedSigningAlgs = []string{c.s.idTokenAlg}
	return oidc.NewVerifier(p.meta.Issuer, c.keySetFor(p), &cp)
}

// verifyIDToken fully verifies raw: signature, alg, iss, aud, azp, exp and
// iat (with clock tolerance), nonce and auth_time.
func (c *Client) verifyIDToken(ctx context.Context, p *provider, raw string, want idTokenChecks) (*verifiedIDToken, error) {
	header, ok := jwtHeader(raw)
	if !ok {
		return nil, &IDTokenError{Reason: "malformed JWT"}
	}
	if isAccessTokenTyp(header.Typ) {
		return nil, &IDTokenError{Reason: "typ at+jwt is an access token, not an ID token"}
	}
	if header.Alg != c.s.idTokenAlg {
		return nil, &IDTokenError{Reason: "alg " + strconv.Quote(header.Alg) + " is not the expected " + c.s.idTokenAlg}
	}
	tok, err := c.verifier(p).Verify(ctx, raw)
	if err != nil {
		return nil, &IDTokenError{Reason: "verification failed", Err: err}
	}
	var claims map[string]json.RawMessage
	if err := tok.Claims(&claims); err != nil {
		return nil, &IDTokenError{Reason: "claims unreadable", Err: err}
	}
	var std struct {
		Sub      string          `json:"sub"`
		Azp      string          `json:"azp"`
		Aud      json.RawMessage `json:"aud"`
		Nonce    string          `json:"nonce"`
		Sid      string          `json:"sid"`
		Exp      *float64        `json:"exp"`
		Iat      *float64        `json:"iat"`
		AuthTime *float64        `json:"auth_time"`
		Nbf      *float64        `json:"nbf"`
	}
	if err := tok.Claims(&std); err != nil {
		return nil, &IDTokenError{Reason: "claims unreadable", Err: err}
	}
	now := c.s.now()
	tol := c.s.clockTolerance
	switch {
	case std.Sub == "":
		return nil, &IDTokenError{Reason: "sub claim missing"}
	case std.Exp == nil:
		return nil, &IDTokenError{Reason: "exp claim missing"}
	case !now.Before(unixTime(*std.Exp).Add(tol)):
		return nil, &IDTokenError{Reason: fmt.Sprintf("expired at %s", unixTime(*std.Exp).UTC().Format(time.RFC3339))}
	case std.Iat == nil:
		return nil, &IDTokenError{Reason: "iat claim missing"}
	case unixTime(*std.Iat).After(now.Add(tol)):
		return nil, &IDTokenError{Reason: "iat is in the future"}
	case std.Nbf != nil && unixTime(*std.Nbf).After(now.Add(tol)):
		return nil, &IDTokenError{Reason: "nbf is in the future"}
	}
	// OpenID Connect Core 3.1.3.7: extra audiences must be trusted; the only
	// audience this client trusts is itself.
	for _, a := range tok.Audience {
		if a != c.cfg.ClientID {
			return nil, &IDTokenError{Reason: "aud contains an untrusted audience"}
		}
	}
	if std.Azp != "" && std.Azp != c.cfg.ClientID {
		return nil, &IDTokenError{Reason: "azp does not match the client ID"}
	}
	if want.nonce != "" && subtle.ConstantTimeCompare([]byte(std.Nonce), []byte(want.nonce)) != 1 {
		return nil, &IDTokenError{Reason: "nonce mismatch"}
	}
	if want.maxAge != nil {
		if std.AuthTime == nil {
			return nil, &IDTokenError{Reason: "auth_time claim required when max_age was requested"}
		}
		if now.After(unixTime(*std.AuthTime).Add(time.Duration(*want.maxAge)*time.Second + tol)) {
			return nil, &IDTokenError{Reason: "authentication is older than max_age"}
		}
	}
	return &verifiedIDToken{claims: claims, sub: std.Sub, sid: std.Sid, iat: int64(*std.Iat)}, nil
}

// isAccessTokenTyp reports whether a JWT typ header names an RFC 9068
// access token (at+jwt or application/at+jwt), which must never be accepted
// as an ID token or logout token.
func isAccessTokenTyp(typ string) bool {
	return strings.EqualFold(strings.TrimPrefix(strings.ToLower(typ), "application/"), "at+jwt")
}

func unixTime(f float64) time.Time { return time.Unix(int64(f), 0) }
