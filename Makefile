# auth0kit — see README.md. Every Go command runs over the whole workspace.
SHELL := /bin/bash
GO ?= go
FRAMEWORK ?= nethttp
FUZZTIME ?= 10s
PORT ?= 3000
DEVOP_ADDR ?= 127.0.0.1:4000

.PHONY: test prereqs bench lint demo devop fuzz conformance-table e2e e2e-quickstarts loadtest

## test: all tests of every module, race detector on (installs the
## certified OP's npm packages when missing; stops early, with one line,
## when Node, Redis, PostgreSQL or MariaDB is missing)
test: prereqs
	$(GO) test -race -count=1 -timeout 30m work

## prereqs: check Node and the services, npm ci in conformance/op if needed
prereqs:
	@bash scripts/prereqs.sh

## conformance-table: run the conformance suite on every adapter and
## regenerate the README's results table from its reports
conformance-table:
	rm -rf .conformance
	AUTH0KIT_CONFORMANCE_REPORT=$(CURDIR)/.conformance $(GO) test -count=1 -timeout 30m -run '^TestConformance$$' ./conformance/crosstest/
	$(GO) run ./conformance/cmd/conformance-table -dir .conformance -readme README.md

## bench: benchmarks with allocation counts
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 work

## lint: gofmt, go vet and staticcheck over every module
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet work
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $$($(GO) list -f '{{.Dir}}/...' -m)

## fuzz: run every fuzz target for FUZZTIME
fuzz:
	@set -e; for pkg in $$($(GO) list -f '{{.ImportPath}}' work); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | cut -d' ' -f2); do \
	    echo "== $$pkg $$f"; (cd $$dir && $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) .); \
	  done; done

## e2e: log in through examples/gin with headless Chromium against the
## development provider (needs Chromium: apt-get install -y chromium)
e2e:
	AUTH0KIT_E2E=1 $(GO) test -count=1 -timeout 15m -v -run '^TestBrowserLogin$$' ./conformance/e2e/...

## e2e-quickstarts: build each README quickstart (net/http, Gin, Echo v4,
## Echo v5, Fiber v2, Fiber v3) outside the workspace and log in and out
## through it with headless Chromium against the development provider
## (separate from e2e: six module builds take minutes on a cold cache)
e2e-quickstarts:
	AUTH0KIT_E2E=1 $(GO) test -count=1 -timeout 20m -v -run '^TestQuickstartLogins$$' ./conformance/e2e/...

## demo: the development provider and examples/$(FRAMEWORK), no Auth0 account needed
## (DEMO_SMOKE=1: start both, check the login page answers, exit)
demo:
	@bash scripts/demo.sh $(FRAMEWORK)

## devop: the development OpenID Provider alone, for your own app
## (client devop-client / devop-secret; see README "Development provider")
devop:
	$(GO) run ./conformance/cmd/devop -addr $(DEVOP_ADDR)

## loadtest: wrk on /auth/profile of every example setup (cookie sessions on
## the six adapters; Redis, Redis with the session cache, PostgreSQL,
## MariaDB, SQLite on net/http), logged in vs. a junk cookie of the same
## size; a benchmark, not a test (LOADTEST_ARGS, e.g. -setups redis -d 5s,
## or -sessions 50 to send the cookies of 50 logins in turn)
loadtest:
	@bash scripts/loadtest.sh $(LOADTEST_ARGS)
