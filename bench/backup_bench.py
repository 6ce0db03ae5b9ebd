"""Backup and restore times for a large help desk, on PostgreSQL and on SQLite.

    python bench/backup_bench.py [--tickets 100000] [--messages-per-ticket 10] [--skip-seed]

It creates (drops first) the PostgreSQL databases ``sustain_backup_bench`` and
``sustain_backup_bench_restore`` on the server of ``--postgres-url``, seeds the first with
bench/seed.py (N tickets with M messages each, plus their activity rows and tags), then:

1. backs up PostgreSQL (REPEATABLE READ snapshot) into an archive;
2. restores that archive into the empty second PostgreSQL database (schema included);
3. restores it into an empty SQLite file (the same archive: PostgreSQL → SQLite);
4. backs up that SQLite database (online backup API);
5. restores the SQLite archive into PostgreSQL again (SQLite → PostgreSQL);
6. verifies the PostgreSQL archive (scratch database, counts and digests).

Restore times include creating the schema (migrations), i.e. they are the time from an
empty database to a working one: the recovery time objective. Everything is written under
``--workdir`` (default var/backup-bench), which is removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DB = "sustain_backup_bench"
TARGET_DB = "sustain_backup_bench_restore"


def psql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def seed(url: str, tickets: int, messages: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "seed.py"),
            "--tickets",
            str(tickets),
            "--messages-per-ticket",
            str(messages),
            "--database-url",
            url,
        ],
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - started


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def timed(label: str, results: list[tuple[str, float, str]], func: Any, note: Any = None) -> Any:
    started = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - started
    extra = note(value) if note else ""
    results.append((label, seconds, extra))
    print(f"{label:<48} {seconds:8.1f} s  {extra}", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages-per-ticket", type=int, default=10)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "backup-bench")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded database")
    parser.add_argument("--keep", action="store_true", help="keep archives and the SQLite file")
    args = parser.parse_args()

    base = args.postgres_url.rsplit("/", 1)[0]
    source_url = f"{base}/{SOURCE_DB}"
    results: list[tuple[str, float, str]] = []
    if not args.skip_seed:
        psql(args.postgres_url, f"DROP DATABASE IF EXISTS {SOURCE_DB} WITH (FORCE)")
        psql(args.postgres_url, f"CREATE DATABASE {SOURCE_DB}")
        seconds = seed(source_url, args.tickets, args.messages_per_ticket)
        results.append(("seed PostgreSQL (bench/seed.py)", seconds, ""))
    psql(args.postgres_url, f"DROP DATABASE IF EXISTS {TARGET_DB} WITH (FORCE)")
    psql(args.postgres_url, f"CREATE DATABASE {TARGET_DB}")
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)

    setup_django(source_url)
    from django.core.files.storage import FileSystemStorage
    from django.db import connections

    from sustain.backups import dump, operations
    from sustain.tickets.models import Message, Ticket

    tickets, messages = Ticket.objects.count(), Message.objects.count()
    print(f"source: {tickets:,} tickets, {messages:,} messages", flush=True)
    default = connections["default"].settings_dict
    dump.register_alias("pg_target", {**default, "NAME": TARGET_DB})
    sqlite_path = args.workdir / "restored.sqlite3"
    dump.register_alias(
        "sqlite_target",
        {
            **default,
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(sqlite_path),
            "HOST": "",
            "PORT": "",
            "USER": "",
            "PASSWORD": "",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
            },
        },
    )
    media = FileSystemStorage(location=args.workdir / "media")

    def size(result: Any) -> str:
        return f"{result.rows:,} rows, {result.size / 1e6:,.0f} MB archive"

    def rows(result: Any) -> str:
        return f"{result.rows:,} rows"

    pg_archive = args.workdir / "postgres.sustain-backup"
    timed(
        "backup PostgreSQL",
        results,
        lambda: operations.write_archive(pg_archive),
        size,
    )
    timed(
        "restore into empty PostgreSQL (incl. migrations)",
        results,
        lambda: operations.restore_archive(pg_archive, alias="pg_target", storage=media),
        rows,
    )
    timed(
        "restore into empty SQLite (incl. migrations)",
        results,
        lambda: operations.restore_archive(pg_archive, alias="sqlite_target", storage=media),
        rows,
    )
    lite_archive = args.workdir / "sqlite.sustain-backup"
    timed(
        "backup SQLite",
        results,
        lambda: operations.write_archive(lite_archive, alias="sqlite_target"),
        size,
    )
    psql(args.postgres_url, f"DROP DATABASE IF EXISTS {TARGET_DB} WITH (FORCE)")
    psql(args.postgres_url, f"CREATE DATABASE {TARGET_DB}")
    connections["pg_target"].close()
    timed(
        "restore SQLite archive into empty PostgreSQL",
        results,
        lambda: operations.restore_archive(lite_archive, alias="pg_target", storage=media),
        rows,
    )
    timed(
        "verify PostgreSQL archive (scratch database)",
        results,
        lambda: operations.verify_archive(pg_archive),
        lambda report: report.summary()[:60],
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process: {peak:,.0f} MB")
    print(f"\n| step ({tickets:,} tickets, {messages:,} messages) | seconds | |")
    print("| --- | ---: | --- |")
    for label, seconds, extra in results:
        print(f"| {label} | {seconds:.1f} | {extra} |")
    dump.unregister_alias("pg_target")
    dump.unregister_alias("sqlite_target")
    psql(args.postgres_url, f"DROP DATABASE IF EXISTS {TARGET_DB} WITH (FORCE)")
    if not args.keep:
        shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
