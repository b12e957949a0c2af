#!/usr/bin/env bash
# make loadtest: wrk against every example setup (see conformance/cmd/loadtest).
# A benchmark, not a test: it takes a few minutes and prints a table.
# Arguments go to the program, e.g. scripts/loadtest.sh -setups cookie/nethttp,redis-cache -d 5s
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
	echo "wrk is missing: installing it (apt-get install -y wrk)" >&2
	if [ "$(id -u)" -eq 0 ]; then
		apt-get install -y wrk >&2 || { apt-get update >&2 && apt-get install -y wrk >&2; }
	else
		sudo apt-get install -y wrk >&2 || { sudo apt-get update >&2 && sudo apt-get install -y wrk >&2; }
	fi
fi
exec timeout 30m go run ./conformance/cmd/loadtest "$@"
