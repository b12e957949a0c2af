#!/usr/bin/env bash
# Checks what `make test` needs before a long run, and installs what it can:
#
#   - Node.js (node, npm) for the certified OpenID Provider (conformance/op);
#   - conformance/op's npm packages: `npm ci` when node_modules is missing
#     or older than package-lock.json;
#   - Redis on 127.0.0.1:6379, PostgreSQL on 127.0.0.1:5432 and MariaDB/MySQL
#     on 127.0.0.1:3306 for the store tests.
#
# Anything missing ends the run with one line saying what to do, exit 1.
# .ci/run starts the services (and installs Node) on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { printf 'make test: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null && command -v npm >/dev/null ||
  fail "Node.js is not installed (node and npm run the certified OpenID Provider): install Node.js ≥ 20, e.g. apt-get install -y nodejs npm, or run .ci/run"

op=conformance/op
if [ ! -f "$op/node_modules/.package-lock.json" ] || [ "$op/package-lock.json" -nt "$op/node_modules/.package-lock.json" ]; then
  echo "make test: installing the certified OpenID Provider's npm packages (npm ci in $op)" >&2
  (cd "$op" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
    fail "npm ci in $op failed (see above); it needs the npm registry once"
fi

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
up 6379 || fail "Redis is not running on 127.0.0.1:6379 (start redis-server, or run .ci/run)"
up 5432 || fail "PostgreSQL is not running on 127.0.0.1:5432 (user postgres, database test; or run .ci/run)"
up 3306 || fail "MariaDB/MySQL is not running on 127.0.0.1:3306 (user root, database test; or run .ci/run)"
