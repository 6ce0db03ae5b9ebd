"""SLA figures: due-time computation throughput, and the sweep over 1M open tickets' clocks.

    python bench/sla_bench.py [--database-url postgres://postgres@127.0.0.1:5432/sustain_sla_bench]
                              [--clocks 1000000] [--throughput 100000] [--runs 5]

1. Throughput (pure, no database): the clocks (first response and resolution) of N tickets
   under an office calendar in Europe/Berlin with a lunch break and German public holidays,
   tickets opened at random times over a year, a third with a pending-customer pause.
2. Recompute through the database (facts from the activity log, write what moved).
3. The sweep. The database gets N tickets with one running clock each (inserted server-side
   with INSERT ... SELECT generate_series), their next deadlines spread over the next 30 days.
   Each "minute" of the sweep finds the clocks whose deadline passed (indexed next_deadline,
   partial index) and claims and logs them; timed per minute as the periodic job runs it, and
   once for a backlog of 1,000 clocks (a worker that was down for ~45 minutes).

It creates the database if it does not exist and migrates it. It writes to the database it is
given: point it at a benchmark database only. Medians of --runs runs are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sustain_sla_bench"
BASE = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
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


def timed(fn: Any, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


# --- 1. pure throughput -------------------------------------------------------------------
def throughput(count: int, runs: int) -> None:
    from datetime import time as clock

    from sustain.sla.businesstime import make_calendar
    from sustain.sla.clocks import PolicyRule, TicketFacts, compute_clocks

    office = make_calendar(
        zone="Europe/Berlin",
        week=[[(clock(9), clock(12)), (clock(13), clock(17, 30))]] * 5 + [[], []],
        country="DE",
        subdivision="BY",
        yearly=[(12, 24), (12, 31)],
    )
    policy = PolicyRule(
        id=1,
        name="Office",
        calendar=office,
        warning_share=0.75,
        pause_statuses=frozenset({"pending_customer"}),
        targets={p: {"first_response": 60 * p, "resolution": 960 * p} for p in (1, 2, 3, 4)},
    )
    rng = random.Random(4)
    facts = []
    for index in range(count):
        created = BASE + timedelta(minutes=rng.randrange(365 * 24 * 60))
        statuses: tuple[tuple[datetime, str], ...] = ((created, "new"),)
        if index % 3 == 0:
            pause = created + timedelta(hours=rng.randrange(1, 48))
            back = pause + timedelta(hours=rng.randrange(1, 72))
            statuses += ((pause, "pending_customer"), (back, "open"))
        facts.append(
            TicketFacts(
                id=index,
                created_at=created,
                priority=rng.randrange(1, 5),
                kind="incident",
                channel="web",
                organisation_id=None,
                tier="",
                product_id=None,
                tag_ids=frozenset(),
                statuses=statuses,
                customer_messages=(created,),
                staff_replies=(),
            )
        )
    now = BASE + timedelta(days=400)

    def run() -> None:
        for item in facts:
            compute_clocks(item, [policy], now)

    times, cpu = [], []
    for _ in range(runs):
        # CPU time too: on a shared machine the wall time says more about the neighbours.
        wall, used = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - wall)
        cpu.append(time.process_time() - used)
    median, cpu_median = statistics.median(times), statistics.median(cpu)
    print(
        f"due-time computation: {count:,} tickets (2 clocks each, Berlin office calendar): "
        f"median {median:.2f} s wall = {count / median:,.0f} tickets/s; "
        f"{cpu_median:.2f} s CPU = {count / cpu_median:,.0f} tickets/s per core "
        f"(first run, cold caches: {times[0]:.2f} s)"
    )


# --- 2 and 3. database --------------------------------------------------------------------
def seed_clocks(cursor: Any, first: int, last: int) -> None:
    """One running resolution clock for each ticket ``first``..``last``; next deadlines spread
    evenly over the 30 days after BASE (so about 23 come due per minute for 1M tickets)."""
    cursor.execute("DELETE FROM sla_ticketclock WHERE ticket_id BETWEEN %s AND %s", [first, last])
    cursor.execute(
        """INSERT INTO sla_ticketclock (ticket_id, target, reason, target_minutes, state,
            started_at, warning_at, due_at, paused, elapsed_seconds, computed_at, next_deadline)
        SELECT g, 'resolution', 'bench', 480, 'running', %s - interval '1 day',
            %s + (g * interval '2.592 second'),
            %s + (g * interval '2.592 second') + interval '2 hours',
            '[]', 0, %s, %s + (g * interval '2.592 second')
        FROM generate_series(%s, %s) g""",
        [BASE, BASE, BASE, BASE, BASE, first, last],
    )


def seed(clocks: int) -> None:
    from django.db import connection

    from sustain.accounts.models import User
    from sustain.sla.models import TicketClock
    from sustain.tickets.models import Ticket

    have = TicketClock.objects.filter(reason="bench").count()
    if have >= clocks and TicketClock.objects.count() == have:
        print(f"seed: {have:,} clocks present")
        return
    user, _ = User.objects.get_or_create(
        email="sla-bench@bench.example", defaults={"role": "customer"}
    )
    start = time.perf_counter()
    tickets, clock_table = Ticket._meta.db_table, TicketClock._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {clock_table}, {tickets} CASCADE")
        # Open tickets created over the last 30 days before BASE, one running resolution
        # clock each; next deadlines spread evenly over the 30 days after BASE.
        cursor.execute(
            f"""INSERT INTO {tickets} (id, title, kind, maintenance_type, impact, urgency,
                priority, priority_override_reason, status, channel, requester_id,
                created_at, updated_at, revision)
            SELECT g, 'Bench ticket ' || g, 'incident', '', 'medium', 'medium', 3, '', 'open',
                'web', %s, %s - (g * interval '2.592 second'), %s, 1
            FROM generate_series(1, %s) g""",  # noqa: S608
            [user.pk, BASE, BASE, clocks],
        )
        seed_clocks(cursor, 1, clocks)
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{tickets}', 'id'), %s)", [clocks])
        cursor.execute(f"ANALYZE {tickets}")
        cursor.execute(f"ANALYZE {clock_table}")
    print(f"seed: {clocks:,} tickets and clocks in {time.perf_counter() - start:.1f} s")


def sweep_figures(runs: int) -> None:
    from django.db import connection

    from sustain.sla.escalation import sweep
    from sustain.sla.models import TicketClock

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM sla_ticketclock WHERE next_deadline <= %s "
            "ORDER BY next_deadline LIMIT 1000",
            [BASE],
        )
        plan = " / ".join(row[0].strip() for row in cursor.fetchall()[:2])
        # Undo what earlier runs of this script claimed, so every run sweeps the same clocks.
        cursor.execute(
            "UPDATE sla_ticketclock SET warning_escalated_at = NULL, breach_escalated_at = NULL, "
            "breached_at = NULL, state = 'running', next_deadline = warning_at "
            "WHERE warning_escalated_at IS NOT NULL OR breach_escalated_at IS NOT NULL"
        )
        cursor.execute("DELETE FROM tickets_activity WHERE field LIKE 'sla_%%'")
    print(f"sweep query plan: {plan}")
    total = TicketClock.objects.count()

    def find(now: datetime) -> None:
        list(
            TicketClock.objects.filter(next_deadline__lte=now)
            .order_by("next_deadline")
            .values_list("pk", flat=True)[:1000]
        )

    minute = [0]
    finds = timed(lambda: find(BASE + timedelta(minutes=minute[0] + 1)), runs)
    processed: list[int] = []

    def one_minute() -> None:
        minute[0] += 1
        processed.append(sweep(now=BASE + timedelta(minutes=minute[0])).processed)

    times = timed(one_minute, runs)
    per_minute, sweep_ms = statistics.median(processed), statistics.median(times) * 1000
    find_ms = statistics.median(finds) * 1000
    print(
        f"sweep over {total:,} open clocks, one minute's deadlines (~{per_minute:.0f} clocks): "
        f"median {sweep_ms:.0f} ms (find query alone: median {find_ms:.1f} ms)"
    )
    backlog: list[float] = []
    counts: list[int] = []
    for _ in range(max(1, runs // 2)):
        minute[0] += 45
        start = time.perf_counter()
        counts.append(sweep(now=BASE + timedelta(minutes=minute[0]), limit=1000).processed)
        backlog.append(time.perf_counter() - start)
    print(
        f"sweep backlog of {statistics.median(counts):.0f} due clocks (45 minutes): "
        f"median {statistics.median(backlog):.2f} s"
    )


def recompute_figures(count: int, runs: int) -> None:
    from datetime import time as clock

    from django.db import connection

    from sustain.accounts.models import User
    from sustain.sla import services
    from sustain.sla.engine import forget_policies, recompute
    from sustain.sla.models import BusinessCalendar, SlaPolicy, TicketClock

    admin, _ = User.objects.get_or_create(
        email="sla-bench-admin@bench.example", defaults={"role": "admin"}
    )
    if not SlaPolicy.objects.filter(name="Bench").exists():
        BusinessCalendar.objects.filter(name="Bench office").delete()
        calendar = services.create_calendar(
            actor=admin,
            data=services.CalendarData(
                name="Bench office",
                time_zone="Europe/Berlin",
                intervals=[(d, clock(9), clock(17)) for d in range(5)],
                country="DE",
            ),
        )
        services.create_policy(
            actor=admin,
            data=services.PolicyData(
                name="Bench",
                calendar_id=calendar.pk,
                targets=[
                    services.TargetData(
                        priority=3, first_response_minutes=120, resolution_minutes=960
                    )
                ],
            ),
        )
    forget_policies()
    first = 100_000
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        # Make every clock of the range stale first (untimed), so each run moves them all:
        # a replay after a policy change that affects every ticket.
        TicketClock.objects.filter(ticket_id__gte=first, ticket_id__lt=first + count).update(
            target_minutes=1
        )
        start, used = time.perf_counter(), time.process_time()
        result = recompute(range(first, first + count))
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
        moved = len(result.moves)
    with connection.cursor() as cursor:
        seed_clocks(cursor, first, first + count - 1)  # leave the sweep's data as seeded
    median = statistics.median(times)
    print(
        f"recompute (replay) through the database: {count:,} tickets per run, {moved:,} clocks "
        f"moved: median {median:.2f} s = {count / median:,.0f} tickets/s "
        f"(Python CPU {statistics.median(cpu):.2f} s, the rest waits on PostgreSQL)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--throughput", type=int, default=100_000)
    parser.add_argument("--recompute", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("The SLA benchmark needs PostgreSQL.")
    ensure_database(args.database_url)
    setup_django(args.database_url)
    throughput(args.throughput, max(3, args.runs // 2))
    seed(args.clocks)
    sweep_figures(args.runs)
    recompute_figures(args.recompute, 3)


if __name__ == "__main__":
    main()
