package devop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Back-channel logout constants (OpenID Connect Back-Channel Logout 1.0).
const (
	backchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"
	backchannelTimeout     = 5 * time.Second
	logoutTokenTTL         = 120 * time.Second
)

// LogoutToken describes a logout token for [Provider.MintLogoutToken].
type LogoutToken struct {
	// Header is merged over the default JOSE header {"alg": Alg, "kid":
	// <current kid>, "typ": "logout+jwt"}; an entry whose value is nil
	// deletes that header parameter.
	Header map[string]any
	// Claims is merged over the default claims iss, aud (the first
	// client's ID), iat (now), exp (iat+120), jti (random) and events
	// ({"http://schemas.openid.net/event/backchannel-logout": {}}); set
	// "sub" and/or "sid" here, as a real logout token has at least one of
	// them. An entry whose value is nil deletes that claim.
	Claims map[string]any
	// Alg selects how the token is signed: "RS256" (default) with the
	// current key, "none" for an unsigned token "header.payload.", or
	// "HS256" for an HMAC-SHA256 signature keyed with HMACKey.
	Alg string
	// ForeignKey makes an RS256 token be signed with a key that is not in
	// the JWKS while the header keeps the current kid.
	ForeignKey bool
	// HMACKey is the HS256 key, e.g. the PEM or DER bytes of the public
	// RSA key for the classic key-confusion attack. Required with HS256.
	HMACKey []byte
}

// MintLogoutToken returns a logout token built from spec, for testing how
// a relying party's back-channel logout endpoint treats good and bad
// tokens. It does not end any session.
func (p *Provider) MintLogoutToken(spec LogoutToken) (string, error) {
	alg := spec.Alg
	if alg == "" {
		alg = "RS256"
	}
	k := p.currentKey()
	header := map[string]any{"alg": alg, "kid": k.kid, "typ": "logout+jwt"}
	mergeNilDeletes(header, spec.Header)
	claims := p.logoutClaims(p.clients[0].ID, "", "")
	mergeNilDeletes(claims, spec.Claims)
	switch alg {
	case "RS256":
		priv := k.priv
		if spec.ForeignKey {
			fk, err := p.getForeignKey()
			if err != nil {
				return "", err
			}
			priv = fk.priv
		}
		return encodeJWT(header, claims, alg, priv, nil)
	case "HS256":
		if len(spec.HMACKey) == 0 {
			return "", errors.New("devop: MintLogoutToken: HS256 needs an HMACKey")
		}
		return encodeJWT(header, claims, alg, nil, spec.HMACKey)
	case "none":
		return encodeJWT(header, claims, alg, nil, nil)
	default:
		return "", fmt.Errorf("devop: MintLogoutToken: unsupported Alg %q", alg)
	}
}

// mergeNilDeletes copies src into dst, deleting the keys whose value is
// nil.
func mergeNilDeletes(dst, src map[string]any) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
		} else {
			dst[k] = v
		}
	}
}

// logoutClaims returns the claims of a logout token for client, sub and
// sid (either may be "" to leave it out).
func (p *Provider) logoutClaims(clientID, sub, sid string) map[string]any {
	now := p.now()
	c := map[string]any{
		"iss":    p.issuer,
		"aud":    clientID,
		"iat":    now.Unix(),
		"exp":    now.Add(logoutTokenTTL).Unix(),
		"jti":    randomString(16),
		"events": map[string]any{backchannelLogoutEvent: map[string]any{}},
	}
	if sub != "" {
		c["sub"] = sub
	}
	if sid != "" {
		c["sid"] = sid
	}
	return c
}

// LogoutUser ends every OP session of the user whose sub claim is sub and
// sends logout tokens, synchronously, to the back-channel logout URIs of
// the clients that obtained a code in those sessions. It returns the
// delivery failures (a transport error or a non-2xx answer), joined; nil
// when every delivery succeeded or nothing had to be sent.
func (p *Provider) LogoutUser(sub string) error {
	var ended []*session
	p.mu.Lock()
	for k, s := range p.sessions {
		if subjectFor(s.email) == sub {
			ended = append(ended, s.copyLocked())
			delete(p.sessions, k)
		}
	}
	p.mu.Unlock()
	var errs []error
	for _, s := range ended {
		p.log.Info("devop: session ended by LogoutUser", "sid", s.sid)
		errs = append(errs, p.sendLogoutTokens(s))
	}
	return errors.Join(errs...)
}

// Subject returns the sub claim devop uses for the user with this e-mail
// address (case-insensitive), creating the user if devop has not seen it
// yet, e.g. for a CIBA login_hint.
func (p *Provider) Subject(email string) (string, error) {
	e, err := normalizeEmail(email)
	if err != nil {
		return "", fmt.Errorf("devop: Subject: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.userFor(e, p.now()).sub, nil
}

// sendLogoutTokens POSTs a logout token to each client of the ended
// session s that registered a back-channel logout URI, and returns the
// failures, which are also logged.
func (p *Provider) sendLogoutTokens(s *session) error {
	if s == nil {
		return nil
	}
	var errs []error
	for _, id := range s.clients {
		c, ok := p.clientByID(id)
		if !ok || c.BackchannelLogoutURI == "" {
			continue
		}
		if err := p.sendLogoutToken(c, s); err != nil {
			p.log.Warn("devop: back-channel logout failed", "client_id", c.ID, "uri", c.BackchannelLogoutURI, "error", err)
			errs = append(errs, fmt.Errorf("devop: back-channel logout of client %q: %w", c.ID, err))
		} else {
			p.log.Info("devop: back-channel logout delivered", "client_id", c.ID, "sid", s.sid)
		}
	}
	return errors.Join(errs...)
}

func (p *Provider) sendLogoutToken(c Client, s *session) error {
	token, err := p.signJWT("logout+jwt", p.logoutClaims(c.ID, subjectFor(s.email), s.sid))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), backchannelTimeout)
	defer cancel()
	body := url.Values{"logout_token": {token}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BackchannelLogoutURI, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.bcHTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("answer %s", resp.Status)
	}
	return nil
}

// recordClientLocked notes that client obtained a code in s. Callers hold
// p.mu.
func (s *session) recordClientLocked(clientID string) {
	if !slices.Contains(s.clients, clientID) {
		s.clients = append(s.clients, clientID)
	}
}

// copyLocked returns a copy of s that later logins cannot change. Callers
// hold p.mu.
func (s *session) copyLocked() *session {
	c := *s
	c.clients = slices.Clone(s.clients)
	return &c
}
