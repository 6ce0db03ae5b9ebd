#!/usr/bin/env bash
# `make bench`: seed a fresh PostgreSQL database, serve it with gunicorn, measure the API.
#
#   TICKETS=10000 RUNS=3 DURATION=20 bash bench/run_all.sh
#
# It drops and recreates the database $BENCH_DB (default sustain_bench_auto), which must be a
# benchmark database, and stops the server it started when it ends. Results are printed and
# written to bench/results/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

TICKETS="${TICKETS:-10000}"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-20}"
PORT="${PORT:-8001}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
BENCH_DB="${BENCH_DB:-sustain_bench_auto}"
PY=.venv/bin/python

export DATABASE_URL="$PG_SERVER/$BENCH_DB"
export SECRET_KEY="${SECRET_KEY:-bench}"
export SUSTAIN_BASE_URL="http://127.0.0.1:$PORT"

echo "==> fresh database $BENCH_DB"
$PY - "$PG_SERVER/postgres" "$BENCH_DB" <<'EOF'
import sys

import psycopg
from psycopg import sql

with psycopg.connect(sys.argv[1], autocommit=True) as connection:
    name = sql.Identifier(sys.argv[2])
    connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
EOF

echo "==> seeding $TICKETS tickets"
$PY bench/seed.py --tickets "$TICKETS"

echo "==> serving on 127.0.0.1:$PORT"
BIND="127.0.0.1:$PORT" bash bench/serve.sh &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
$PY - "$SUSTAIN_BASE_URL" <<'EOF'
import sys
import time

import httpx

for _ in range(100):
    try:
        httpx.get(sys.argv[1] + "/healthz", timeout=2)
        sys.exit(0)
    except httpx.HTTPError:
        time.sleep(0.2)
sys.exit("the server did not start within 20 seconds")
EOF

echo "==> measuring"
$PY bench/load.py --url "$SUSTAIN_BASE_URL" --repeat "$RUNS" --duration "$DURATION" \
    --json "bench/results/load-$TICKETS.json"
