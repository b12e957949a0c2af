package auth0kit

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrForeignOrigin matches a [*ForeignOriginError].
var ErrForeignOrigin = errors.New("auth0kit: the access token is not sent to another origin")

// ForeignOriginError is returned by a fetcher asked to send a request to
// an origin other than its base URL's: the token is never sent there.
type ForeignOriginError struct {
	// Origin is the refused request's origin; Allowed the fetcher's.
	Origin, Allowed string
}

func (e *ForeignOriginError) Error() string {
	return "auth0kit: fetcher: refusing to send the access token to " + e.Origin + " (the fetcher is bound to " + e.Allowed + ")"
}

// Is matches [ErrForeignOrigin].
func (e *ForeignOriginError) Is(target error) bool { return target == ErrForeignOrigin }

// FetcherOptions configure [Client.Fetcher].
type FetcherOptions struct {
	// BaseURL is the API's absolute http(s) URL. Relative request URLs
	// are resolved against it (its path joined with theirs), and the token
	// is sent to its origin only. Required.
	BaseURL string
	// Audience and Scope select the access token, as in
	// [AccessTokenOptions]; empty Audience means the login's audience.
	Audience, Scope string
	// DPoP overrides the client's DPoP setting (UseDPoP) for this fetcher:
	// nil inherits it; true needs a configured key pair; false refuses
	// DPoP-bound tokens (they are never sent as Bearer).
	DPoP *bool
	// Transport sends the requests; default http.DefaultTransport.
	Transport http.RoundTripper
}

// Fetcher returns an *http.Client that calls the API at opts.BaseURL as
// the logged-in user of ctx's request: each request gets the user's access
// token through [Client.GetAccessToken] (cache, refresh coalescing,
// multi-resource refresh tokens; a refreshed token is saved in the session)
// and carries it as "Authorization: Bearer", or, for a DPoP-bound token,
// as "Authorization: DPoP" with a fresh proof (htm, htu, iat, jti, ath and
// the server's nonce). A 401 with WWW-Authenticate: DPoP
// error="use_dpop_nonce" is retried once with the new nonce (a request
// body is resent when the request has GetBody, as http.NewRequest sets
// for in-memory bodies). Requests to any origin other than BaseURL's fail
// with a [*ForeignOriginError], and redirects are not followed.
//
// The fetcher is bound to ctx, the context of the incoming request (bound
// by the adapter middleware): use it while that request is being served,
// not after its response is written, as the session it reads and updates
// is that request's.
func (c *Client) Fetcher(ctx context.Context, opts FetcherOptions) (*http.Client, error) {
	base, err := url.Parse(opts.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.User != nil {
		return nil, invalid("FetcherOptions.BaseURL", "not an absolute http(s) URL")
	}
	useDPoP := c.dpop != nil && c.dpop.on
	if opts.DPoP != nil {
		useDPoP = *opts.DPoP
	}
	if useDPoP && c.dpop == nil {
		return nil, &DPoPError{Code: CodeDPoPConfiguration}
	}
	tr := &authTransport{base: base, next: opts.Transport, now: c.s.now}
	if useDPoP {
		tr.dpop = c.dpop
	}
	ato := AccessTokenOptions{Audience: opts.Audience, Scope: opts.Scope}
	tr.token = func(context.Context) (*AccessToken, error) { return c.GetAccessToken(ctx, ato) }
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, nil
}

// authTransport is the RoundTripper under a fetcher, meant for reuse by
// other SDK parts that call APIs as the user (a proxy route): it takes the
// token from token, refuses origins other than base's, and sends Bearer or
// DPoP (when dpop is set and the token is DPoP-bound) with the one
// use_dpop_nonce retry.
type authTransport struct {
	base  *url.URL
	next  http.RoundTripper
	dpop  *dpopState // nil: DPoP off, DPoP-bound tokens refused
	now   func() time.Time
	token func(ctx context.Context) (*AccessToken, error)
}

// RoundTrip implements http.RoundTripper.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody := func() {
		if req.Body != nil {
			req.Body.Close()
		}
	}
	target := t.resolve(req.URL)
	if o, allowed := origin(target), origin(t.base); o != allowed {
		closeBody()
		return nil, &ForeignOriginError{Origin: o, Allowed: allowed}
	}
	tok, err := t.token(req.Context())
	if err != nil {
		closeBody()
		return nil, err
	}
	dpop := strings.EqualFold(tok.TokenType, "DPoP")
	if dpop && t.dpop == nil {
		closeBody()
		return nil, &DPoPError{Code: CodeDPoPBoundToken}
	}
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	for attempt := 0; ; attempt++ {
		r := req.Clone(req.Context())
		r.URL = target
		if target != req.URL {
			r.Host = ""
		}
		if attempt > 0 && req.Body != nil {
			if r.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		if dpop {
			proof, err := t.dpop.proof(r.Method, target, tok.Token, t.now())
			if err != nil {
				closeBody()
				return nil, err
			}
			r.Header.Set("Authorization", "DPoP "+tok.Token)
			r.Header.Set("DPoP", proof)
		} else {
			r.Header.Set("Authorization", "Bearer "+tok.Token)
		}
		resp, err := next.RoundTrip(r)
		if err != nil || !dpop {
			return resp, err
		}
		t.dpop.learn(target, resp.Header)
		if isNonceChallenge(resp.StatusCode, resp.Header) && resp.Header.Get("DPoP-Nonce") != "" {
			if attempt > 0 {
				discard(resp)
				return nil, &DPoPError{Code: CodeDPoPNonceRetryExhausted}
			}
			if req.Body != nil && req.GetBody == nil {
				return resp, nil // the body cannot be sent again
			}
			discard(resp)
			if err := t.dpop.wait(req.Context()); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode == http.StatusUnauthorized && strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_dpop_proof"`) {
			discard(resp)
			return nil, &DPoPError{Code: CodeDPoPProofRefused}
		}
		return resp, nil
	}
}

// resolve makes a relative request URL absolute: the base URL's path and
// the request's are joined with one slash, as nextjs-auth0's fetcher does.
func (t *authTransport) resolve(u *url.URL) *url.URL {
	if u.IsAbs() {
		return u
	}
	out := *t.base
	out.Path = strings.TrimSuffix(t.base.Path, "/") + "/" + strings.TrimLeft(u.Path, "/")
	out.RawPath = ""
	out.RawQuery, out.Fragment = u.RawQuery, ""
	return &out
}

// discard drains a little of a response body and closes it, so the
// connection can be reused.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}
