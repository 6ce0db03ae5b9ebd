"""Publishing a release that fixes 1,000 tickets watched by 5,000 people: how long until every
notification is queued (the target is 2 s, on PostgreSQL and SQLite).

    python bench/release_publish.py [--database-url postgres://postgres@127.0.0.1:5432/sustain_release_bench]
                                    [--tickets 1000] [--watchers 5000] [--per-ticket 10] [--runs 3]

Without --database-url it uses a fresh SQLite file in a temporary folder. The database gets a
product with one version, --tickets tickets fixed in it (each reported by one of 500
customers of one organisation and watched by --per-ticket of --watchers staff members, every
watcher on at least one ticket), written with bulk inserts (set-up, not timed). Each run then
creates a draft release of the version and times ``publish_release`` from the call to the
commit: the ticket snapshot, one FixNotice and one outbox e-mail per person, and the queue
jobs that deliver them (enqueued on commit; nothing is sent). Between runs the release, its
rows and the outbox are deleted. Medians and the slowest run are printed.

It writes to the database it is given: point it at a benchmark database only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS = 500


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str, data_dir: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("SUSTAIN_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(tickets: int, watchers: int, per_ticket: int) -> int:
    """The version's id, with its tickets, reporters and watchers (made once per database)."""
    import random

    from django.db import transaction

    from sustain.accounts.models import Organisation, User
    from sustain.catalog.models import Product, Version
    from sustain.tickets.models import Ticket

    product, _ = Product.objects.get_or_create(name="Bench release product")
    version, created = Version.objects.get_or_create(product=product, name="9.9.9")
    if not created and Ticket.objects.filter(fixed_in_version=version).count() == tickets:
        return version.pk
    rng = random.Random(42)
    with transaction.atomic():
        Ticket.objects.filter(fixed_in_version=version).delete()
        org, _ = Organisation.objects.get_or_create(name="Bench release customers")
        User.objects.filter(email__endswith="@release-bench.example").delete()
        User.objects.bulk_create(
            [
                User(email=f"c{i}@release-bench.example", role="customer", organisation=org,
                     password="!")
                for i in range(CUSTOMERS)
            ]
            + [
                User(email=f"w{i}@release-bench.example", role="agent", password="!")
                for i in range(watchers)
            ],
            batch_size=2000,
        )  # fmt: skip
        people = User.objects.filter(email__endswith="@release-bench.example")
        customers = list(people.filter(role="customer").values_list("pk", flat=True))
        staff = list(people.filter(role="agent").values_list("pk", flat=True))
        Ticket.objects.bulk_create(
            [
                Ticket(title=f"Bench fix {i}: sync stops after upgrade", kind="bug",
                       status="resolved", organisation=org, requester_id=rng.choice(customers),
                       product=product, fixed_in_version=version)
                for i in range(tickets)
            ],
            batch_size=1000,
        )  # fmt: skip
        ids = list(Ticket.objects.filter(fixed_in_version=version).values_list("pk", flat=True))
        links: set[tuple[int, int]] = set()
        # Every watcher on one ticket at least, then random ones up to per_ticket each.
        for n, user_id in enumerate(staff):
            links.add((ids[n % len(ids)], user_id))
        for ticket_id in ids:
            for user_id in rng.sample(staff, per_ticket):
                links.add((ticket_id, user_id))
        through = Ticket.watchers.through
        through.objects.bulk_create(
            [through(ticket_id=t, user_id=u) for t, u in links], batch_size=5000
        )
    return version.pk


def run_once(version_id: int) -> tuple[float, float, int, int, int]:
    from sustain.accounts.models import User
    from sustain.catalog.models import Version
    from sustain.core.models import OutboxMessage
    from sustain.releases import release_services
    from sustain.releases.release_models import Release

    Release.objects.filter(version_id=version_id).delete()
    OutboxMessage.objects.filter(idempotency_key__startswith="release:").delete()
    engineer, _ = User.objects.get_or_create(
        email="engineer@release-bench.example", defaults={"role": "engineer"}
    )
    version = Version.objects.select_related("product").get(pk=version_id)
    release = release_services.create_release(actor=engineer, version=version, notes="Fixes.")
    start, cpu = time.perf_counter(), time.process_time()
    published = release_services.publish_release(actor=engineer, release_id=release.pk)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert published.fan_out is not None
    queued = OutboxMessage.objects.filter(idempotency_key__startswith="release:").count()
    return elapsed, cpu, published.fan_out.tickets, published.fan_out.people, queued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--watchers", type=int, default=5000)
    parser.add_argument("--per-ticket", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="release-bench-")
    url = args.database_url or f"sqlite:///{scratch}/bench.sqlite3"
    if url.startswith("postgres"):
        ensure_database(url)
    setup_django(url, scratch)
    from django.db import connection

    started = time.perf_counter()
    version_id = seed(args.tickets, args.watchers, args.per_ticket)
    print(f"{connection.vendor}: seeded in {time.perf_counter() - started:.1f} s")
    times, cpus = [], []
    for n in range(args.runs):
        elapsed, cpu, tickets, people, queued = run_once(version_id)
        times.append(elapsed)
        cpus.append(cpu)
        print(
            f"run {n + 1}: {elapsed * 1000:.0f} ms ({cpu * 1000:.0f} ms of this process's CPU) "
            f"— {tickets} tickets, {people} people told, {queued} e-mails queued"
        )
    print(
        f"publish, {connection.vendor}: median {statistics.median(times) * 1000:.0f} ms, "
        f"slowest {max(times) * 1000:.0f} ms, median CPU {statistics.median(cpus) * 1000:.0f} ms "
        "(target 2000 ms)"
    )


if __name__ == "__main__":
    main()
