package auth0fiber_test

import (
	"html"
	"log"
	"strings"

	auth0fiber "github.com/auth0kit/auth0kit/adapters/fiberv3"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gofiber/fiber/v3"
)

func ExampleMiddleware() {
	// Reads AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET
	// and APP_BASE_URL.
	client, err := auth0kit.New()
	if err != nil {
		log.Fatal(err)
	}
	home := func(c fiber.Ctx) error {
		c.Type("html")
		u := auth0fiber.User(c)
		if u == nil {
			return c.SendString(`<a href="/auth/login">Log in</a>`)
		}
		return c.SendString("Hello " + html.EscapeString(u.Name) + `! <a href="/auth/logout">Log out</a>`)
	}
	// Session cookies can exceed fasthttp's default 4 KiB header buffer;
	// the middleware goes first, then the routes.
	app := fiber.New(fiber.Config{ReadBufferSize: 16 * 1024})
	app.Use(auth0fiber.Middleware(client))
	app.Get("/", home)
	log.Fatal(app.Listen(":3000", fiber.ListenConfig{DisableStartupMessage: true}))
}

func ExampleRequireAuth() {
	app := fiber.New()
	// Every page under /account needs a logged-in user; anonymous visitors
	// are sent to the login page and come back afterwards.
	account := app.Group("/account", auth0fiber.RequireAuth())
	account.Get("/", func(c fiber.Ctx) error { return c.SendString("Account of " + auth0fiber.User(c).Email) })
	account.Get("/email", func(c fiber.Ctx) error { return c.SendString(auth0fiber.User(c).Email) })
}

func ExampleRequireAuthAPI() {
	app := fiber.New()
	api := app.Group("/api", auth0fiber.RequireAuthAPI()) // 401 JSON without a session
	api.Get("/orders", func(c fiber.Ctx) error { return c.JSON(fiber.Map{"user": auth0fiber.Session(c).User.Sub}) })
}

func ExampleUpdateSession() {
	var client *auth0kit.Client // from auth0kit.New
	app := fiber.New()
	app.Put("/nickname", auth0fiber.RequireAuthAPI(), func(c fiber.Ctx) error {
		next := *auth0fiber.Session(c)
		next.User.Nickname = strings.Clone(c.Query("value")) // fiber's strings live only as long as the request
		if err := auth0fiber.UpdateSession(c, client, &next); err != nil {
			return c.SendStatus(auth0kit.HTTPStatus(err))
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
}
