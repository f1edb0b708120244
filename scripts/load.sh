#!/usr/bin/env bash
# Load check of a locally built server: starts bin/precinct on loopback with
# a throwaway data directory (embedded database), runs scripts/loadgen
# against /healthz and /readyz, stops the server. Numbers go to
# docs/performance.md by hand, beside the machine they were measured on.
#
#   scripts/load.sh [concurrency] [duration]
set -euo pipefail
cd "$(dirname "$0")/.."
conc=${1:-32}
dur=${2:-10s}
port=${PORT:-18090}

make build >/dev/null
go build -o bin/loadgen ./scripts/loadgen
data=$(mktemp -d /tmp/pct-load-XXXXXX)
PRECINCT_DATA_DIR=$data PRECINCT_HTTP_ADDR=127.0.0.1:$port PRECINCT_LOG_LEVEL=warn ./bin/precinct serve &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

for path in /healthz /readyz; do
  ./bin/loadgen -url "http://127.0.0.1:$port$path" -c "$conc" -d "$dur"
  echo
done
