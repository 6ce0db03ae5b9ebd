"""The embedded task queue: huey on a SQLite file beside the database (without ``REDIS_URL``).

Huey's SQLite storage syncs its file to disk on every commit (``synchronous=FULL``): 3–4 ms
per job enqueued on a common disk, paid after every change that records an e-mail, which was
a third of the time e-mail intake took per message (bench/README.md, "Inbound mail"). The
queue now runs as Sustain's SQLite database does, WAL with ``synchronous=NORMAL``: a commit is
durable once the WAL is synced at the next checkpoint, and a power cut can lose only the last
jobs enqueued, never corrupt the file. A lost job costs nothing: the jobs enqueued on commit
deliver outbox rows, which the periodic sweep delivers anyway, and the others are recreated
by their periodic jobs (docs/operations.md).
"""

from __future__ import annotations

import sqlite3

import huey
import huey.storage


class SqliteStorage(huey.storage.SqliteStorage):  # type: ignore[misc]  # huey is untyped
    def _create_connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection = super()._create_connection()
        connection.execute("pragma synchronous=NORMAL")
        return connection


class SqliteHuey(huey.SqliteHuey):  # type: ignore[misc]  # huey is untyped
    storage_class = SqliteStorage
