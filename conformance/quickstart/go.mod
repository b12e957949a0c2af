module github.com/auth0kit/auth0kit/conformance/quickstart

go 1.26.0
