package auth0fiber_test

import (
	"html"
	"log"
	"strings"

	auth0fiber "github.com/auth0kit/auth0kit/adapters/fiber"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gofiber/fiber/v2"
)

func ExampleMiddleware() {
	// Reads AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET
	// and APP_BASE_URL.
	client, err := auth0kit.New()
	if err != nil {
		log.Fatal(err)
	}
	// Session cookies can exceed fasthttp's default 4 KiB header buffer.
	app := fiber.New(fiber.Config{ReadBufferSize: 16 * 1024})
	app.Use(auth0fiber.Middleware(client))
	app.Get("/", func(c *fiber.Ctx) error {
		c.Type("html")
		if u := auth0fiber.User(c); u != nil {
			return c.SendString("Hello " + html.EscapeString(u.Name) + `! <a href="/auth/logout">Log out</a>`)
		}
		return c.SendString(`<a href="/auth/login">Log in</a>`)
	})
	log.Fatal(app.Listen(":3000"))
}

func ExampleRequireAuth() {
	app := fiber.New()
	app.Get("/account", auth0fiber.RequireAuth(), func(c *fiber.Ctx) error {
		return c.SendString("Account of " + auth0fiber.User(c).Email)
	})
	// Or a whole group of pages:
	admin := app.Group("/admin", auth0fiber.RequireAuth())
	_ = admin
}

func ExampleRequireAuthAPI() {
	app := fiber.New()
	app.Get("/api/orders", auth0fiber.RequireAuthAPI(), func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"user": auth0fiber.Session(c).User.Sub})
	})
}

func ExampleUpdateSession() {
	var client *auth0kit.Client // from auth0kit.New
	app := fiber.New()
	app.Post("/preferences", auth0fiber.RequireAuth(), func(c *fiber.Ctx) error {
		s := *auth0fiber.Session(c)
		// Values from fiber are valid only inside the handler: copy them.
		s.User.Nickname = strings.Clone(c.FormValue("nickname"))
		if err := auth0fiber.UpdateSession(c, client, &s); err != nil {
			return c.Status(auth0kit.HTTPStatus(err)).SendString(err.Error())
		}
		return c.Redirect("/")
	})
}
