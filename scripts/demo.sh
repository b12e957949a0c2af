#!/usr/bin/env bash
# Starts the development OpenID Provider and an example app wired to it.
#
#   scripts/demo.sh [framework]     # nethttp (default), gin, echo, echov5, fiber, fiberv3
#
# Environment: PORT (3000), DEVOP_ADDR (127.0.0.1:4000), DEVOP_CLIENT_ID,
# DEVOP_CLIENT_SECRET, AUTH0_SECRET, REDIS_URL / DATABASE_URL (server-side
# sessions). DEMO_SMOKE=1 starts both, checks that the app's login leads to
# the provider's login page, and exits 0 (used by .ci/run).
#
# The app accepts both http://localhost:$PORT and http://127.0.0.1:$PORT:
# APP_BASE_URL lists both origins, so each login's callback returns to the
# host it started on, where its transaction cookie is.
set -euo pipefail
cd "$(dirname "$0")/.."
framework="${1:-nethttp}"
port="${PORT:-3000}"
op_addr="${DEVOP_ADDR:-127.0.0.1:4000}"
smoke="${DEMO_SMOKE:-}"

say() { printf '%s\n' "demo: $*" >&2; }
die() { say "$*"; exit 1; }

[ -d "examples/$framework" ] || die "no example named \"$framework\" (choose one of: $(ls examples | grep -v internal | tr '\n' ' '))"
command -v curl >/dev/null || die "curl is needed (apt-get install -y curl)"

bin="$(mktemp -d)"
op_pid="" app_pid=""
cleanup() {
  for pid in $app_pid $op_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $app_pid $op_pid; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$bin"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# build PACKAGE NAME: go build with a running count of compiled packages
# (a first build compiles a few hundred and takes minutes).
build() {
  local n=0 line
  say "building $2 (the first build takes a few minutes)…"
  while IFS= read -r line; do
    case "$line" in
      *" "* | *:*) printf '%s\n' "$line" >&2 ;; # compiler errors
      *) n=$((n + 1)); [ -t 2 ] && printf '\r  %d packages compiled' "$n" >&2 ;;
    esac
  done < <(go build -v -o "$bin/$2" "$1" 2>&1)
  if [ -t 2 ]; then printf '\r\033[K' >&2; elif [ "$n" -gt 0 ]; then say "  $n packages compiled"; fi
  [ -x "$bin/$2" ] || die "building $1 failed"
}
build ./conformance/cmd/devop devop
build "./examples/$framework" app

# wait_http URL PID NAME: until URL answers, or fail when PID exited.
wait_http() {
  for _ in $(seq 300); do
    kill -0 "$2" 2>/dev/null || { wait "$2" || true; die "$3 exited before answering on $1 (see its log above)"; }
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  die "$3 did not answer on $1 within 30 s"
}

"$bin/devop" -addr "$op_addr" >/dev/null &
op_pid=$!
wait_http "http://$op_addr/.well-known/openid-configuration" "$op_pid" "the development provider"

export AUTH0_DOMAIN="http://$op_addr/"
export AUTH0_CLIENT_ID="${DEVOP_CLIENT_ID:-devop-client}"
export AUTH0_CLIENT_SECRET="${DEVOP_CLIENT_SECRET:-devop-secret}"
export AUTH0_SECRET="${AUTH0_SECRET:-demo-secret-demo-secret-demo-secret-0123456789}"
export APP_BASE_URL="http://127.0.0.1:$port,http://localhost:$port"
export PORT="$port"
"$bin/app" &
app_pid=$!
wait_http "http://127.0.0.1:$port/" "$app_pid" "the $framework example"

if [ -n "$smoke" ]; then
  for host in 127.0.0.1 localhost; do
    page="$(curl -sSfL --max-time 10 -c "$bin/jar" -b "$bin/jar" "http://$host:$port/auth/login")" ||
      die "smoke: GET http://$host:$port/auth/login did not lead to a page"
    grep -qi '<form' <<<"$page" || die "smoke: http://$host:$port/auth/login did not lead to the provider's login form"
  done
  say "smoke: $framework example and development provider answer; login page reached from 127.0.0.1 and localhost"
  exit 0
fi

echo
echo "  auth0kit demo ($framework) is running: open http://localhost:$port/ or http://127.0.0.1:$port/"
echo "  (development provider at http://$op_addr/ — log in with any email; Ctrl-C stops both)"
echo
# Exit with the status of whichever process ends first.
set +e
wait -n "$op_pid" "$app_pid"
status=$?
if kill -0 "$app_pid" 2>/dev/null; then say "the development provider exited ($status)"; else say "the $framework example exited ($status)"; fi
[ "$status" -ne 0 ] || status=1
exit "$status"
