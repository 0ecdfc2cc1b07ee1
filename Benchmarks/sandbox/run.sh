#!/usr/bin/env bash
# Benchmark: daily-report requests per second that Connect Sandbox serves for a 100-app account.
# Usage: Benchmarks/sandbox/run.sh [runs=5] [duration=20s] [connections=32]
# Needs a release build (swift build -c release --product orchard), wrk and curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}; DURATION=${2:-20s}; CONNECTIONS=${3:-32}
BIN=.build/release/orchard
PORT=${PORT:-19090}
BASE="http://127.0.0.1:$PORT"

"$BIN" sandbox --port "$PORT" --empty > /tmp/orchard-sandbox-bench.log 2>&1 &
SANDBOX=$!
trap 'kill $SANDBOX' EXIT
for _ in $(seq 50); do curl -sf "$BASE/sandbox/v1/state" > /dev/null && break; sleep 0.2; done

ACCOUNT_JSON=$(curl -sf -X POST "$BASE/sandbox/v1/accounts" -H 'Content-Type: application/json' \
  -d '{"name":"Benchmark Apps Inc.","apps":100,"seed":7}')
ACCOUNT=$(echo "$ACCOUNT_JSON" | sed 's/.*"number":"\([0-9]*\)".*/\1/')
VENDOR=$(echo "$ACCOUNT_JSON" | sed 's/.*"vendors":\["\([0-9]*\)".*/\1/')
TOKEN=$(curl -sf -X POST "$BASE/sandbox/v1/users" -H 'Content-Type: application/json' \
  -d "{\"appleId\":\"bench@example.com\",\"accounts\":[$ACCOUNT]}" | sed 's/.*"accessToken":"\([^"]*\)".*/\1/')
DATE=$(date -u -d '2 days ago' +%Y%m%d)
export TOKEN ACCOUNT VENDOR DATE DAYS=${DAYS:-30}

# warm-up: generate and cache the files once
wrk -t1 -c1 -d5s -s Benchmarks/sandbox/reporter-daily.lua "$BASE" > /dev/null
curl -s -o /tmp/bench-report.gz -X POST "$BASE/reportservice/sales/v1" --data "jsonRequest={\"accesstoken\":\"$TOKEN\",\"mode\":\"Robot.XML\",\"account\":\"$ACCOUNT\",\"queryInput\":\"[p=Reporter.properties, Sales.getReport, $VENDOR,Sales,Summary,Daily,$DATE]\"}"
echo "daily report of $DATE: $(stat -c %s /tmp/bench-report.gz) bytes gzip, $(zcat /tmp/bench-report.gz | wc -l) lines"

for run in $(seq "$RUNS"); do
  echo "--- run $run"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s Benchmarks/sandbox/reporter-daily.lua "$BASE"
done
