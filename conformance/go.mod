module github.com/auth0kit/auth0kit/conformance

go 1.26.0

require (
	github.com/auth0kit/auth0kit/core v0.0.0-00010101000000-000000000000
	github.com/go-jose/go-jose/v4 v4.1.9
)

replace github.com/auth0kit/auth0kit/core => ../core
