package auth0gin_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	auth0gin "github.com/auth0kit/auth0kit/adapters/gin"
	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// newApp is the conformance app in Gin idiom: the middleware on the
// engine, the page guard on a single route, the API guard on a group.
func newApp(client *auth0kit.Client) http.Handler {
	r := gin.New()
	r.Use(auth0gin.Middleware(client))
	r.GET("/", func(c *gin.Context) {
		if u := auth0gin.User(c); u != nil {
			c.String(http.StatusOK, "hello "+u.Sub)
			return
		}
		c.String(http.StatusOK, "hello anonymous")
	})
	r.GET("/private", auth0gin.RequireAuth(), func(c *gin.Context) {
		c.String(http.StatusOK, "private "+auth0gin.User(c).Sub)
	})
	api := r.Group("/api", auth0gin.RequireAuthAPI())
	api.GET("/me", func(c *gin.Context) {
		s := auth0gin.Session(c)
		body := gin.H{"sub": s.User.Sub, "sid": s.Internal.SID}
		for k, v := range s.Extra {
			body[k] = v
		}
		c.JSON(http.StatusOK, body)
	})
	r.GET("/update", func(c *gin.Context) {
		s := auth0gin.Session(c)
		if s == nil {
			c.String(http.StatusUnauthorized, "no session")
			return
		}
		next := *s
		next.Extra = map[string]json.RawMessage{"updated": json.RawMessage("true")}
		if err := auth0gin.UpdateSession(c, client, &next); err != nil {
			c.String(auth0kit.HTTPStatus(err), err.Error())
			return
		}
		c.String(http.StatusOK, "ok")
	})
	api.GET("/connection-token", func(c *gin.Context) {
		at, err := client.GetAccessTokenForConnection(c.Request.Context(), nil,
			auth0kit.ConnectionTokenOptions{Connection: c.Query("connection")})
		if err != nil {
			c.JSON(auth0kit.HTTPStatus(err), gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusOK, gin.H{"token": at.Token, "expires_at": at.ExpiresAt.Unix()})
	})
	return r
}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name: "gin",
		Serve: func(t *testing.T, ln net.Listener, client *auth0kit.Client) {
			srv := httptest.NewUnstartedServer(newApp(client))
			srv.Listener.Close()
			srv.Listener = ln
			srv.Start()
			t.Cleanup(srv.Close)
		},
	})
}
