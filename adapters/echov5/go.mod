module github.com/auth0kit/auth0kit/adapters/echov5

go 1.26.0

require (
	github.com/auth0kit/auth0kit/core v0.0.0-00010101000000-000000000000
	github.com/labstack/echo/v5 v5.4.4
)

require (
	github.com/coreos/go-oidc/v3 v3.21.0 // indirect
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	golang.org/x/oauth2 v0.37.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
)

replace github.com/auth0kit/auth0kit/core => ../../core
