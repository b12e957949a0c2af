package crosstest

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
)

// conformanceApp is the app [conformance.Harness] describes, as routes
// every kit mounts in its framework's idiom.
func conformanceApp(client *auth0kit.Client) []route {
	routes := appRoutes(client)
	for _, r := range routes[1:] { // the app mounted under a path (Harness doc)
		r.path = "/app" + r.path
		routes = append(routes, r)
	}
	return routes
}

// appRoutes are the conformance app's routes at the root.
func appRoutes(client *auth0kit.Client) []route {
	return []route{
		{"/", open, func(q req) error {
			if u := q.User(); u != nil {
				return q.Text(http.StatusOK, "hello "+u.Sub)
			}
			return q.Text(http.StatusOK, "hello anonymous")
		}},
		{"/private", pageGuard, func(q req) error { return q.Text(http.StatusOK, "private "+q.User().Sub) }},
		{"/api/me", apiGuard, func(q req) error {
			s := q.Session()
			body := map[string]any{"sub": s.User.Sub, "sid": s.Internal.SID}
			for k, v := range s.Extra {
				body[k] = v
			}
			return q.JSON(http.StatusOK, body)
		}},
		{"/update", open, func(q req) error {
			s := q.Session()
			if s == nil {
				return q.Text(http.StatusUnauthorized, "no session")
			}
			next := *s
			next.Extra = map[string]json.RawMessage{"updated": json.RawMessage("true")}
			if err := q.UpdateSession(client, &next); err != nil {
				return q.Text(auth0kit.HTTPStatus(err), err.Error())
			}
			return q.Text(http.StatusOK, "ok")
		}},
		{"/api/connection-token", apiGuard, func(q req) error {
			// fasthttp's query values point into its buffer: copy before
			// the token cache can keep it.
			conn := strings.Clone(q.Query("connection"))
			at, err := client.GetAccessTokenForConnection(q.Context(), auth0kit.ConnectionTokenOptions{Connection: conn})
			if err != nil {
				return q.JSON(auth0kit.HTTPStatus(err), map[string]string{"error": err.Error()})
			}
			return q.JSON(http.StatusOK, map[string]any{"token": at.Token, "expires_at": at.ExpiresAt.Unix()})
		}},
		{"/api/connected-accounts", apiGuard, func(q req) error {
			if conn := strings.Clone(q.Query("disconnect")); conn != "" {
				if err := client.DisconnectAccount(q.Context(), conn); err != nil {
					return q.JSON(auth0kit.HTTPStatus(err), map[string]string{"error": err.Error()})
				}
			}
			accounts, err := client.ConnectedAccounts(q.Context())
			if err != nil {
				return q.JSON(auth0kit.HTTPStatus(err), map[string]string{"error": err.Error()})
			}
			return q.JSON(http.StatusOK, map[string]any{"accounts": accounts})
		}},
		{"/api/call", apiGuard, func(q req) error { return apiCall(client, q) }},
	}
}

// apiCall is GET /api/call?base=B&url=U[&dpop=true|false][&audience=A]:
// a GET of U through Client.Fetcher bound to B; 200 JSON {"status","body"}
// with the API's answer, or 502 {"error","code"} (code: the DPoPError's,
// or foreign_origin).
func apiCall(client *auth0kit.Client, q req) error {
	opts := auth0kit.FetcherOptions{BaseURL: strings.Clone(q.Query("base")), Audience: strings.Clone(q.Query("audience"))}
	switch q.Query("dpop") {
	case "true":
		opts.DPoP = new(true)
	case "false":
		opts.DPoP = new(false)
	}
	hc, err := client.Fetcher(q.Context(), opts)
	if err != nil {
		return q.JSON(http.StatusBadGateway, map[string]string{"error": err.Error(), "code": errorCode(err)})
	}
	resp, err := hc.Get(strings.Clone(q.Query("url")))
	if err != nil {
		return q.JSON(http.StatusBadGateway, map[string]string{"error": err.Error(), "code": errorCode(err)})
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return q.JSON(http.StatusOK, map[string]any{"status": resp.StatusCode, "body": string(body)})
}

func errorCode(err error) string {
	var de *auth0kit.DPoPError
	switch {
	case errors.As(err, &de):
		return de.Code
	case errors.Is(err, auth0kit.ErrForeignOrigin):
		return "foreign_origin"
	}
	return "other"
}

// TestConformance runs the conformance suite on every adapter:
// TestConformance/<adapter>/<provider>/<scenario>.
func TestConformance(t *testing.T) {
	eachKit(t, func(t *testing.T, k kit) {
		conformance.Run(t, conformance.Harness{
			Name: k.name,
			Serve: func(t *testing.T, ln net.Listener, client *auth0kit.Client) {
				k.serve(t, ln, client, conformanceApp(client))
			},
		})
	})
}
