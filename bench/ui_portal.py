"""Server time of the customer portal's pages on a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sustain_bench \\
        .venv/bin/python bench/ui_portal.py [--repeat 200] [--warmup 20]

Renders each page in-process through Django's full request stack (middleware, session,
auth, view, template) with the test client, one request at a time, so the figure is the
server's own time for one request: no network, no client, no queueing behind other
requests. The people are the busiest customer contact (by requested tickets) of the largest
organisation of a database filled by ``bench/seed.py`` and that organisation's customer
admin. Pages:

  home           /portal/                       the contact's open requests
  home-closed    /portal/?tab=closed            the contact's closed requests (thousands)
  home-page-2    the second page of the closed requests (keyset cursor)
  org            /portal/?scope=organisation    the admin, the organisation's open requests
  org-closed     /portal/?scope=organisation&tab=closed   (the largest list there is)
  detail         /portal/tickets/SUS-n          n: a random ticket of the contact
  new            /portal/new                    the request form

It prints median, p95 and max milliseconds (wall clock, database included), the median
Python CPU milliseconds of the request (what a busy machine cannot inflate much) and the
number of SQL queries of each page. It
writes sessions (sign-in) to the database it is given: point it at a benchmark database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("SUSTAIN_DATA_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("LOG_LEVEL", "WARNING")

from _pages import measure, percentile  # noqa: E402 (bench/ is the script's own folder)


def people() -> tuple[Any, Any, list[int]]:
    """The busiest contact of the largest organisation, its admin, and the contact's tickets."""
    from django.db.models import Count

    from sustain.accounts.choices import Role
    from sustain.accounts.models import User
    from sustain.tickets.models import Ticket

    largest = (
        Ticket.objects.exclude(organisation=None)
        .values("organisation_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if largest is None:
        sys.exit("No customer tickets: fill the database with bench/seed.py first.")
    org_id = largest["organisation_id"]
    contact_row = (
        Ticket.objects.filter(organisation_id=org_id, requester__role=Role.CUSTOMER)
        .values("requester_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    admin = User.objects.filter(organisation_id=org_id, role=Role.CUSTOMER_ADMIN).first()
    if contact_row is None or admin is None:
        sys.exit("The largest organisation has no customer contact or no customer admin.")
    contact = User.objects.get(pk=contact_row["requester_id"])
    ids = list(Ticket.objects.filter(requester=contact).values_list("id", flat=True)[:5000])
    print(
        f"organisation {org_id}: {largest['n']:,} tickets; contact {contact.email}: "
        f"{contact_row['n']:,} tickets; admin {admin.email}",
        flush=True,
    )
    return contact, admin, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    from sustain.tickets.models import ticket_number

    setup_test_environment()  # lets the test client's "testserver" host in
    settings.DEBUG = False
    database = settings.DATABASES["default"]
    print(f"database: {database['ENGINE']} {database['NAME']}")
    contact, admin, ids = people()
    rng = random.Random(args.seed)
    customer, organisation = Client(), Client()
    customer.force_login(contact)
    organisation.force_login(admin)
    second = customer.get("/portal/?tab=closed")
    cursor = second.content.decode().split("cursor=")[1].split('"')[0].replace("&amp;", "&")

    pages: list[tuple[str, Any, Any]] = [
        ("home", customer, "/portal/"),
        ("home-closed", customer, "/portal/?tab=closed"),
        ("home-page-2", customer, f"/portal/?scope=mine&tab=closed&cursor={cursor}"),
        ("org", organisation, "/portal/?scope=organisation"),
        ("org-closed", organisation, "/portal/?scope=organisation&tab=closed"),
        ("detail", customer, lambda: f"/portal/tickets/{ticket_number(rng.choice(ids))}"),
        ("new", customer, "/portal/new"),
    ]
    print(
        f"{'page':<12} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} "
        f"{'median cpu ms':>14} {'queries':>8}"
    )
    for name, client, url in pages:
        times, cpu, queries = measure(client, url, args.repeat, args.warmup)
        print(
            f"{name:<12} {statistics.median(times):>10.1f} {percentile(times, 0.95):>8.1f} "
            f"{max(times):>8.1f} {statistics.median(cpu):>14.1f} {queries:>8}",
            flush=True,
        )


if __name__ == "__main__":
    main()
