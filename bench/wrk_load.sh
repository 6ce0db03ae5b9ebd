#!/usr/bin/env bash
# The load benchmark with wrk (a C client): the same three scenarios as bench/load.py, with
# 8 connections, but the client takes far less of the machine's two cores than Python would.
#
#   bash bench/wrk_load.sh                       # against http://127.0.0.1:8001 (bench/serve.sh)
#   URL=http://127.0.0.1:8001 DURATION=15 RUNS=3 bash bench/wrk_load.sh
#
# Needs Debian's wrk (`apt-get install wrk`) and DATABASE_URL/SECRET_KEY of the served
# database, to create a token for the benchmark user with `sustain createtoken`.
set -euo pipefail
cd "$(dirname "$0")/.."
URL="${URL:-http://127.0.0.1:8001}"
DURATION="${DURATION:-15}"
RUNS="${RUNS:-3}"
CONNECTIONS="${CONNECTIONS:-8}"
EMAIL="${EMAIL:-admin00@bench.example}"
case "$URL" in
  http://127.0.0.1:*|http://localhost:*|http://\[::1\]:*) ;;
  *) echo "wrk_load.sh only talks to this machine (127.0.0.1, localhost, ::1)" >&2; exit 2 ;;
esac
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 2; }

export SUSTAIN_TOKEN="${SUSTAIN_TOKEN:-$(.venv/bin/sustain createtoken "$EMAIL" --name bench-wrk | tail -1)}"
export WRK_DIR="$PWD/bench/wrk"
api() { curl -fsS -H "Authorization: Bearer $SUSTAIN_TOKEN" "$URL/api/v1/$1"; }
newest=$(api "tickets?ordering=-number&limit=1" | .venv/bin/python -c \
  'import json,sys; i=json.load(sys.stdin)["items"]; print(i[0]["number"] if i else "SUS-0")')
export SUSTAIN_PREFIX="${newest%-*}" SUSTAIN_HIGHEST="${newest##*-}"
export SUSTAIN_TEAMS=$(api teams | .venv/bin/python -c \
  'import json,sys; print(",".join(str(t["id"]) for t in json.load(sys.stdin)))')
echo "$URL: newest ticket $newest, teams [$SUSTAIN_TEAMS], $CONNECTIONS connections, ${DURATION}s x $RUNS"

for scenario in create list detail; do
  for run in $(seq "$RUNS"); do
    line=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "bench/wrk/$scenario.lua" "$URL" | grep '^RESULT')
    echo "$scenario run $run: ${line#RESULT }"
  done
done
