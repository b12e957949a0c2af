module github.com/auth0kit/auth0kit/examples/nethttp

go 1.26.0

require (
	github.com/auth0kit/auth0kit/adapters/nethttp v0.0.0-00010101000000-000000000000
	github.com/auth0kit/auth0kit/conformance v0.0.0-00010101000000-000000000000
	github.com/auth0kit/auth0kit/core v0.0.0-00010101000000-000000000000
	github.com/auth0kit/auth0kit/examples/internal/appenv v0.0.0-00010101000000-000000000000
	github.com/auth0kit/auth0kit/stores/redis v0.0.0-00010101000000-000000000000
	github.com/auth0kit/auth0kit/stores/sql v0.0.0-00010101000000-000000000000
)

replace github.com/auth0kit/auth0kit/core => ../../core

replace github.com/auth0kit/auth0kit/adapters/nethttp => ../../adapters/nethttp

replace github.com/auth0kit/auth0kit/examples/internal/appenv => ../../examples/internal/appenv

replace github.com/auth0kit/auth0kit/stores/redis => ../../stores/redis

replace github.com/auth0kit/auth0kit/stores/sql => ../../stores/sql

replace github.com/auth0kit/auth0kit/conformance => ../../conformance
