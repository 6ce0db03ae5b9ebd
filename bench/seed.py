"""Fill a database with many realistic tickets, fast, for the benchmarks.

    python bench/seed.py --tickets 100000 [--messages-per-ticket 3] [--database-url URL]

It migrates the database, makes sure a base set of organisations, people, teams, products
and tags exists (created once, reused by later runs), then appends N tickets with M messages
each plus their activity rows and tags. The data is shaped like a real help desk: each run's
tickets spread over the last two years with ids rising with time, old tickets mostly closed
and recent ones open, a few large customers and many small ones, assignees from the ticket's
team.

On PostgreSQL the rows go in through binary COPY. A run that at least doubles the table (and
adds 10,000 tickets or more), or --drop-indexes, drops the secondary indexes first and
rebuilds them at the end, all in one transaction, so an interrupted run leaves the database
as it was. Foreign-key triggers are skipped for the
session (session_replication_role = replica, which needs a superuser): every id the seeder
writes comes from rows it has just read or written. Elsewhere (SQLite) it uses bulk_create.

This script writes to the database it is given. Point it at a benchmark database only.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from bisect import bisect
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
Row = tuple[Any, ...]
Batch = tuple[list[Row], list[Row], list[Row], list[Row]]  # tickets, messages, activities, tags
BASE_DOMAIN = "bench.example"
HISTORY_DAYS = 730
# Dropping and rebuilding indexes pays off when a run adds at least this many tickets and at
# least as many as the table holds; otherwise keeping them is cheaper.
DROP_INDEXES_FROM = 10_000

TICKET_COLUMNS = (
    "id", "title", "kind", "maintenance_type", "impact", "urgency", "priority",
    "priority_override_reason", "status", "channel", "organisation_id", "requester_id",
    "assignee_id", "team_id", "product_id", "component_id", "version_id", "merged_into_id",
    "created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "revision",
)  # fmt: skip
MESSAGE_COLUMNS = ("id", "ticket_id", "author_id", "is_internal", "body", "channel", "created_at")
ACTIVITY_COLUMNS = (
    "ticket_id", "actor_id", "channel", "action", "field", "old_value", "new_value",
    "message_id", "created_at",
)  # fmt: skip
TAG_COLUMNS = ("ticket_id", "tag_id")

KINDS = {"incident": 34, "service_request": 22, "bug": 14, "problem": 3, "feature_request": 8,
         "change": 6, "maintenance_task": 6, "vulnerability": 3, "technical_debt": 4}  # fmt: skip
MAINTENANCE = {"incident": "corrective", "bug": "corrective", "problem": "corrective",
               "vulnerability": "corrective", "change": "adaptive",
               "feature_request": "perfective", "technical_debt": "perfective",
               "maintenance_task": "preventive"}  # fmt: skip
CHANNELS = {"email": 45, "web": 35, "phone": 8, "chat": 7, "api": 5}
LEVELS = {"high": 15, "medium": 50, "low": 35}
PRIORITY = {("high", "high"): 1, ("high", "medium"): 2, ("medium", "high"): 2,
            ("high", "low"): 3, ("medium", "medium"): 3, ("low", "high"): 3,
            ("medium", "low"): 4, ("low", "medium"): 4, ("low", "low"): 4}  # fmt: skip
# Status by age of the ticket: (age limit in days, weights).
STATUS_BY_AGE = [
    (2, {"new": 35, "open": 40, "pending_customer": 15, "pending_third_party": 5, "resolved": 5}),
    (14, {"new": 2, "open": 28, "pending_customer": 15, "pending_third_party": 5,
          "resolved": 25, "closed": 25}),
    (60, {"open": 6, "pending_customer": 4, "pending_third_party": 2, "resolved": 8,
          "closed": 80}),
    (10**6, {"open": 1, "pending_customer": 1, "resolved": 1, "closed": 97}),
]  # fmt: skip
SYMPTOMS = ["fails", "is slow", "times out", "shows the wrong total", "crashes", "is missing",
            "returns error 500", "logs users out", "rejects valid input", "hangs on save",
            "duplicates rows", "sends no e-mail", "cannot be exported", "looks broken"]  # fmt: skip
SUBJECTS = ["Login", "Invoice", "Report", "Export", "Search", "Dashboard", "Sync", "Import",
            "Checkout", "Calendar", "Notification", "Upload", "Password reset", "Payment",
            "API call", "Scheduler", "Mobile app", "Single sign-on", "Audit log",
            "Backup"]  # fmt: skip
SENTENCES = [
    "Since this morning several colleagues see the same problem.",
    "It started right after the last update.",
    "We tried another browser and cleared the cache, no change.",
    "The error appears about one time in three.",
    "Steps: open the page, choose any record, press save.",
    "This blocks our month-end close, please treat it as urgent.",
    "Screenshots are attached to the internal share.",
    "I checked the logs and found a timeout after thirty seconds.",
    "Thanks for looking into it.",
    "Could you confirm whether this is a known issue?",
    "We deployed a fix to production; please check on your side.",
    "Waiting for the vendor to confirm the root cause.",
    "Reproduced on staging with the current release.",
    "Workaround: restart the worker, it clears for a few hours.",
]


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class Picker:
    """Weighted choice in O(log n) without rebuilding the cumulative weights each time."""

    def __init__(self, rng: random.Random, weights: Mapping[Any, float]) -> None:
        self.rng, self.items = rng, list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def __call__(self) -> Any:
        return self.items[bisect(self.cumulative, self.rng.random() * self.total)]


# --- the base set -------------------------------------------------------------------------
def ensure_base(orgs: int, customers_per_org: int) -> dict[str, Any]:
    """Create (once) and return the people, teams, products and tags tickets refer to."""
    from django.db import transaction

    from sustain.accounts.choices import AssignmentStrategy, Role
    from sustain.accounts.models import Organisation, Team, User
    from sustain.catalog.models import Component, Product, Version
    from sustain.catalog.versioning import sort_key
    from sustain.tickets.models import Tag

    def email(local: str) -> str:
        return f"{local}@{BASE_DOMAIN}"

    with transaction.atomic():
        Organisation.objects.bulk_create(
            [
                Organisation(name=f"Bench Org {i:03d}", domains=[f"org{i:03d}.{BASE_DOMAIN}"])
                for i in range(orgs)
            ],
            ignore_conflicts=True,
        )
        org_rows = list(Organisation.objects.filter(name__startswith="Bench Org ").order_by("pk"))
        staff = [("admin", Role.ADMIN, 1), ("lead", Role.LEAD, 4), ("agent", Role.AGENT, 40),
                 ("engineer", Role.ENGINEER, 12), ("viewer", Role.VIEWER, 2)]  # fmt: skip
        users = [
            User(email=email(f"{prefix}{i:02d}"), full_name=f"Bench {prefix} {i}", role=role)
            for prefix, role, count in staff
            for i in range(count)
        ]
        for org in org_rows:
            for c in range(customers_per_org):
                role = Role.CUSTOMER_ADMIN if c == 0 else Role.CUSTOMER
                users.append(
                    User(
                        email=f"c{c:03d}@{org.domains[0]}",
                        full_name=f"Customer {c} of {org.name}",
                        role=role,
                        organisation=org,
                    )
                )
        for user in users:
            user.set_unusable_password()
        User.objects.bulk_create(users, ignore_conflicts=True, batch_size=1000)
        by_email = {u.email: u for u in User.objects.filter(email__endswith=BASE_DOMAIN)}
        agents = [by_email[email(f"agent{i:02d}")] for i in range(40)]
        engineers = [by_email[email(f"engineer{i:02d}")] for i in range(12)]
        leads = [by_email[email(f"lead{i:02d}")] for i in range(4)]
        teams = [  # name, strategy, members
            ("Bench Service Desk EU", AssignmentStrategy.ROUND_ROBIN, agents[:15]),
            ("Bench Service Desk US", AssignmentStrategy.ROUND_ROBIN, agents[15:30]),
            ("Bench Service Desk APAC", AssignmentStrategy.ROUND_ROBIN, agents[30:]),
            ("Bench Platform", AssignmentStrategy.FEWEST_OPEN, engineers[:8]),
            ("Bench Security", AssignmentStrategy.MANUAL, engineers[8:]),
        ]
        team_rows = []
        for i, (name, strategy, members) in enumerate(teams):
            team, created = Team.objects.get_or_create(
                name=name, defaults={"assignment_strategy": strategy, "lead": leads[i % 4]}
            )
            if created:
                team.members.set([*members, leads[i % 4]])
            team_rows.append((team, [m.pk for m in members]))
        products = []
        for p in range(5):
            product, created = Product.objects.get_or_create(name=f"Bench Product {p}")
            if created:
                Component.objects.bulk_create(
                    Component(product=product, name=f"{s} module") for s in SUBJECTS[:6]
                )
                Version.objects.bulk_create(
                    Version(
                        product=product,
                        name=f"{p + 1}.{v}",
                        sort_key=sort_key(product.version_scheme, f"{p + 1}.{v}", position=0),
                    )
                    for v in range(5)
                )
            products.append(
                (
                    product.pk,
                    list(product.components.values_list("pk", flat=True)),
                    list(product.versions.values_list("pk", flat=True)),
                )
            )
        Tag.objects.bulk_create(
            [Tag(name=f"{s.lower().replace(' ', '-')}") for s in SUBJECTS]
            + [Tag(name=n) for n in ("urgent", "regression", "vip", "security", "billing")],
            ignore_conflicts=True,
        )
    customers: dict[int, list[int]] = {}
    for pk, org_id in User.objects.filter(
        organisation__in=org_rows, email__endswith=BASE_DOMAIN
    ).values_list("pk", "organisation_id"):
        customers.setdefault(org_id, []).append(pk)
    return {
        "orgs": [o.pk for o in org_rows if o.pk in customers],
        "customers": customers,
        "teams": team_rows,
        "engineers": [u.pk for u in engineers],
        "products": products,
        "tags": list(Tag.objects.values_list("pk", flat=True)),
    }


# --- generating rows ----------------------------------------------------------------------
class Generator:
    """Rows for a run of tickets. Plain tuples in column order: this loop is the seeder's
    Python bottleneck, so it avoids objects, keyword arguments and datetime arithmetic."""

    def __init__(self, base: dict[str, Any], rng: random.Random, total: int, messages: int) -> None:
        self.base, self.rng, self.total, self.messages = base, rng, total, messages
        self.now = time.time()
        self.start = self.now - HISTORY_DAYS * 86400
        self.kind, self.channel = Picker(rng, KINDS), Picker(rng, CHANNELS)
        self.level = Picker(rng, LEVELS)
        # A few large customers and many small ones (Zipf-like).
        self.org = Picker(rng, {o: 1 / (i + 1) ** 0.9 for i, o in enumerate(base["orgs"])})
        self.status_by_age = [(limit, Picker(rng, w)) for limit, w in STATUS_BY_AGE]
        self.titles = [
            f"{subject} {symptom}" + (f" ({n} users)" if n % 3 == 0 else "")
            for n, (subject, symptom) in enumerate((s, y) for s in SUBJECTS for y in SYMPTOMS)
        ]
        self.bodies = [" ".join(rng.sample(SENTENCES, rng.randint(2, 5))) for _ in range(500)]
        self.tag_sets = [
            tuple(rng.sample(base["tags"], k)) for k in (0, 0, 1, 1, 1, 1, 2, 2, 3) * 20
        ]

    def batch(self, first_ticket: int, first_message: int, index: int, size: int) -> Batch:
        tickets: list[Row] = []
        messages: list[Row] = []
        activities: list[Row] = []
        tags: list[Row] = []
        rand, expovariate = self.rng.random, self.rng.expovariate

        def pick[T](items: Sequence[T]) -> T:
            return items[int(rand() * len(items))]

        def at(seconds: float) -> datetime:
            return datetime.fromtimestamp(seconds, UTC)

        base, teams, bodies, titles = self.base, self.base["teams"], self.bodies, self.titles
        now, step = self.now, (self.now - self.start) / self.total
        internal_kinds = ("maintenance_task", "technical_debt")
        message_id = first_message
        for n in range(index, index + size):
            ticket_id = first_ticket + n - index
            created = self.start + step * (n + rand())
            age_days = (now - created) / 86400
            status = next(p for limit, p in self.status_by_age if age_days < limit)()
            kind, channel = self.kind(), self.channel()
            impact, urgency = self.level(), self.level()
            if kind in internal_kinds or rand() < 0.05:
                org_id, requester = None, pick(base["engineers"])
                team, members = teams[3]
            else:
                org_id = self.org()
                requester = pick(base["customers"][org_id])
                if kind == "vulnerability":
                    team, members = teams[4]
                elif kind in ("bug", "problem", "change"):
                    team, members = teams[3]
                else:
                    team, members = teams[org_id % 3]
            assignee = pick(members) if status != "new" or rand() < 0.3 else None
            staff = assignee or pick(members)
            # The conversation: description, then replies and notes minutes to days apart.
            gap_limit = (now - created) / (2 * self.messages)
            when, first_response = created, None
            for m in range(self.messages):
                if m:
                    when += min(expovariate(1 / 30000), gap_limit)
                by_staff = m % 2 == 1
                # Staff write only internal notes on a ticket nobody has answered yet.
                internal = by_staff and (status == "new" or rand() < 0.25)
                stamp = at(when)
                if by_staff and not internal and first_response is None:
                    first_response = stamp
                author = staff if by_staff else requester
                messages.append(
                    (message_id, ticket_id, author, internal, pick(bodies),
                     "web" if by_staff else channel, stamp)
                )  # fmt: skip
                action = "noted" if internal else ("replied" if m else "created")
                activities.append((ticket_id, author, channel, action, "", "", "", message_id,
                                   stamp))  # fmt: skip
                message_id += 1
            finished = status in ("resolved", "closed")
            if finished:
                when = min(when + 300 + rand() * 36000, now)
            created_at, updated_at = at(created), at(when)
            if assignee is not None:
                activities.append((ticket_id, None, "system", "changed", "assignee", "",
                                   f"Agent {assignee}", None, created_at))  # fmt: skip
            if status != "new":
                # The log stores status codes, as the services write them.
                activities.append((ticket_id, staff, "web", "changed", "status", "new",
                                   status, None, updated_at))  # fmt: skip
            for tag in pick(self.tag_sets):
                tags.append((ticket_id, tag))
            product, components, versions = pick(base["products"])
            tickets.append(
                (ticket_id, pick(titles), kind, MAINTENANCE.get(kind, ""), impact, urgency,
                 PRIORITY[(impact, urgency)], "", status, channel, org_id, requester, assignee,
                 team.pk, product, pick(components) if rand() < 0.7 else None,
                 pick(versions) if rand() < 0.6 else None, None, created_at, updated_at,
                 first_response, updated_at if finished else None,
                 updated_at if status == "closed" else None, self.messages + 2)
            )  # fmt: skip
        return tickets, messages, activities, tags


# --- writing rows -------------------------------------------------------------------------
def table_names() -> dict[str, str]:
    from sustain.tickets.models import Activity, Message, Ticket

    return {
        "ticket": Ticket._meta.db_table,
        "message": Message._meta.db_table,
        "activity": Activity._meta.db_table,
        "tag": Ticket.tags.through._meta.db_table,
    }


def column_types(cursor: Any, table: str, columns: Sequence[str]) -> list[str]:
    """PostgreSQL type names of the columns, which binary COPY needs to encode values."""
    cursor.execute(
        "SELECT column_name, udt_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s",
        [table],
    )
    types = dict(cursor.fetchall())
    return [types[c] for c in columns]


def copy_rows(
    raw_cursor: Any, table: str, columns: Sequence[str], types: list[str], rows: list[Row]
) -> None:
    # Binary COPY: about twice as fast as text here, PostgreSQL parses no timestamps.
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with raw_cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def bulk_rows(model: Any, columns: Sequence[str], rows: list[Row]) -> None:
    model.objects.bulk_create([model(**dict(zip(columns, r, strict=True))) for r in rows], 2000)


def secondary_indexes(cursor: Any, tables: Iterable[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes that back no constraint, for dropping and rebuilding."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        ORDER BY i.indexname
        """,
        [list(tables)],
    )
    return list(cursor.fetchall())


def next_id(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - our table
    return int(cursor.fetchone()[0])


class Loader:
    """Writes generated batches: COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self, drop_indexes: bool) -> None:
        from django.db import connection
        from django.db.models import Model

        from sustain.tickets.models import Activity, Message, Ticket

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.drop = self.postgres and drop_indexes
        self.tables = table_names()
        models: tuple[type[Model], ...] = (Ticket, Message, Activity, Ticket.tags.through)
        self.models = dict(zip(self.tables, models, strict=True))
        self.columns = dict(
            zip(self.tables, (TICKET_COLUMNS, MESSAGE_COLUMNS, ACTIVITY_COLUMNS, TAG_COLUMNS),
                strict=True)
        )  # fmt: skip
        self.types: dict[str, list[str]] = {}
        self.dropped: list[tuple[str, str]] = []

    def prepare(self) -> tuple[int, int]:
        """Session settings, index drops; returns the first free ticket and message ids."""
        with self.connection.cursor() as cursor:
            if self.postgres:
                cursor.execute("SET synchronous_commit = off")
                cursor.execute("SET session_replication_role = replica")
                self.types = {
                    key: column_types(cursor, self.tables[key], self.columns[key])
                    for key in self.tables
                }
            if self.drop:
                self.dropped = secondary_indexes(cursor, self.tables.values())
                for name, _ in self.dropped:
                    cursor.execute(f'DROP INDEX "{name}"')
            return next_id(cursor, self.tables["ticket"]), next_id(cursor, self.tables["message"])

    def write(self, rows: Batch) -> None:
        from django.db import transaction

        with transaction.atomic():
            raw = self.connection.connection.cursor() if self.postgres else None
            for key, data in zip(self.tables, rows, strict=True):
                if raw is not None:
                    copy_rows(raw, self.tables[key], self.columns[key], self.types[key], data)
                else:
                    bulk_rows(self.models[key], self.columns[key], data)

    def finish(self) -> None:
        """Rebuild what was dropped, move the id sequences past the new rows."""
        from django.core.management.color import no_style

        models = [self.models["ticket"], self.models["message"]]
        with self.connection.cursor() as cursor:
            if self.dropped:
                cursor.execute("SET maintenance_work_mem = '256MB'")
                for _, definition in self.dropped:
                    cursor.execute(definition)
            for statement in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
            if self.postgres:
                cursor.execute("SET session_replication_role = DEFAULT")

    def analyze(self) -> None:
        if self.postgres:
            with self.connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {', '.join(self.tables.values())}")


def seed(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from sustain.tickets.models import Ticket

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    base = ensure_base(args.orgs, args.customers_per_org)
    print(f"base set ready in {time.perf_counter() - started:.1f}s ({connection.vendor})")
    existing = Ticket.objects.count()
    loader = Loader(args.drop_indexes or args.tickets >= max(DROP_INDEXES_FROM, existing))
    gen = Generator(base, random.Random(args.seed), args.tickets, args.messages_per_ticket)
    counts = {"tickets": 0, "messages": 0, "activities": 0, "tags": 0}
    started = time.perf_counter()
    generate_seconds = 0.0
    # One transaction when indexes are dropped (an interrupted run restores them); else one
    # per batch, so a long run shows progress and keeps what it wrote.
    with transaction.atomic() if loader.drop else nullcontext():
        first_ticket, first_message = loader.prepare()
        done = 0
        while done < args.tickets:
            size = min(args.batch, args.tickets - done)
            mark = time.perf_counter()
            rows = gen.batch(first_ticket + done, first_message, done, size)
            generate_seconds += time.perf_counter() - mark
            loader.write(rows)
            first_message += len(rows[1])
            for key, data in zip(counts, rows, strict=True):
                counts[key] += len(data)
            done += size
            elapsed = time.perf_counter() - started
            print(f"  {done:>9,} tickets  {elapsed:7.1f}s  {done / elapsed:9,.0f} tickets/s",
                  flush=True)  # fmt: skip
        copy_seconds = time.perf_counter() - started
        loader.finish()
    loader.analyze()
    elapsed = time.perf_counter() - started
    rows_total = sum(counts.values())
    print(
        f"wrote {counts['tickets']:,} tickets, {counts['messages']:,} messages, "
        f"{counts['activities']:,} activity rows, {counts['tags']:,} tag rows"
    )
    print(
        f"elapsed {elapsed:.1f}s: {counts['tickets'] / elapsed:,.0f} tickets/s, "
        f"{rows_total / elapsed:,.0f} rows/s"
    )
    print(
        f"  load phase (generate + write): {copy_seconds:.1f}s, "
        f"{counts['tickets'] / copy_seconds:,.0f} tickets/s; "
        f"generating in Python took {generate_seconds:.1f}s of it"
    )
    print(f"  rebuilding {len(loader.dropped)} indexes + ANALYZE: {elapsed - copy_seconds:.1f}s")
    print(f"tickets in the database: {Ticket.objects.count():,}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--messages-per-ticket", type=int, default=3)
    parser.add_argument(
        "--database-url", help="Defaults to $DATABASE_URL, else the SQLite file in var/."
    )
    parser.add_argument("--batch", type=int, default=10_000, help="Tickets per batch.")
    parser.add_argument("--orgs", type=int, default=50)
    parser.add_argument("--customers-per-org", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--drop-indexes",
        action="store_true",
        help=f"PostgreSQL: drop and rebuild secondary indexes (automatic when adding at least "
        f"{DROP_INDEXES_FROM:,} tickets and at least as many as there are).",
    )
    args = parser.parse_args(argv)
    if args.tickets < 1 or args.messages_per_ticket < 1 or args.batch < 1:
        parser.error("--tickets, --messages-per-ticket and --batch must be at least 1")
    setup_django(args.database_url)
    seed(args)


if __name__ == "__main__":
    main()
