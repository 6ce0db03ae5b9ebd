"""Which queue production settings choose. The suite itself always runs on MemoryHuey, so the
embedded default (SQLite in the data directory) and the scaled choice (Redis) are read here
from ``sustain.settings`` in a child process with a controlled environment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings

from sustain.core.testing import production_environment

# Builds the queue the way `sustain worker` and the web processes do: djhuey reads HUEY.
PROBE = """
import json
import django
from django.conf import settings

from sustain.core.testing import production_environment
django.setup()
from huey.contrib.djhuey import HUEY
print(json.dumps({
    "settings_module": settings.SETTINGS_MODULE,
    "testing": settings.TESTING,
    "huey_class": type(HUEY).__module__ + "." + type(HUEY).__name__,
    "storage_class": type(HUEY.storage).__name__,
    "synchronous": HUEY.storage.conn.execute("pragma synchronous").fetchone()[0]
    if type(HUEY.storage).__name__ == "SqliteStorage" else None,
    "filename": getattr(HUEY.storage, "filename", None),
    "redis": {
        key: HUEY.storage.pool.connection_kwargs.get(key) for key in ("host", "port", "db")
    } if hasattr(HUEY.storage, "pool") else None,
}))
"""


def _production_queue(data_dir: Path, **extra: str) -> dict[str, Any]:
    env = production_environment(data_dir, **extra)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    assert (found["settings_module"], found["testing"]) == ("sustain.settings", False)
    return found


def test_without_redis_url_the_queue_is_sqlite_in_the_data_directory(tmp_path):
    found = _production_queue(tmp_path)

    assert found["huey_class"] == "sustain.core.queue.SqliteHuey"
    assert found["storage_class"] == "SqliteStorage"
    assert found["filename"] == str(tmp_path / "queue.sqlite3")
    # WAL and synchronous=NORMAL (1), as the database: no disk sync on every enqueue.
    assert found["synchronous"] == 1
    # The storage creates its file when the queue is built.
    assert (tmp_path / "queue.sqlite3").is_file()


def test_with_redis_url_the_queue_is_redis_and_nothing_is_written_to_the_data_directory(
    tmp_path,
):
    found = _production_queue(tmp_path, REDIS_URL="redis://127.0.0.1:6379/9")

    assert (found["huey_class"], found["storage_class"]) == ("huey.api.RedisHuey", "RedisStorage")
    assert found["redis"] == {"host": "127.0.0.1", "port": 6379, "db": 9}
    assert not (tmp_path / "queue.sqlite3").exists()
