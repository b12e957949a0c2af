package auth0kit

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
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

// verifierWith is verifier with cfg, its SupportedSigningAlgs set to the
// provider's asymmetric algorithms.
func (c *Client) verifierWith(p *provider, cfg *oidc.Config) *oidc.IDTokenVerifier {
	algs := []string{}
	for _, a := range p.meta.SigningAlgs {
		switch a {
		case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA":
			algs = append(algs, a)
		}
	}
	if len(algs) == 0 {
		algs = []string{"RS256"}
	}
	cp := *cfg
	cp.SupportedSigningAlgs = algs
	return p.oidc.Verifier(&cp)
}

// verifyIDToken fully verifies raw: signature, alg, iss, aud, azp, exp and
// iat (with clock tolerance), nonce and auth_time.
func (c *Client) verifyIDToken(ctx context.Context, p *provider, raw string, want idTokenChecks) (*verifiedIDToken, error) {
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
	}
	if len(tok.Audience) > 1 && std.Azp == "" {
		return nil, &IDTokenError{Reason: "azp claim required with several audiences"}
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

func unixTime(f float64) time.Time { return time.Unix(int64(f), 0) }
