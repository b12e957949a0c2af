package devop

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"
)

// Lifetimes of short-lived protocol artifacts.
const (
	codeTTL    = 60 * time.Second
	pendingTTL = 15 * time.Minute
)

// authRequest is a validated authorization request waiting for the login
// form to be submitted.
type authRequest struct {
	clientID      string
	redirectURI   string
	state         string
	hasState      bool
	nonce         string
	codeChallenge string
	dpopJKT       string // dpop_jkt (RFC 9449 §10)
	scope         []string
	audience      string
	loginHint     string
	expires       time.Time
	authDetails   json.RawMessage // authorization_details (RFC 9396), as sent
	orgID         string          // org_id claim of the organization asked
	orgName       string          // org_name claim, when asked by name
	link          *linkRequest    // link_account / unlink_account
}

// session is an OP login session, referenced by the session cookie.
type session struct {
	sid      string // the sid claim; distinct from the cookie value
	email    string
	authTime time.Time
	clients  []string // IDs of the clients that got a code in this session
}

// authCode is an issued authorization code.
type authCode struct {
	clientID      string
	redirectURI   string
	codeChallenge string
	dpopJKT       string
	nonce         string
	scope         []string
	audience      string
	authDetails   json.RawMessage
	orgID         string
	orgName       string
	email         string
	sid           string
	authTime      time.Time
	expires       time.Time
	used          bool
	grantID       string // set once redeemed
}

// grant is what a successful code exchange creates: every refresh and
// access token derived from one authorization code belongs to one grant.
type grant struct {
	id       string
	clientID string
	email    string
	sid      string
	scope    []string
	audience string
	authTime time.Time
	revoked  bool
	mfa      bool           // MFA-verified: ID tokens carry amr ["mfa"]
	act      map[string]any // the act claim (custom token exchange)
	orgID    string         // the org_id claim, when an organization was asked
	orgName  string         // the org_name claim, when asked by name
}

// refreshToken is an issued refresh token.
type refreshToken struct {
	grantID string
	rotated bool // already exchanged: any further use is a replay
	// issuing is set while the exchange that rotated it is still minting
	// its successor: a second use then is refused without revoking the
	// grant, so the exchange already under way still succeeds (as a
	// provider that answers atomically would).
	issuing bool
}

// accessToken is an issued access token, keyed by jti.
type accessToken struct {
	raw     string
	grantID string
	email   string
	scope   []string
	expires time.Time
	revoked bool
	// audience is the aud claim (the issuer's userinfo URL when the
	// grant named none).
	audience string
}

// randomString returns n random bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
