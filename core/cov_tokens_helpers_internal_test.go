package auth0kit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// Helpers of the cov_tokens_* tests (MFA, CIBA, token exchange, connection
// tokens). Names carry a covTok prefix so they cannot clash with other
// test files.

// covTokStore is a memory session store whose reads or writes can be made
// to fail.
type covTokStore struct {
	*sessionstore.Memory
	failGet, failSet atomic.Bool
}

func newCovTokStore() *covTokStore { return &covTokStore{Memory: sessionstore.NewMemory()} }

var errCovTokStoreDown = errors.New("covtok store down")

func (s *covTokStore) Get(ctx context.Context, id string) (*Session, error) {
	if s.failGet.Load() {
		return nil, errCovTokStoreDown
	}
	return s.Memory.Get(ctx, id)
}

func (s *covTokStore) Set(ctx context.Context, id string, sess *Session, exp time.Time) error {
	if s.failSet.Load() {
		return errCovTokStoreDown
	}
	return s.Memory.Set(ctx, id, sess, exp)
}

// covTokMfaToken seals an mfa_token the way a provider's mfa_required
// answer makes the client do it: raw is the provider's token, reqs its
// mfa_requirements JSON ("" for none).
func covTokMfaToken(t *testing.T, c *Client, bind mfaBinding, raw, audience, scope, reqs string) string {
	t.Helper()
	body := `{"error":"mfa_required","error_description":"Multifactor authentication required","mfa_token":"` + raw + `"`
	if reqs != "" {
		body += `,"mfa_requirements":` + reqs
	}
	body += "}"
	err := c.mfaRequired(&OAuthError{Code: CodeMfaRequired, Description: "Multifactor authentication required",
		StatusCode: http.StatusForbidden, body: []byte(body)}, bind, audience, scope)
	var mre *MfaRequiredError
	if !errors.As(err, &mre) || mre.MfaToken == "" {
		t.Fatalf("mfaRequired = %v, want a sealed token", err)
	}
	return mre.MfaToken
}

// covTokMerge returns cookies with the ones in set replacing (or deleting)
// those of the same name.
func covTokMerge(cookies, set []*http.Cookie) []*http.Cookie {
	byName := map[string]*http.Cookie{}
	var order []string
	for _, list := range [][]*http.Cookie{cookies, set} {
		for _, ck := range list {
			if _, ok := byName[ck.Name]; !ok {
				order = append(order, ck.Name)
			}
			byName[ck.Name] = ck
		}
	}
	var out []*http.Cookie
	for _, n := range order {
		out = append(out, byName[n])
	}
	return liveCookies(out)
}

// covTokAbort makes a handler drop the connection without an answer.
func covTokAbort(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }

// covTokDiscoveryDown makes op's discovery document fail.
func covTokDiscoveryDown(op *scriptOP) {
	op.handleJSON("/.well-known/openid-configuration", http.StatusInternalServerError, map[string]any{"error": "down"})
}

// covTokTransport serves a client's requests with op's handler in
// process (no sockets), so that tests in a synctest bubble run on the
// bubble's fake clock.
type covTokTransport struct{ op *scriptOP }

func (tr covTokTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	sr := r.Clone(r.Context())
	sr.RequestURI = r.URL.RequestURI()
	if sr.Body == nil {
		sr.Body = http.NoBody
	}
	tr.op.serve(rec, sr)
	if r.Body != nil {
		r.Body.Close()
	}
	res := rec.Result()
	res.Request = r
	return res, nil
}
