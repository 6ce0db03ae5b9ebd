"""Maintenance calendar figures: expanding 10,000 recurring windows over a year.

    python bench/maintenance_calendar.py [--windows 10000] [--runs 5]
        [--database-url postgres://postgres@127.0.0.1:5432/sustain_maintenance_bench]

The windows are a realistic mix of maintenance rules, each in one of five zones (Berlin, New
York, Lord Howe, Tokyo, UTC), started at a random local time over the last three years:

    30 % every Sunday           FREQ=WEEKLY;BYDAY=SU
    15 % every other Saturday   FREQ=WEEKLY;INTERVAL=2;BYDAY=SA
    10 % Tue and Thu nights     FREQ=WEEKLY;BYDAY=TU,TH
    20 % second Tuesday         FREQ=MONTHLY;BYDAY=2TU
    10 % last Sunday            FREQ=MONTHLY;BYDAY=-1SU
    10 % first of the month     FREQ=MONTHLY;BYMONTHDAY=1
     5 % quarterly              FREQ=YEARLY;BYMONTH=1,4,7,10;BYDAY=1SA

1. Pure expansion (no database): every window's instances over a year, as ``core.recurrence``
   gives them to the calendar (``spans``: UTC epoch seconds), and as aware datetimes
   (``occurrences``) for comparison.
2. With a database (``--database-url``, else skipped): the windows are stored, and the
   calendar's read (``selectors.entries``: the query, each rule's instances, a datetime per
   instance) is timed for a month and for a year.

It writes to the database it is given: point it at a benchmark database only. Medians of
--runs runs are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MIX = [
    (30, "FREQ=WEEKLY;BYDAY=SU"),
    (15, "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA"),
    (10, "FREQ=WEEKLY;BYDAY=TU,TH"),
    (20, "FREQ=MONTHLY;BYDAY=2TU"),
    (10, "FREQ=MONTHLY;BYDAY=-1SU"),
    (10, "FREQ=MONTHLY;BYMONTHDAY=1"),
    (5, "FREQ=YEARLY;BYMONTH=1,4,7,10;BYDAY=1SA"),
]
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Tokyo", "UTC"]
DURATIONS = ["PT2H", "PT4H", "PT1H30M", "P1D"]
YEAR = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))


def windows(count: int, seed: int = 16) -> list[tuple[str, datetime, str, str]]:
    rng = random.Random(seed)
    rules = [rule for weight, rule in MIX for _ in range(weight)]
    found = []
    for _ in range(count):
        start = datetime(2024, 1, 1) + timedelta(  # noqa: DTZ001 (a local wall time)
            days=rng.randrange(3 * 365), hours=rng.randrange(24), minutes=rng.choice([0, 30])
        )
        found.append((rng.choice(rules), start, rng.choice(ZONES), rng.choice(DURATIONS)))
    return found


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000, result


def pure(count: int, runs: int) -> None:
    from sustain.core.recurrence import Duration, occurrences, spans

    specs = [(r, s, z, Duration.parse(d)) for r, s, z, d in windows(count)]

    def with_spans() -> int:
        return sum(len(spans(r, s, z, d, *YEAR)) for r, s, z, d in specs)

    def with_datetimes() -> int:
        return sum(sum(1 for _ in occurrences(r, s, z, d, *YEAR)) for r, s, z, d in specs)

    ms, instances = median_ms(with_spans, runs)
    print(f"pure, {count:,} windows over a year: {instances:,} instances")
    print(f"  spans (epoch seconds, the calendar's path) ........ {ms:8.1f} ms")
    ms, _ = median_ms(with_datetimes, max(1, runs // 2))
    print(f"  occurrences (aware datetimes, one by one) ......... {ms:8.1f} ms")


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def with_database(url: str, count: int, runs: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sustain.core.recurrence import Duration
    from sustain.maintenance.models import MaintenanceWindow
    from sustain.maintenance.selectors import entries
    from sustain.maintenance.timing import bounds

    MaintenanceWindow.objects.all().delete()
    rows = []
    for rule, start, zone, duration in windows(count):
        first, last = bounds(rule, start, zone, Duration.parse(duration), [])
        rows.append(
            MaintenanceWindow(
                title=f"{rule.split(';')[0][5:].title()} maintenance",
                time_zone=zone,
                start_date=start.date(),
                start_time=start.time(),
                duration=duration,
                rrule=rule,
                first_start=first,
                last_end=last,
            )
        )
    MaintenanceWindow.objects.bulk_create(rows, batch_size=1000)
    everything = MaintenanceWindow.objects.all()
    month = (YEAR[0], YEAR[0] + timedelta(days=31))
    ms, found = median_ms(lambda: entries(everything, *month), runs)
    print(f"database ({url.split(':')[0]}), {count:,} windows stored:")
    print(f"  calendar month (entries, {len(found):,} instances) ....... {ms:8.1f} ms")
    ms, found = median_ms(lambda: entries(everything, *YEAR), max(1, runs // 2))
    print(f"  a whole year (entries, {len(found):,} instances) ..... {ms:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--windows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    pure(args.windows, args.runs)
    if args.database_url:
        if args.database_url.startswith("postgres"):
            ensure_database(args.database_url)
        with_database(args.database_url, args.windows, args.runs)


if __name__ == "__main__":
    main()
