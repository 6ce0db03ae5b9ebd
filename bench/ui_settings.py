"""Server time of the settings pages on a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sustain_bench \\
        .venv/bin/python bench/ui_settings.py [--repeat 200] [--warmup 20]

Renders each page in-process through Django's full request stack (middleware, session,
auth, view, template) with the test client, one request at a time: the server's own time for
one request. The settings pages read people, teams and organisations, not tickets, so the
size that matters is the number of users (``bench/seed.py``: 59 staff, 50 organisations of
40 contacts); the million tickets are there to show that nothing touches them. The viewer is
an administrator (the pages with forms) and, for the tokens page, a customer contact.

It prints median, p95 and max milliseconds and the number of SQL queries of each page. It
writes sessions (sign-in) to the database it is given: point it at a benchmark database.
"""

from __future__ import annotations

import argparse
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment

    from sustain.accounts.choices import Role
    from sustain.accounts.models import Organisation, Team, User

    setup_test_environment()  # lets the test client's "testserver" host in
    settings.DEBUG = False
    database = settings.DATABASES["default"]
    print(f"database: {database['ENGINE']} {database['NAME']}")
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).first()
    agent = User.objects.filter(role=Role.AGENT, is_active=True).first()
    team = Team.objects.annotate(n=Count("members")).order_by("-n").first()
    org = Organisation.objects.annotate(n=Count("contacts")).order_by("-n").first()
    if admin is None or agent is None or team is None or org is None:
        sys.exit("No admin, agent, team or organisation: fill the database with bench/seed.py.")
    contact = User.objects.filter(organisation=org, role=Role.CUSTOMER).first()
    if contact is None:
        sys.exit(f"{org.name} has no customer contact.")
    print(
        f"users {User.objects.count():,}, organisations {Organisation.objects.count():,}, "
        f"team {team.name} ({team.n} members), organisation {org.name} ({org.n} contacts)"
    )
    staff, customer = Client(), Client()
    staff.force_login(admin)
    customer.force_login(contact)
    first = staff.get("/settings/users/").content.decode()
    cursor = first.split("cursor=")[1].split('"')[0] if "cursor=" in first else ""

    pages: list[tuple[str, Any, str]] = [
        ("index", staff, "/settings/"),
        ("users", staff, "/settings/users/"),
        ("users-page-2", staff, f"/settings/users/?cursor={cursor}"),
        ("users-search", staff, "/settings/users/?q=a"),
        ("user", staff, f"/settings/users/{agent.pk}/"),
        ("user-new", staff, "/settings/users/new/"),
        ("teams", staff, "/settings/teams/"),
        ("team", staff, f"/settings/teams/{team.pk}/"),
        ("organisations", staff, "/settings/organisations/"),
        ("organisation", staff, f"/settings/organisations/{org.pk}/"),
        ("contact", staff, f"/settings/organisations/{org.pk}/contacts/{contact.pk}/"),
        ("roles", staff, "/settings/roles/"),
        ("tokens", staff, "/settings/tokens/"),
        ("tokens-customer", customer, "/settings/tokens/"),
    ]
    print(f"{'page':<16} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for name, client, url in pages:
        times, _, queries = measure(client, url, args.repeat, args.warmup)
        print(
            f"{name:<16} {statistics.median(times):>10.1f} {percentile(times, 0.95):>8.1f} "
            f"{max(times):>8.1f} {queries:>8}",
            flush=True,
        )


if __name__ == "__main__":
    main()
