package auth0kit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// My Account API scopes the SDK asks for (Auth0's names).
const (
	ScopeCreateConnectedAccounts = "create:me:connected_accounts"
	ScopeReadConnectedAccounts   = "read:me:connected_accounts"
	ScopeDeleteConnectedAccounts = "delete:me:connected_accounts"
)

// MyAccountError is a refusal of the My Account API: its HTTP status and
// the members of its problem+json body (RFC 9457) that identify it.
type MyAccountError struct {
	Status int
	Type   string
	Title  string
	Detail string
}

func (e *MyAccountError) Error() string {
	msg := "auth0kit: the My Account API answered " + strconv.Itoa(e.Status)
	if e.Title != "" {
		msg += ": " + e.Title
	}
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// myAccountAudience is the My Account API's audience, <issuer>me/.
func (c *Client) myAccountAudience() string { return strings.TrimSuffix(c.s.issuer, "/") + "/me/" }

// myAccountToken gets an access token for the My Account API with scope,
// through GetAccessToken (MRRT refresh, coalescing; a refreshed session is
// written to the response).
func (c *Client) myAccountToken(ctx context.Context, ex adapter.Exchange, scope string) (*AccessToken, error) {
	return c.getAccessToken(ctx, ex, AccessTokenOptions{Audience: c.myAccountAudience(), Scope: scope})
}

// callMyAccount makes one call to the My Account API (path below
// <issuer>me/v1/) with tok, a JSON body when body is non-nil, and decodes
// a 2xx JSON answer into out when out is non-nil. Any other answer is a
// [*MyAccountError]. Answers are read up to maxResponseBody.
//
// Every My Account call goes through here: it is a resource-server call,
// sent with the token's scheme by resourceDo, the one place that turns
// into the DPoP-capable fetcher.
func (c *Client) callMyAccount(ctx context.Context, tok *AccessToken, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.myAccountAudience()+"v1/"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.resourceDo(c.hc, req, tok)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBody))
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		e := &MyAccountError{Status: res.StatusCode}
		var p struct {
			Type   string `json:"type"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		if json.Unmarshal(raw, &p) == nil {
			e.Type, e.Title, e.Detail = clamp(p.Type), clamp(p.Title), clamp(p.Detail)
		}
		return e
	}
	if out == nil || res.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return errors.New("auth0kit: the My Account API answer is not the expected JSON")
	}
	return nil
}

// resourceDo sends req to a resource server with tok through hc, by the
// fetcher's transport: Bearer, or DPoP with a fresh proof (and one
// use_dpop_nonce retry when req.GetBody can replay the body) for a
// DPoP-bound token. A DPoP-bound token is never sent as Bearer. Used by
// the My Account calls and the API proxies.
func (c *Client) resourceDo(hc *http.Client, req *http.Request, tok *AccessToken) (*http.Response, error) {
	if !strings.EqualFold(tok.TokenType, "DPoP") {
		// A Bearer token needs no proof and no retry: one header, no
		// request clone.
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		return hc.Do(req)
	}
	tr := &authTransport{base: req.URL, next: hc.Transport, now: c.s.now, dpop: c.dpop,
		token: func(context.Context) (*AccessToken, error) { return tok, nil }}
	sender := *hc
	sender.Transport = tr
	return sender.Do(req)
}
