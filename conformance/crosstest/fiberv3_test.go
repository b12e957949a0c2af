package crosstest

import (
	auth0fiber "github.com/auth0kit/auth0kit/adapters/fiberv3"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gofiber/fiber/v3"
	"github.com/valyala/fasthttp"
)

// Fiber v3: fiber.Ctx is an interface; the guards go through app.Get's
// extra handlers.
func init() {
	o := &ops[fiber.Ctx]{
		ctx:     fiber.Ctx.Context,
		query:   func(c fiber.Ctx, n string) string { return c.Query(n) },
		user:    auth0fiber.User,
		session: auth0fiber.Session,
		update:  auth0fiber.UpdateSession,
		text:    func(c fiber.Ctx, status int, body string) error { return c.Status(status).SendString(body) },
		json:    func(c fiber.Ctx, status int, body any) error { return c.Status(status).JSON(body) },
	}
	register(fastKit("fiberv3", func(client *auth0kit.Client, routes []route) fasthttp.RequestHandler {
		app := fiber.New()
		if client != nil {
			app.Use(auth0fiber.Middleware(client))
		}
		mount(routes, func(rt route) fiber.Handler { return func(c fiber.Ctx) error { return rt.h(reqOf(c, o)) } },
			func(p string, h fiber.Handler) { app.Get(p, h) },
			func(p string, h fiber.Handler) { app.Get(p, auth0fiber.RequireAuth(), h) },
			func(p string, h fiber.Handler) { app.Get(p, auth0fiber.RequireAuthAPI(), h) })
		return app.Handler()
	}))
}
