package crosstest

import (
	auth0fiber "github.com/auth0kit/auth0kit/adapters/fiber"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Fiber v2: guards as route handlers before the handler.
func init() {
	o := &ops[*fiber.Ctx]{
		ctx:     (*fiber.Ctx).UserContext,
		query:   func(c *fiber.Ctx, n string) string { return c.Query(n) },
		user:    auth0fiber.User,
		session: auth0fiber.Session,
		update:  auth0fiber.UpdateSession,
		text:    func(c *fiber.Ctx, status int, body string) error { return c.Status(status).SendString(body) },
		json:    func(c *fiber.Ctx, status int, body any) error { return c.Status(status).JSON(body) },
	}
	register(fastKit("fiber", func(client *auth0kit.Client, routes []route) fasthttp.RequestHandler {
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		if client != nil {
			app.Use(auth0fiber.Middleware(client))
		}
		guards := map[guard][]fiber.Handler{pageGuard: {auth0fiber.RequireAuth()}, apiGuard: {auth0fiber.RequireAuthAPI()}}
		for _, rt := range routes {
			app.Get(rt.path, append(guards[rt.guard], func(c *fiber.Ctx) error { return rt.h(reqOf(c, o)) })...)
		}
		return app.Handler()
	}))
}
