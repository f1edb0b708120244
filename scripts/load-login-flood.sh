#!/usr/bin/env bash
# What a login flood does to everyone else: for each password-hash
# concurrency given (default "1 2 4"), seeds 200 accounts, starts
# bin/precinct on loopback, and runs a flood of correct tablet sign-ins over
# those accounts at full rate (32 connections) while a dashboard reads
# GET /api/auth/me with a JWT (4 connections), then the dashboard alone.
# Prints sign-ins per second (against the argon2id ceiling of cores / time
# per hash) and the dashboard's latency. Numbers go to docs/performance.md.
#
#   scripts/load-login-flood.sh ["1 2 4"] [duration]
set -euo pipefail
cd "$(dirname "$0")/.."
levels=${1:-"1 2 4"}
dur=${2:-20s}
port=${PORT:-18092}
pw="a load test passphrase"

make build >/dev/null
go build -o bin/loadgen ./scripts/loadgen
field() { grep -o "\"$1\":\"[^\"]*\"" | cut -d'"' -f4; }

for n in $levels; do
  data=$(mktemp -d /tmp/pct-flood-XXXXXX)
  ./bin/precinct seed --data-dir "$data" --communities 1 --members 200 --password "$pw" >"$data/seed.json"
  admin=$(grep -o '"admin":{"username":"[^"]*"' "$data/seed.json" | cut -d'"' -f6)
  prefix=${admin%-admin}
  for j in $(seq 2 199); do printf '{"username":"%s-u%05d","password":"%s"}\n' "$prefix" "$j" "$pw"; done >"$data/logins.jsonl"
  PRECINCT_DATA_DIR=$data PRECINCT_HTTP_ADDR=127.0.0.1:$port PRECINCT_LOG_LEVEL=error \
    GOGC=${GOGC:-100} PRECINCT_RATE_LIMIT_API=1000000/1m PRECINCT_RATE_LIMIT_SIGN_IN=1000000/1m PRECINCT_PASSWORD_HASH_CONCURRENCY=$n ./bin/precinct serve &
  pid=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  token=$(curl -fs -H 'Content-Type: application/json' -d "{\"username\":\"$admin\",\"password\":\"$pw\"}" \
    "http://127.0.0.1:$port/api/auth/tablet-login" | field token)
  echo "=== password_hash_concurrency=$n"
  ./bin/loadgen -url "http://127.0.0.1:$port/api/auth/tablet-login" -bodies "$data/logins.jsonl" -c 32 -d "$dur" >"$data/flood.out" &
  flood=$!
  sleep 1
  echo "--- GET /api/auth/me during the flood"
  ./bin/loadgen -url "http://127.0.0.1:$port/api/auth/me" -H "Authorization: Bearer $token" -c 4 -d "$(( ${dur%s} - 3 ))s"
  wait $flood
  echo "--- the flood: POST /api/auth/tablet-login, correct passwords, 198 accounts"
  cat "$data/flood.out"
  echo "--- GET /api/auth/me alone"
  ./bin/loadgen -url "http://127.0.0.1:$port/api/auth/me" -H "Authorization: Bearer $token" -c 4 -d 5s
  kill -TERM $pid; wait $pid 2>/dev/null || true
  rm -rf "$data"
done
