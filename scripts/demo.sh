#!/usr/bin/env bash
# Starts the development OpenID Provider and an example app wired to it.
set -euo pipefail
cd "$(dirname "$0")/.."
framework="${1:-nethttp}"
port="${PORT:-3000}"
op_addr="${DEVOP_ADDR:-127.0.0.1:4000}"
bin="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$bin"' EXIT INT TERM

go build -o "$bin/devop" ./conformance/cmd/devop
go build -o "$bin/app" "./examples/$framework"

"$bin/devop" -addr "$op_addr" &
for _ in $(seq 50); do curl -fs "http://$op_addr/.well-known/openid-configuration" >/dev/null 2>&1 && break; sleep 0.1; done

export AUTH0_DOMAIN="http://$op_addr/"
export AUTH0_CLIENT_ID="${DEVOP_CLIENT_ID:-devop-client}"
export AUTH0_CLIENT_SECRET="${DEVOP_CLIENT_SECRET:-devop-secret}"
export AUTH0_SECRET="${AUTH0_SECRET:-demo-secret-demo-secret-demo-secret-0123456789}"
export APP_BASE_URL="http://127.0.0.1:$port"
export PORT="$port"
"$bin/app" &
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
echo
echo "  auth0kit demo ($framework) is running: open http://127.0.0.1:$port/"
echo "  (development provider at http://$op_addr/ — log in with any email; Ctrl-C stops both)"
echo
wait
