// Package auth0fiber adds Auth0 (or any OpenID Connect provider) login to
// Fiber v2 applications: a middleware that mounts the SDK's routes
// (/auth/login, /auth/callback, /auth/logout, /auth/profile, …) and keeps
// the session, guards for pages and APIs, and accessors for the session
// and user.
//
//	client, err := auth0kit.New() // reads AUTH0_DOMAIN, AUTH0_CLIENT_ID, …
//	app := fiber.New(fiber.Config{ReadBufferSize: 16 * 1024})
//	app.Use(auth0fiber.Middleware(client))
//	app.Get("/private", auth0fiber.RequireAuth(), privatePage)
//	app.Get("/api/me", auth0fiber.RequireAuthAPI(), apiMe)
//	app.Listen(":3000")
//
// In a handler, [User] and [Session] return the logged-in user and session
// (nil when logged out), and [UpdateSession] replaces the session.
//
// # Request header size
//
// fasthttp's ReadBufferSize (default 4096 bytes) caps the whole request
// header. A session cookie with the typical Auth0 tokens is about 3.3 KB;
// larger sessions are split into several cookies of up to 3.5 KB each, and
// a login adds a transaction cookie, so set fiber.Config.ReadBufferSize to
// 16 KiB or more, or browsers get "431 Request Header Fields Too Large".
//
// # Proxies
//
// The base URL (when APP_BASE_URL is not a single URL) is inferred by
// auth0kit from the Host header, and X-Forwarded-Host/-Proto count only
// from peers listed with auth0kit.Tuning.TrustedProxies. Fiber's own
// EnableTrustedProxyCheck and ProxyHeader settings do not apply to it.
//
// The adapter only translates between Fiber and the core package
// (github.com/auth0kit/auth0kit/core); every rule lives there.
package auth0fiber
