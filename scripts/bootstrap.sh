#!/usr/bin/env bash
# Make .venv match uv.lock: the first step of `make run` and `make test`.
#
#   scripts/bootstrap.sh           the runtime dependencies and the dev group (tests, linters)
#   scripts/bootstrap.sh runtime   only what the product needs at run time (`make run`)
#
# Runs on a fresh clone (CI) and on every developer invocation, so it has to be quick when
# nothing changed: the sync is skipped while a stamp file is newer than uv.lock and
# pyproject.toml. A runtime sync leaves the dev group's packages in place (--inexact), so
# alternating `make run` and `make test` installs nothing twice; a full sync satisfies both.
set -euo pipefail

UV_VERSION=0.13.9
MIN_PYTHON=3.12

cd "$(dirname "$0")/.."
VENV=.venv
RUNTIME_STAMP="$VENV/.sustain-synced-runtime"
DEV_STAMP="$VENV/.sustain-synced-dev"

case "${1:-dev}" in
    dev) STAMP=$DEV_STAMP SYNC_ARGS=() ;;
    runtime) STAMP=$RUNTIME_STAMP SYNC_ARGS=(--no-dev --inexact) ;;
    *)
        printf 'usage: %s [runtime]\n' "$0" >&2
        exit 2
        ;;
esac

say() { printf 'bootstrap: %s\n' "$*" >&2; }

# Prints the real interpreter path when $1 runs and is new enough. pyenv shims exist for every
# installed version but fail unless that version is selected, so "found on PATH" is not enough.
usable_python() {
    "$1" -c "
import sys
if sys.version_info >= tuple(int(p) for p in '$MIN_PYTHON'.split('.')):
    print(sys.executable)
" 2>/dev/null
}

find_python() {
    local candidate found root
    for candidate in python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then
            found=$(usable_python "$candidate") && [ -n "$found" ] && { echo "$found"; return 0; }
        fi
    done
    local roots=()
    if command -v pyenv >/dev/null 2>&1; then
        roots+=("$(pyenv root 2>/dev/null || true)")
    fi
    roots+=("${PYENV_ROOT:-}" "$HOME/.pyenv")
    for root in "${roots[@]}"; do
        [ -n "$root" ] && [ -d "$root/versions" ] || continue
        # Newest first, so a machine with 3.12 and 3.13 gets the same choice every time.
        while IFS= read -r candidate; do
            found=$(usable_python "$candidate") && [ -n "$found" ] && { echo "$found"; return 0; }
        done < <(ls -d "$root"/versions/*/bin/python 2>/dev/null | sort -rV)
    done
    return 1
}

# A stamp newer than the lock file and pyproject.toml: that sync is still current.
is_fresh() {
    [ "$1" -nt uv.lock ] && [ "$1" -nt pyproject.toml ]
}

venv_is_usable() {
    [ -x "$VENV/bin/python" ] && [ -n "$(usable_python "$VENV/bin/python")" ]
}

bootstrap() {
    if ! venv_is_usable; then
        local python
        if ! python=$(find_python); then
            say "no Python >= $MIN_PYTHON found."
            say "looked for python3.13, python3.12 and python3 on PATH and under ~/.pyenv/versions."
            say "install one (\`pyenv install 3.12\`, or your distribution's python3.12 package) and rerun."
            exit 1
        fi
        if [ -e "$VENV" ]; then
            say "$VENV has no usable Python >= $MIN_PYTHON; recreating it."
            rm -rf "$VENV"
        fi
        say "creating $VENV with $python"
        if ! "$python" -m venv "$VENV"; then
            say "$python could not create a virtualenv (on Debian: apt-get install python3-venv)."
            exit 1
        fi
    fi

    local uv_version
    uv_version=$("$VENV/bin/uv" --version 2>/dev/null || true)
    if [ "${uv_version%% (*}" != "uv $UV_VERSION" ]; then
        say "installing uv $UV_VERSION"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
        rm -f "$RUNTIME_STAMP" "$DEV_STAMP"
    fi

    if is_fresh "$STAMP" || { [ "$STAMP" = "$RUNTIME_STAMP" ] && is_fresh "$DEV_STAMP"; }; then
        return 0
    fi
    # The stamp is taken before syncing: a lock file edited during a slow sync must trigger the
    # next one instead of being hidden behind a newer stamp.
    local started="$VENV/.sustain-sync-started"
    touch "$started"
    if [ "$STAMP" = "$RUNTIME_STAMP" ]; then
        say "syncing $VENV with uv.lock (runtime dependencies only)"
    else
        say "syncing $VENV with uv.lock (runtime and dev dependencies)"
    fi
    UV_PROJECT_ENVIRONMENT="$VENV" UV_PYTHON_DOWNLOADS=never \
        "$VENV/bin/uv" sync --frozen "${SYNC_ARGS[@]}"
    mv "$started" "$STAMP"
}

# Several make targets may start at once (two terminals, an editor running the tests); the lock
# keeps them from creating or syncing the same virtualenv together.
mkdir -p var
if command -v flock >/dev/null 2>&1; then
    exec 9>var/.bootstrap.lock
    flock 9
fi
bootstrap
