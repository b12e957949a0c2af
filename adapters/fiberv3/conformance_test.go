package auth0fiber_test

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"

	auth0fiber "github.com/auth0kit/auth0kit/adapters/fiberv3"
	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gofiber/fiber/v3"
)

// readBufferSize lets 8+ KB of session cookies through: fasthttp's default
// of 4096 bytes caps the whole request header, and the chunking scenario's
// cookies are about 12 KB.
const readBufferSize = 32 * 1024

// newApp is the conformance app in fiber idiom.
func newApp(client *auth0kit.Client) *fiber.App {
	app := fiber.New(fiber.Config{ReadBufferSize: readBufferSize})
	app.Use(auth0fiber.Middleware(client))
	app.Get("/", func(c fiber.Ctx) error {
		if u := auth0fiber.User(c); u != nil {
			return c.SendString("hello " + u.Sub)
		}
		return c.SendString("hello anonymous")
	})
	app.Get("/private", auth0fiber.RequireAuth(), func(c fiber.Ctx) error {
		return c.SendString("private " + auth0fiber.User(c).Sub)
	})
	app.Get("/api/me", auth0fiber.RequireAuthAPI(), func(c fiber.Ctx) error {
		s := auth0fiber.Session(c)
		body := fiber.Map{"sub": s.User.Sub, "sid": s.Internal.SID}
		for k, v := range s.Extra {
			body[k] = v
		}
		return c.JSON(body)
	})
	app.Get("/update", func(c fiber.Ctx) error {
		s := auth0fiber.Session(c)
		if s == nil {
			return c.Status(http.StatusUnauthorized).SendString("no session")
		}
		next := *s
		next.Extra = map[string]json.RawMessage{"updated": json.RawMessage("true")}
		if err := auth0fiber.UpdateSession(c, client, &next); err != nil {
			return c.Status(auth0kit.HTTPStatus(err)).SendString(err.Error())
		}
		return c.SendString("ok")
	})
	app.Get("/api/connection-token", auth0fiber.RequireAuthAPI(), func(c fiber.Ctx) error {
		// c.Query points into fasthttp's buffer: copy it before it can be
		// kept (the token is cached per connection).
		conn := strings.Clone(c.Query("connection"))
		at, err := client.GetAccessTokenForConnection(c.Context(), nil, auth0kit.ConnectionTokenOptions{Connection: conn})
		if err != nil {
			return c.Status(auth0kit.HTTPStatus(err)).JSON(fiber.Map{"error": err.Error()})
		}
		return c.JSON(fiber.Map{"token": at.Token, "expires_at": at.ExpiresAt.Unix()})
	})
	return app
}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name: "fiberv3",
		Serve: func(t *testing.T, ln net.Listener, client *auth0kit.Client) {
			serve(t, newApp(client), ln)
		},
	})
}
