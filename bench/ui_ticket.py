"""Server time of the agent's ticket page on a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sustain_bench \\
        .venv/bin/python bench/ui_ticket.py [--repeat 200] [--warmup 20]

Renders each page in-process through Django's full request stack (middleware, session, auth,
view, template) with the test client, one request at a time: the figure is the server's own
time for one request, without network, client or queueing. People: an administrator (sees
every ticket) and the agent with the most assigned tickets (team visibility rules) of a
database filled by ``bench/seed.py``. Pages:

  detail-admin    /tickets/SUS-n         n: a random ticket among all of them
  detail-agent    /tickets/SUS-n         n: a random ticket assigned to the agent
  detail-longest  /tickets/SUS-n         the ticket with the most messages of a sample
  poll            /tickets/SUS-n/poll    the 20-second check while nothing changed (204)

It prints median, p95 and max wall-clock milliseconds, the median CPU milliseconds of this
process (the Python side alone, less disturbed by other work on the machine than the wall
clock) and the number of SQL queries of each page. It only reads, apart from the session
rows of the two sign-ins.
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


def people() -> tuple[Any, Any, int, list[int], int]:
    """An admin, the busiest agent, the highest ticket id, the agent's tickets, and the
    ticket with the longest conversation among a sample."""
    from django.db.models import Count, Max

    from sustain.accounts.choices import Role
    from sustain.accounts.models import User
    from sustain.tickets.models import Message, Ticket

    top = Ticket.objects.aggregate(top=Max("id"))["top"]
    if not top:
        sys.exit("No tickets: fill the database with bench/seed.py first.")
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).first()
    agent = User.objects.filter(role=Role.AGENT, is_active=True, teams__isnull=False).first()
    if admin is None or agent is None:
        sys.exit("The database has no administrator or no agent in a team.")
    ids = list(
        Ticket.objects.filter(assignee=agent, team__members=agent)
        .order_by("-id")
        .values_list("id", flat=True)[:5000]
    )
    if not ids:
        sys.exit(f"{agent.email} has no tickets of their teams.")
    sample = (
        Message.objects.filter(ticket_id__gt=top - 20000)
        .values("ticket_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    longest = sample["ticket_id"] if sample else top
    print(f"{top:,} as the highest ticket id; admin {admin.email}; agent {agent.email}", flush=True)
    return admin, agent, top, ids, longest


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

    from sustain.tickets.models import Activity, Ticket, ticket_number

    setup_test_environment()  # lets the test client's "testserver" host in
    settings.DEBUG = False
    database = settings.DATABASES["default"]
    print(f"database: {database['ENGINE']} {database['NAME']}")
    admin, agent, top, ids, longest = people()
    rng = random.Random(args.seed)
    as_admin, as_agent = Client(), Client()
    as_admin.force_login(admin)
    as_agent.force_login(agent)
    polled = Ticket.objects.get(pk=ids[0])
    seen = Activity.objects.filter(ticket=polled).order_by("-id").values_list("id", flat=True)[0]
    poll = f"/tickets/{polled.number}/poll?revision={polled.revision}&seen={seen}"

    pages: list[tuple[str, Any, Any, int]] = [
        ("detail-admin", as_admin, lambda: f"/tickets/{ticket_number(rng.randint(1, top))}", 200),
        ("detail-agent", as_agent, lambda: f"/tickets/{ticket_number(rng.choice(ids))}", 200),
        ("detail-longest", as_admin, f"/tickets/{ticket_number(longest)}", 200),
        ("poll", as_agent, poll, 204),
    ]
    print(
        f"{'page':<15} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} "
        f"{'cpu median':>11} {'queries':>8}"
    )
    for name, client, url, status in pages:
        times, cpu, queries = measure(client, url, args.repeat, args.warmup, status)
        print(
            f"{name:<15} {statistics.median(times):>10.1f} {percentile(times, 0.95):>8.1f} "
            f"{max(times):>8.1f} {statistics.median(cpu):>11.1f} {queries:>8}",
            flush=True,
        )


if __name__ == "__main__":
    main()
