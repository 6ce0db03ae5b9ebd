#!/usr/bin/env bash
# Run a command with every service the test suite needs; `make test` runs its test passes so.
#
#   scripts/test-services.sh COMMAND [ARG...]
#
# PostgreSQL and Redis: the server at POSTGRES_URL / REDIS_URL (defaults below) when one
# answers there; when nothing answers, a throwaway server on a free port of 127.0.0.1, its data
# in a temporary folder, stopped and deleted when COMMAND ends. A server that answers but
# refuses (a password, a missing role) stops the run: that is the caller's to fix.
# Dovecot (the IMAP tests start their own instance from the binary) and Chromium (the browser
# tests): the installed binaries.
# Whatever is missing is installed with apt-get when this runs as root (CI does); otherwise the
# run stops before COMMAND, naming what to install. One line per dependency says what happened:
# found, started, installed; MISSING or REFUSED stop the run.
#
# COMMAND gets POSTGRES_URL and REDIS_URL naming the servers to use, and SUSTAIN_CHROMIUM when
# the browser found is not called `chromium`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Inside a run of this script already (`make test` running a test target): the services are up.
if [ -n "${SUSTAIN_TEST_SERVICES:-}" ]; then
    exec "$@"
fi
if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

bash scripts/bootstrap.sh
PROBE=(.venv/bin/python scripts/service_probe.py)
POSTGRES_URL=${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/sustain}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}

report() { printf 'services: %-10s %s\n' "$1" "$2" >&2; }
# A URL as it may be shown: without its password.
shown() { sed -E 's#^([a-z]+://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sustain-test-services.XXXXXX")
# The throwaway PostgreSQL runs as another user when this runs as root; it must enter WORK.
chmod 755 "$WORK"
PG_BINDIR="" PG_USER="" PG_DATA="" REDIS_PID=""

stop_throwaways() {
    local status=$?
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null || true
        wait "$REDIS_PID" 2>/dev/null || true
        report Redis "stopped the throwaway server"
    fi
    if [ -n "$PG_DATA" ]; then
        as_pg_user "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
        report PostgreSQL "stopped the throwaway server"
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap stop_throwaways EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Installing -----------------------------------------------------------------------------
APT_LOG="$WORK/apt.log"
APT_UPDATED=""

can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

# apt_install NAME PACKAGE: installs without asking; on failure shows the end of apt's output.
apt_install() {
    local name=$1 package=$2
    report "$name" "installing ($package with apt-get) ..."
    if [ -z "$APT_UPDATED" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >>"$APT_LOG" 2>&1 || true
        APT_UPDATED=1
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" \
        </dev/null >>"$APT_LOG" 2>&1; then
        tail -n 15 "$APT_LOG" >&2
        return 1
    fi
}

# how_to_install PACKAGE: the hint on a MISSING line.
how_to_install() {
    if command -v apt-get >/dev/null 2>&1; then
        echo "run \`sudo apt-get install $1\` (or run \`make test\` as root, which installs it)"
    else
        echo "install it with your system's package manager (Debian's package: $1)"
    fi
}

MISSING=()
missing() { report "$1" "MISSING: $2"; MISSING+=("$1"); }
refused() { report "$1" "REFUSED: $2"; MISSING+=("$1"); }

# --- PostgreSQL -----------------------------------------------------------------------------
# The server programs: initdb and pg_ctl on PATH, else Debian's newest /usr/lib/postgresql/N.
find_pg_bindir() {
    local dir
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    while IFS= read -r dir; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV)
    return 1
}

# PostgreSQL refuses to run as root; as root the throwaway server runs as the package's user.
as_pg_user() {
    if [ -n "$PG_USER" ]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

start_postgres() {
    local port data=$WORK/postgres
    if [ "$(id -u)" = 0 ]; then
        PG_USER=postgres
        id -u "$PG_USER" >/dev/null 2>&1 || PG_USER=nobody
    fi
    mkdir -p "$data"
    [ -z "$PG_USER" ] || chown "$PG_USER" "$data"
    # C.UTF-8 sorts as Debian's default cluster does; --no-locale where that locale is absent.
    if ! as_pg_user "$PG_BINDIR/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$WORK/initdb.log" 2>&1; then
        rm -rf "$data" && mkdir -p "$data" && { [ -z "$PG_USER" ] || chown "$PG_USER" "$data"; }
        if ! as_pg_user "$PG_BINDIR/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
            --no-locale --no-sync >>"$WORK/initdb.log" 2>&1; then
            cat "$WORK/initdb.log" >&2
            return 1
        fi
    fi
    port=$("${PROBE[@]}" free-port)
    PG_DATA=$data
    # Throwaway data: nothing is worth an fsync.
    if ! as_pg_user "$PG_BINDIR/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 -o \
        "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
        cat "$data/server.log" >&2 || true
        return 1
    fi
    POSTGRES_URL="postgres://postgres@127.0.0.1:$port/sustain"
}

# --- Redis ----------------------------------------------------------------------------------
start_redis() {
    local port _
    port=$("${PROBE[@]}" free-port)
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
        --logfile "$WORK/redis.log" >/dev/null 2>&1 &
    REDIS_PID=$!
    REDIS_URL="redis://127.0.0.1:$port/15"
    for _ in $(seq 120); do
        if "${PROBE[@]}" redis "$REDIS_URL" >/dev/null; then
            return 0
        fi
        if ! kill -0 "$REDIS_PID" 2>/dev/null; then
            break
        fi
        sleep 0.25
    done
    cat "$WORK/redis.log" >&2 || true
    return 1
}

have_postgres() { PG_BINDIR=$(find_pg_bindir); }
have_redis() { command -v redis-server >/dev/null 2>&1; }

# A server the tests need at the URL in the variable URL_VAR: the one that answers there, or a
# throwaway one started by START (installing PACKAGE first when HAVE says its programs are
# missing). A server that answers but refuses is reported, not replaced.
#   ensure_server NAME URL_VAR PROBE_KIND PACKAGE HAVE START PROGRAMS
ensure_server() {
    local name=$1 url_var=$2 kind=$3 package=$4 have=$5 start=$6 programs=$7
    local url=${!url_var} reason code=0 installed=""
    reason=$("${PROBE[@]}" "$kind" "$url") || code=$?
    case $code in
        0)
            report "$name" "found at $(shown "$url")"
            return 0
            ;;
        1)
            refused "$name" "$(shown "$url") answers but refuses ($reason); fix $url_var or that server"
            return 0
            ;;
    esac
    if ! "$have"; then
        if can_install && apt_install "$name" "$package" && "$have"; then
            installed="installed, "
        else
            missing "$name" "nothing answers at $(shown "$url") and $programs not installed: $(how_to_install "$package"), or set $url_var to a server"
            return 0
        fi
    fi
    if ! "$start"; then
        missing "$name" "nothing answers at $(shown "$url") and a throwaway server did not start (its log is above)"
        return 0
    fi
    report "$name" "${installed}started a throwaway server at ${!url_var} (nothing answered at the configured URL: $reason)"
}

# --- Dovecot and Chromium -------------------------------------------------------------------
find_dovecot() {
    command -v dovecot 2>/dev/null || { [ -x /usr/sbin/dovecot ] && echo /usr/sbin/dovecot; }
}

ensure_dovecot() {
    local binary
    if binary=$(find_dovecot); then
        report Dovecot "found at $binary (the IMAP tests start their own instance)"
    elif can_install && apt_install Dovecot dovecot-imapd && binary=$(find_dovecot); then
        report Dovecot "installed at $binary (the IMAP tests start their own instance)"
    else
        missing Dovecot "the IMAP tests need the dovecot binary: $(how_to_install dovecot-imapd)"
    fi
}

ensure_chromium() {
    local name binary
    if [ -n "${SUSTAIN_CHROMIUM:-}" ]; then
        if [ -x "$SUSTAIN_CHROMIUM" ]; then
            report Chromium "found at $SUSTAIN_CHROMIUM (SUSTAIN_CHROMIUM)"
        else
            missing Chromium "SUSTAIN_CHROMIUM=$SUSTAIN_CHROMIUM is not an executable file"
        fi
        return 0
    fi
    if binary=$(command -v chromium); then
        report Chromium "found at $binary"
        return 0
    fi
    # Another build of the same browser will do; the browser tests take it from SUSTAIN_CHROMIUM.
    for name in chromium-browser google-chrome-stable google-chrome; do
        if binary=$(command -v "$name"); then
            export SUSTAIN_CHROMIUM=$binary
            report Chromium "found at $binary (passed on as SUSTAIN_CHROMIUM)"
            return 0
        fi
    done
    if can_install && apt_install Chromium chromium && binary=$(command -v chromium); then
        report Chromium "installed at $binary"
    else
        missing Chromium "the browser tests need it: $(how_to_install chromium), or set SUSTAIN_CHROMIUM=/path/to/chromium"
    fi
}

report Python "found $(.venv/bin/python --version 2>&1) in .venv (scripts/bootstrap.sh)"
ensure_server PostgreSQL POSTGRES_URL postgres postgresql have_postgres start_postgres \
    "the server programs (initdb, pg_ctl) are"
ensure_server Redis REDIS_URL redis redis-server have_redis start_redis "redis-server is"
ensure_dovecot
ensure_chromium
if [ ${#MISSING[@]} -gt 0 ]; then
    report "" "the tests cannot run without: ${MISSING[*]} (see above)"
    exit 1
fi

export POSTGRES_URL REDIS_URL SUSTAIN_TEST_SERVICES=1
status=0
"$@" || status=$?
exit "$status"
