package devop

import "fmt"

// IDToken is an ID token about to be serialized, as handed to the function
// given to [Provider.TamperNextIDToken].
type IDToken struct {
	// Header is the JOSE header. It starts as {"alg":"RS256","kid":<current
	// kid>,"typ":"JWT"}. Set, change or delete entries freely.
	Header map[string]any
	// Claims is the claims set: iss, sub, aud, azp, iat, exp, auth_time,
	// sid, nonce (when the authorization request had one) and the profile
	// and email claims allowed by the scope. Numeric dates are int64.
	Claims map[string]any
	// Alg selects how the token is signed: "RS256" (default) with the
	// current key, "none" for an unsigned token "header.payload.", or
	// "HS256" for an HMAC-SHA256 signature keyed with the client secret.
	// Unless the tamper function changed Header["alg"] itself, the header's
	// alg is set to Alg.
	Alg string
	// ForeignKey makes an RS256 token be signed with a key that is not in
	// the JWKS while the header keeps the current kid.
	ForeignKey bool
}

// TamperNextIDToken registers f to be applied to the next ID token issued
// by the token endpoint (whatever the grant) only;
// later tokens are normal again. Calling it again before that replaces f;
// a nil f cancels.
func (p *Provider) TamperNextIDToken(f func(*IDToken)) {
	p.mu.Lock()
	p.tamper = f
	p.mu.Unlock()
}

// makeIDToken signs claims as an ID token for client, applying the pending
// tamper function if any.
func (p *Provider) makeIDToken(client Client, claims map[string]any) (string, error) {
	p.mu.Lock()
	f := p.tamper
	p.tamper = nil
	p.mu.Unlock()

	k := p.currentKey()
	t := &IDToken{
		Header: map[string]any{"alg": "RS256", "kid": k.kid, "typ": "JWT"},
		Claims: claims,
		Alg:    "RS256",
	}
	if f == nil {
		return encodeJWT(t.Header, t.Claims, t.Alg, k.priv, nil)
	}
	f(t)
	if t.Header == nil {
		t.Header = map[string]any{}
	}
	if t.Claims == nil {
		t.Claims = map[string]any{}
	}
	if t.Alg == "" {
		t.Alg = "RS256"
	}
	if a, ok := t.Header["alg"]; ok && a == "RS256" {
		t.Header["alg"] = t.Alg
	}
	p.log.Info("devop: issuing tampered ID token", "alg", t.Alg, "foreign_key", t.ForeignKey)
	switch t.Alg {
	case "RS256":
		priv := k.priv
		if t.ForeignKey {
			fk, err := p.getForeignKey()
			if err != nil {
				return "", err
			}
			priv = fk.priv
		}
		return encodeJWT(t.Header, t.Claims, t.Alg, priv, nil)
	case "HS256":
		return encodeJWT(t.Header, t.Claims, t.Alg, nil, []byte(client.Secret))
	case "none":
		return encodeJWT(t.Header, t.Claims, t.Alg, nil, nil)
	default:
		return "", fmt.Errorf("devop: TamperNextIDToken: unsupported Alg %q", t.Alg)
	}
}
