#!/usr/bin/env bash
# Load at two sizes, in one run: for each of 10 communities x 10 members and
# 100 communities x 1,000 members, seeds a fresh SQLite data directory with
# `precinct seed`, starts bin/precinct on loopback, signs in as the Community
# Admin of the community in the middle, and runs scripts/loadgen against the
# requests every screen and game server makes. Numbers go to
# docs/performance.md by hand, beside the machine they were measured on.
#
#   scripts/load-seeded.sh [concurrency] [duration]
set -euo pipefail
cd "$(dirname "$0")/.."
conc=${1:-32}
dur=${2:-10s}
port=${PORT:-18091}
pw="a load test passphrase"

make build >/dev/null
go build -o bin/loadgen ./scripts/loadgen

field() { grep -o "\"$1\":\"[^\"]*\"" | cut -d'"' -f4; }

for size in "10 10" "100 1000"; do
  set -- $size
  data=$(mktemp -d /tmp/pct-load-XXXXXX)
  echo "=== $1 communities x $2 members"
  start=$(date +%s%N)
  ./bin/precinct seed --data-dir "$data" --communities "$1" --members "$2" --password "$pw" >"$data/seed.json"
  echo "seeded in $(( ($(date +%s%N) - start) / 1000000 )) ms; database $(du -h "$data/precinct.db" | cut -f1)"
  mid=$(( $1 / 2 + 1 ))
  id=$(field id <"$data/seed.json" | sed -n "${mid}p")
  key=$(field apiKey <"$data/seed.json" | sed -n "${mid}p")
  admin=$(grep -o '"admin":{"username":"[^"]*"' "$data/seed.json" | cut -d'"' -f6 | sed -n "${mid}p")
  PRECINCT_DATA_DIR=$data PRECINCT_HTTP_ADDR=127.0.0.1:$port PRECINCT_LOG_LEVEL=warn ./bin/precinct serve &
  pid=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  token=$(curl -fs -H 'Content-Type: application/json' -d "{\"username\":\"$admin\",\"password\":\"$pw\"}" \
    "http://127.0.0.1:$port/api/auth/tablet-login" | field token)
  for path in /api/auth/me "/api/community/$id" "/api/community/$id/members" "/api/community/$id/departments"; do
    echo "--- GET $path (JWT)"
    ./bin/loadgen -url "http://127.0.0.1:$port$path" -H "Authorization: Bearer $token" -c "$conc" -d "$dur"
  done
  echo "--- GET /api/civilian/fivem-departments (API key)"
  ./bin/loadgen -url "http://127.0.0.1:$port/api/civilian/fivem-departments" -H "x-api-key: $key" -c "$conc" -d "$dur"
  kill -TERM $pid; wait $pid 2>/dev/null || true
  rm -rf "$data"
done
