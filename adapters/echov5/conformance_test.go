package auth0echo_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	auth0echo "github.com/auth0kit/auth0kit/adapters/echov5"
	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/labstack/echo/v5"
)

// newApp is the conformance app in Echo idiom: the middleware on the
// instance, the page guard on a single route, the API guard on a group.
func newApp(client *auth0kit.Client) http.Handler {
	e := echo.New()
	e.Use(auth0echo.Middleware(client))
	e.GET("/", func(c *echo.Context) error {
		if u := auth0echo.User(c); u != nil {
			return c.String(http.StatusOK, "hello "+u.Sub)
		}
		return c.String(http.StatusOK, "hello anonymous")
	})
	e.GET("/private", func(c *echo.Context) error {
		return c.String(http.StatusOK, "private "+auth0echo.User(c).Sub)
	}, auth0echo.RequireAuth())
	api := e.Group("/api", auth0echo.RequireAuthAPI())
	api.GET("/me", func(c *echo.Context) error {
		s := auth0echo.Session(c)
		body := map[string]any{"sub": s.User.Sub, "sid": s.Internal.SID}
		for k, v := range s.Extra {
			body[k] = v
		}
		return c.JSON(http.StatusOK, body)
	})
	e.GET("/update", func(c *echo.Context) error {
		s := auth0echo.Session(c)
		if s == nil {
			return c.String(http.StatusUnauthorized, "no session")
		}
		next := *s
		next.Extra = map[string]json.RawMessage{"updated": json.RawMessage("true")}
		if err := auth0echo.UpdateSession(c, client, &next); err != nil {
			return c.String(auth0kit.HTTPStatus(err), err.Error())
		}
		return c.String(http.StatusOK, "ok")
	})
	api.GET("/connection-token", func(c *echo.Context) error {
		at, err := client.GetAccessTokenForConnection(c.Request().Context(), nil,
			auth0kit.ConnectionTokenOptions{Connection: c.QueryParam("connection")})
		if err != nil {
			return c.JSON(auth0kit.HTTPStatus(err), map[string]string{"error": err.Error()})
		}
		return c.JSON(http.StatusOK, map[string]any{"token": at.Token, "expires_at": at.ExpiresAt.Unix()})
	})
	return e
}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name: "echov5",
		Serve: func(t *testing.T, ln net.Listener, client *auth0kit.Client) {
			srv := httptest.NewUnstartedServer(newApp(client))
			srv.Listener.Close()
			srv.Listener = ln
			srv.Start()
			t.Cleanup(srv.Close)
		},
	})
}
