package auth0kit

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// transaction is the state of one login between /auth/login and
// /auth/callback, kept encrypted in the __txn_ cookie. Field names are
// nextjs-auth0's TransactionState; redirectUri and appState are ours.
type transaction struct {
	Nonce        string          `json:"nonce"`
	CodeVerifier string          `json:"codeVerifier"`
	ResponseType string          `json:"responseType"`
	State        string          `json:"state"`
	ReturnTo     string          `json:"returnTo"`
	MaxAge       *int64          `json:"maxAge,omitempty"`
	Scope        string          `json:"scope,omitempty"`
	Audience     string          `json:"audience,omitempty"`
	RedirectURI  string          `json:"redirectUri,omitempty"`
	AppState     json.RawMessage `json:"appState,omitempty"`
	// Organization is the organization asked for; the ID token must
	// match it.
	Organization string `json:"organization,omitempty"`
	// AuthSession is the My Account API's auth_session of a Connected
	// Accounts transaction (responseType connect_code).
	AuthSession string `json:"authSession,omitempty"`
	// Issuer is the issuer the login started with (resolver mode); the
	// callback exchanges the code there and the session remembers it.
	Issuer string `json:"issuer,omitempty"`
	// Flow is "link" or "unlink" for account-linking transactions.
	Flow string `json:"flow,omitempty"`
}

// maxTxnCookieBytes is the total size of transaction cookies above which
// the oldest are evicted (nextjs-auth0's FIFO rule).
const maxTxnCookieBytes = 3500

// randomToken returns 32 random bytes, base64url without padding (43
// characters): the size of state, nonce and PKCE verifier.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validState accepts what randomToken makes and what other SDKs make, and
// nothing that could break out of a cookie name.
func validState(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.' || b == '~') {
			return false
		}
	}
	return true
}

func (c *Client) txnCookieName(state string) string {
	if c.s.parallelTxn {
		return c.s.txnCookie.name + state
	}
	return c.s.txnCookie.name
}

// saveTransaction writes the transaction cookie as "<unix ts>%3A<jwe>",
// evicting the oldest transaction cookies while all of them together would
// exceed 3500 bytes.
func (c *Client) saveTransaction(ex adapter.Exchange, t *transaction) error {
	now := c.s.now()
	exp := now.Add(c.s.txnMaxAge).Unix()
	jwe, err := c.keys.txn.SealJSON(t, exp)
	if err != nil {
		return err
	}
	name := c.txnCookieName(t.State)
	value := strconv.FormatInt(now.Unix(), 10) + "%3A" + jwe
	c.evictTransactions(ex, name, len(name)+1+len(value))
	ex.SetCookie(c.s.txnCookie.cookie(name, value, c.s.txnMaxAge, now))
	return nil
}

func (c *Client) evictTransactions(ex adapter.Exchange, writing string, newSize int) {
	type txnCookie struct {
		name string
		ts   int64
		size int
	}
	var all []txnCookie
	total := newSize
	c.visitTxnCookies(ex, func(name, value string) {
		if name == writing {
			return
		}
		v := percentDecode(value)
		var ts int64
		if i := strings.IndexByte(v, ':'); i > 0 {
			ts, _ = strconv.ParseInt(v[:i], 10, 64)
		}
		size := len(name) + 1 + len(value)
		total += size
		all = append(all, txnCookie{name, ts, size})
	})
	if total < maxTxnCookieBytes {
		return
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ts < all[j].ts })
	for _, t := range all {
		if total < maxTxnCookieBytes {
			break
		}
		ex.SetCookie(c.s.txnCookie.deletion(t.name))
		total -= t.size
	}
}

// loadTransaction reads and decrypts the transaction for state. Any
// failure (absent, expired, tampered, other secret, state mismatch) is
// [ErrInvalidState].
func (c *Client) loadTransaction(ex adapter.Exchange, state string) (*transaction, error) {
	bad := &Error{Code: CodeInvalidState, Message: "the state parameter is invalid"}
	if !validState(state) {
		return nil, bad
	}
	raw, ok := cookieValue(ex, c.txnCookieName(state))
	if !ok {
		bad.Err = errNoTransaction // the error page explains the likely causes
		return nil, bad
	}
	if i := strings.IndexByte(raw, ':'); i >= 0 {
		raw = raw[i+1:]
	}
	t, err := c.openTransaction(raw, c.s.now().Unix())
	if err != nil {
		bad.Err = err
		return nil, bad
	}
	if !constantTimeEqual(t.State, state) {
		return nil, bad
	}
	return t, nil
}

func (c *Client) deleteTransaction(ex adapter.Exchange, state string) {
	ex.SetCookie(c.s.txnCookie.deletion(c.txnCookieName(state)))
}

// deleteAllTransactions removes the request's transaction cookies (at
// most maxTxnCookies of them).
func (c *Client) deleteAllTransactions(ex adapter.Exchange) {
	var names []string
	c.visitTxnCookies(ex, func(name, _ string) { names = append(names, name) })
	for _, n := range names {
		ex.SetCookie(c.s.txnCookie.deletion(n))
	}
}
