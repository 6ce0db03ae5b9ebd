#!/usr/bin/env bash
# Serve Sustain for the load benchmark: gunicorn on PostgreSQL, background jobs queued in Redis.
#
#   bash bench/serve.sh             # http://127.0.0.1:8001, 4 workers, database sustain_bench
#   WORKERS=2 bash bench/serve.sh   # any variable below can be overridden the same way
#
# Create and fill the database first:  createdb -h 127.0.0.1 -U postgres sustain_bench
#                                       .venv/bin/python bench/seed.py --tickets 10000
# No worker runs: notifications wait in the queue, so the figures are the web tier's alone.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sustain_bench}"
export SECRET_KEY="${SECRET_KEY:-bench}"
export SUSTAIN_BASE_URL="${SUSTAIN_BASE_URL:-http://127.0.0.1:8001}"
# Redis as in production; the SQLite queue file would serialise the workers' enqueues.
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/3}"
export SUSTAIN_QUEUE_NAME="${SUSTAIN_QUEUE_NAME:-sustain-bench}"
export SUSTAIN_DATA_DIR="${SUSTAIN_DATA_DIR:-$PWD/var/bench}"
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
WORKERS="${WORKERS:-4}"
BIND="${BIND:-127.0.0.1:8001}"

.venv/bin/sustain migrate --verbosity 0
exec .venv/bin/gunicorn sustain.wsgi:application --workers "$WORKERS" --bind "$BIND" \
    --log-level warning
