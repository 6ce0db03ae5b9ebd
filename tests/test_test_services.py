"""``scripts/test-services.sh``, which `make test` runs its test passes with: when nothing answers
at the configured PostgreSQL and Redis addresses, it starts throwaway servers on free ports,
hands their URLs to the command, and stops and deletes them when the command ends.

The script runs for real (initdb, pg_ctl, redis-server), pointed at ports where nothing
listens, so that it must start its own servers.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = str(ROOT / "scripts" / "test-services.sh")

# It uses no database of the suite's, so one pass of `make test` is enough: the SQLite one.
pytestmark = pytest.mark.embedded

# What the command sees: the URLs it is given, and the servers behind them, used for real.
CLIENT = """
import json, os, psycopg, redis
postgres_url, redis_url = os.environ["POSTGRES_URL"], os.environ["REDIS_URL"]
with psycopg.connect(postgres_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    conn.execute("CREATE DATABASE sustain")
    data_dir = conn.execute("SHOW data_directory").fetchone()[0]
with psycopg.connect(postgres_url) as conn:
    conn.execute("CREATE EXTENSION pg_trgm")
client = redis.Redis.from_url(redis_url)
client.set("probe", "1")
print(json.dumps({
    "postgres": postgres_url, "redis": redis_url, "data_dir": data_dir,
    "redis_value": client.get("probe").decode(),
}))
"""


def _closed_port() -> int:
    """A port where nothing listens (bound for a moment, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listens(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError:
        return False
    return True


def test_starts_throwaway_postgres_and_redis_when_nothing_answers_and_stops_them():
    env = {
        name: value
        for name, value in os.environ.items()
        # A run of `make test` is inside the script already; this one must do the work itself.
        if name not in {"SUSTAIN_TEST_SERVICES", "POSTGRES_URL", "REDIS_URL"}
    }
    env["POSTGRES_URL"] = f"postgres://postgres@127.0.0.1:{_closed_port()}/sustain"
    env["REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/15"

    done = subprocess.run(
        [SCRIPT, sys.executable, "-c", CLIENT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["postgres"] != env["POSTGRES_URL"]
    assert seen["redis"] != env["REDIS_URL"]
    assert seen["redis_value"] == "1"
    lines = done.stderr
    assert f"PostgreSQL started a throwaway server at {seen['postgres']}" in lines
    assert f"Redis      started a throwaway server at {seen['redis']}" in lines
    assert "Dovecot    found at" in lines or "Dovecot    installed at" in lines
    assert "Chromium   found at" in lines or "Chromium   installed at" in lines
    assert "PostgreSQL stopped the throwaway server" in lines
    assert "Redis      stopped the throwaway server" in lines
    # Stopped and deleted: nothing left listening, no data left behind.
    assert not _listens(seen["postgres"])
    assert not _listens(seen["redis"])
    assert not Path(seen["data_dir"]).exists()


def test_refuses_a_server_that_answers_but_refuses_without_running_the_command(tmp_path):
    # Something listens here, but it is no Redis: the run stops, naming it, before the command.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        hang_up = threading.Thread(target=_hang_up_on_everyone, args=(listener,), daemon=True)
        hang_up.start()
        env = {k: v for k, v in os.environ.items() if k != "SUSTAIN_TEST_SERVICES"}
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/15"
        marker = tmp_path / "ran"
        done = subprocess.run(
            [SCRIPT, "touch", str(marker)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 1
    assert f"Redis      REFUSED: redis://127.0.0.1:{port}/15 answers but refuses" in done.stderr
    assert "the tests cannot run without: Redis" in done.stderr
    assert not marker.exists()


def _hang_up_on_everyone(listener: socket.socket) -> None:
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:  # the test closed the listener
            return
        connection.close()
