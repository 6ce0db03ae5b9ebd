"""Preventive maintenance: the sweep over 100,000 schedules.

    python bench/preventive_sweep.py [--database-url postgres://postgres@127.0.0.1:5432/sustain_preventive_bench]
                                     [--schedules 100000] [--runs 5]

The database gets N weekly calendar schedules (inserted server-side with INSERT ... SELECT
generate_series), a mandatory checklist item each, their next open times spread evenly over
the next 30 days (so ~2-3 come due per minute at 100,000). Then:

1. a minute of the periodic job: the sweep finds the schedules whose open time passed (partial
   index on next_open_at), claims each occurrence with a conditional UPDATE and opens its
   ticket with its checklist; timed per minute, --runs minutes;
2. a backlog: the sweep after an hour with no worker (~140 tickets to open);
3. the find query alone, with its plan.

It creates and migrates its own database. It writes to it: point it at a benchmark database
only. Medians of --runs runs are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sustain_preventive_bench"
BASE = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(count: int) -> None:
    from django.db import connection

    from sustain.accounts.choices import Role
    from sustain.accounts.models import Team, User

    owner = User.objects.create_user("lead@bench.example", "x", full_name="Lead", role=Role.LEAD)
    members = [
        User.objects.create_user(f"eng{i}@bench.example", "x", role=Role.ENGINEER) for i in range(5)
    ]
    team = Team.objects.create(name="Operations")
    team.members.add(*members)
    spread = 30 * 24 * 3600 / count
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO preventive_schedule (
                name, description, active, mode, rrule, start_date, start_time, time_zone,
                interval_days, lead_time, team_id, priority, checklist, owner_id, next_due,
                next_open_at, last_error, created_at, updated_at)
            SELECT 'Routine ' || n, '', true, 'calendar', 'FREQ=WEEKLY', DATE '2027-01-04',
                TIME '09:00', 'Europe/Berlin', NULL, INTERVAL '1 hour', %s, 3,
                '[{"text": "Check", "mandatory": true}]'::jsonb, %s,
                %s + make_interval(secs => n * %s) + INTERVAL '1 hour',
                %s + make_interval(secs => n * %s), '', now(), now()
            FROM generate_series(1, %s) AS n
            """,
            [team.pk, owner.pk, BASE, spread, BASE, spread, count],
        )
        cursor.execute("ANALYZE preventive_schedule")
    print(f"seeded {count:,} schedules in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--schedules", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    seed(args.schedules)

    from django.db import connection

    from sustain.preventive.models import Schedule
    from sustain.preventive.sweep import sweep

    minutes = []
    for minute in range(1, args.runs + 1):
        now = BASE + timedelta(minutes=minute)
        start = time.perf_counter()
        result = sweep(now=now)
        minutes.append(time.perf_counter() - start)
        print(f"minute {minute}: opened {result.opened} in {minutes[-1] * 1000:.0f} ms")
    print(
        f"one minute of the sweep over {args.schedules:,} schedules: median "
        f"{statistics.median(minutes) * 1000:.0f} ms"
    )

    now = BASE + timedelta(minutes=args.runs + 60)
    start = time.perf_counter()
    result = sweep(now=now)
    backlog = time.perf_counter() - start
    print(f"backlog after an hour without a worker: opened {result.opened} in {backlog:.2f} s")

    finds = []
    query = Schedule.objects.filter(next_open_at__lte=now).order_by("next_open_at")
    for _ in range(args.runs):
        start = time.perf_counter()
        list(query.values_list("pk", "next_due")[:1000])
        finds.append(time.perf_counter() - start)
    print(f"find query alone: median {statistics.median(finds) * 1000:.1f} ms")
    sql, params = query.values_list("pk", "next_due")[:1000].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
