module github.com/auth0kit/auth0kit/adapters/fiberv3

go 1.26.0

require (
	github.com/auth0kit/auth0kit/core v0.0.0-00010101000000-000000000000
	github.com/gofiber/fiber/v3 v3.1.0
)

require github.com/valyala/fasthttp v1.69.0 // indirect

require (
	github.com/andybalholm/brotli v1.2.0 // indirect
	github.com/auth0kit/auth0kit/adapters/fasthttp v0.0.0-00010101000000-000000000000
	github.com/coreos/go-oidc/v3 v3.21.0 // indirect
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	github.com/gofiber/schema v1.7.0 // indirect
	github.com/gofiber/utils/v2 v2.0.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/klauspost/compress v1.18.4 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/tinylib/msgp v1.6.3 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	golang.org/x/crypto v0.48.0 // indirect
	golang.org/x/net v0.50.0 // indirect
	golang.org/x/oauth2 v0.37.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.41.0 // indirect
	golang.org/x/text v0.34.0 // indirect
)

replace github.com/auth0kit/auth0kit/core => ../../core

replace github.com/auth0kit/auth0kit/adapters/fasthttp => ../fasthttp
