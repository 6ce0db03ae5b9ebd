#!/usr/bin/env bash
# The two pytest passes of `make test`, SQLite and PostgreSQL, run side by side: they share no
# database, file or queue (each test makes its own temporary folders, Redis queue names and
# throwaway databases), so on a machine with two cores or more the suite takes the time of the
# longer pass instead of the sum of both. Run it through scripts/test-services.sh, which sets
# POSTGRES_URL. Each pass writes to its own log, printed whole when that pass ends so that its
# report is not interleaved with the other's; the exit status is the first failing pass's.
#
#   SUSTAIN_TEST_PASSES=serial   one pass after the other (a one-core machine, or to compare)
set -uo pipefail
cd "$(dirname "$0")/.."

: "${POSTGRES_URL:?run this through scripts/test-services.sh, which sets POSTGRES_URL}"
PYTEST=(.venv/bin/pytest -p no:cacheprovider -q "$@")
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/sustain-test-passes.XXXXXX")
trap 'rm -rf "$LOGS"' EXIT

# An empty DATABASE_URL means SQLite in settings, whatever the environment holds.
sqlite_pass() { DATABASE_URL= "${PYTEST[@]}"; }
postgres_pass() { DATABASE_URL="$POSTGRES_URL" "${PYTEST[@]}"; }
title() {
    case $1 in
        sqlite) echo "==> pytest on SQLite" ;;
        postgres) echo "==> pytest on PostgreSQL ($(sed -E 's#://([^:/@]*):[^@]*@#://\1:***@#' <<<"$POSTGRES_URL"))" ;;
    esac
}

if [ "${SUSTAIN_TEST_PASSES:-parallel}" = serial ]; then
    title sqlite && sqlite_pass || exit
    title postgres && postgres_pass
    exit
fi

declare -A NAME_OF
sqlite_pass >"$LOGS/sqlite.log" 2>&1 &
NAME_OF[$!]=sqlite
postgres_pass >"$LOGS/postgres.log" 2>&1 &
NAME_OF[$!]=postgres
echo "==> pytest on SQLite and PostgreSQL side by side; each report follows when its pass ends"

status=0
for _ in 1 2; do
    wait -n -p done_pid
    rc=$?
    name=${NAME_OF[$done_pid]}
    title "$name"
    cat "$LOGS/$name.log"
    echo "==> $name pass: exit status $rc"
    if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then
        status=$rc
    fi
done
exit "$status"
