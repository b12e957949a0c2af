module github.com/auth0kit/auth0kit/stores/redis

go 1.26.0

require (
	github.com/auth0kit/auth0kit/conformance v0.0.0-00010101000000-000000000000
	github.com/auth0kit/auth0kit/core v0.0.0-00010101000000-000000000000
	github.com/redis/go-redis/v9 v9.23.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/coreos/go-oidc/v3 v3.21.0 // indirect
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/oauth2 v0.37.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

replace github.com/auth0kit/auth0kit/core => ../../core

replace github.com/auth0kit/auth0kit/conformance => ../../conformance
