// Command fiber is the auth0kit example for Fiber v2: a home page with
// login/logout links, a protected page and a protected JSON API.
//
// It is configured only through the standard environment variables
// (AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET,
// APP_BASE_URL; REDIS_URL or DATABASE_URL for server-side sessions) and
// listens on $PORT (default 3000), so it runs unchanged
// against a real Auth0 tenant or any OpenID Connect provider.
// `scripts/demo.sh fiber` runs it against the local development provider.
package main

import (
	"bytes"
	"context"
	"log"

	auth0fiber "github.com/auth0kit/auth0kit/adapters/fiber"
	"github.com/auth0kit/auth0kit/examples/internal/appenv"
	"github.com/gofiber/fiber/v2"
)

var page = appenv.Page

func render(c *fiber.Ctx, title string) error {
	var b bytes.Buffer
	if err := page.Execute(&b, appenv.View{Framework: "Fiber", Title: title, User: auth0fiber.User(c)}); err != nil {
		return err
	}
	c.Type("html", "utf-8")
	return c.Send(b.Bytes())
}

func main() {
	client, logger, err := appenv.Client(context.Background())
	if err != nil {
		log.Fatal(err)
	}

	app := fiber.New(fiber.Config{
		// The request header (cookies included) must fit in this buffer:
		// fasthttp's default of 4096 bytes is too small for sessions that
		// are split into several cookies.
		ReadBufferSize:        16 * 1024,
		DisableStartupMessage: true,
	})
	app.Use(auth0fiber.Middleware(client))
	app.Get("/", func(c *fiber.Ctx) error { return render(c, "auth0kit + Fiber") })
	app.Get("/private", auth0fiber.RequireAuth(), func(c *fiber.Ctx) error { return render(c, "Protected page") })
	app.Get("/api/me", auth0fiber.RequireAuthAPI(), func(c *fiber.Ctx) error { return c.JSON(auth0fiber.User(c)) })
	// GET /api/call calls API_BASE_URL as the user (Bearer or DPoP).
	app.Get("/api/call", auth0fiber.RequireAuthAPI(), func(c *fiber.Ctx) error {
		status, body := appenv.CallAPIResult(c.UserContext(), client)
		return c.Status(status).JSON(body)
	})

	addr := appenv.Addr()
	logger.Info("listening", "addr", addr)
	log.Fatal(app.Listen(addr))
}
