"""Server time of the agent's ticket lists (/tickets/) at 1M tickets.

Runs Django's test client in this process against the benchmark database, signed in as a
staff user, and prints the median and p95 of each page variant (the whole request: middleware,
session, queries, template). No network and no gunicorn: what is measured is the server's work.
"db ms" is the time spent waiting for PostgreSQL, "cpu ms" the CPU time of this process (the
Python side): on a busy machine the wall-clock figures queue behind other work, these two less.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sustain_bench SECRET_KEY=bench \\
    .venv/bin/python bench/ui_queue.py --repeat 30

Point it at a benchmark database only: it creates a saved view for the user it signs in as.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
os.environ.setdefault("SUSTAIN_BASE_URL", "http://127.0.0.1:8001")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Persistent connections, as bench/serve.sh runs the server.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from sustain.accounts.models import Organisation, User  # noqa: E402
from sustain.tickets.models import SavedView, Ticket  # noqa: E402

HTMX = {"HX-Request": "true"}


def variants(user: User) -> list[tuple[str, str, dict[str, str]]]:
    team = user.teams.order_by("pk").first()
    org = Organisation.objects.order_by("pk").first()
    requester = Ticket.objects.order_by("-pk").values_list("requester_id", flat=True).first()
    saved, _ = SavedView.objects.get_or_create(
        owner=user,
        name="bench: P1 and P2 open",
        defaults={"filters": {"priority": ["1", "2"], "status": ["new", "open"]}},
    )
    found = [
        ("mine (default page)", "", {}),
        ("unassigned", "view=unassigned", {}),
        ("all", "view=all", {}),
        ("all, page 2 (cursor)", "view=all&cursor=", {}),
        ("all, sorted by title", "view=all&sort=title", {}),
        ("all, sorted by number ascending", "view=all&sort=number", {}),
        ("all, sorted by assignee", "view=all&sort=assignee", {}),
        ("all, sorted by assignee, page 2", "view=all&sort=assignee&cursor=", {}),
        ("all, sorted by team descending", "view=all&sort=-team", {}),
        ("all, sorted by organisation", "view=all&sort=organisation", {}),
        ("all, sorted by requester", "view=all&sort=requester", {}),
        ("all, status=open sorted by team", "view=all&status=open&sort=team", {}),
        ("all, text 'printer'", "view=all&q=printer", {}),
        ("all, requester (ticket page link)", f"view=all&requester={requester}", {}),
        ("all, tag", "view=all&tag=security", {}),
        (f"saved view '{saved.name}'", f"view=saved-{saved.pk}", {}),
        (
            "filter fragment (htmx), status=open&priority=1",
            "view=all&filtered=1&status=open&priority=1",
            HTMX,
        ),
    ]
    found.append(("sidebar counts (htmx, after the page)", "/tickets/counts?view=mine", HTMX))
    if team is not None:
        found.insert(2, (f"team {team.name}", f"view=team-{team.pk}", {}))
    if org is not None:
        found.append(("all, organisation", f"view=all&organisation={org.pk}", {}))
    return found


def measure(
    client: Client, query: str, headers: dict[str, str], repeat: int
) -> tuple[float, float, float, float, int]:
    if query.endswith("cursor="):
        # The second page: follow the first page's own "next" link.
        first = client.get(f"/tickets/?{query.removesuffix('&cursor=')}").content.decode()
        found = re.search(r'href="\?([^"]*cursor=[^"]*)"', first)
        assert found, "the first page has no next page"
        query = html.unescape(found.group(1))
    url = query if query.startswith("/") else f"/tickets/?{query}" if query else "/tickets/"
    response = client.get(url, headers=headers)  # warm-up, and the status check
    assert response.status_code == 200, (url, response.status_code, response.content[:500])
    times, db_times, cpu_times, queries = [], [], [], 0
    for _ in range(repeat):
        spent: list[float] = []

        def timed(
            execute: Any,
            sql: str,
            params: Any,
            many: bool,
            context: Any,
            spent: list[float] = spent,
        ) -> Any:
            begin = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.append(time.perf_counter() - begin)

        with connection.execute_wrapper(timed):
            start, cpu = time.perf_counter(), time.process_time()
            client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
        db_times.append(sum(spent) * 1000)
        queries = len(spent)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return (
        statistics.median(times),
        p95,
        statistics.median(db_times),
        statistics.median(cpu_times),
        queries,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--email", action="append", help="staff user(s); default an admin and an agent"
    )
    args = parser.parse_args()
    emails = args.email or ["admin00@bench.example", "agent00@bench.example"]
    load = os.getloadavg()[0]
    print(
        f"tickets: {Ticket.objects.count():,}  database: {connection.vendor}  "
        f"repeat: {args.repeat}  load average: {load:.1f} on {os.cpu_count()} CPUs"
    )
    for email in emails:
        user = User.objects.get(email=email)
        host = os.environ["SUSTAIN_BASE_URL"].split("://", 1)[-1]
        client = Client(HTTP_HOST=host)
        client.force_login(user)
        print(f"\n{email} ({user.role})")
        print(
            f"{'page':50} {'median ms':>9} {'p95 ms':>7} {'db ms':>6} {'cpu ms':>6} {'queries':>7}"
        )
        for name, query, headers in variants(user):
            median, p95, db, cpu, queries = measure(client, query, headers, args.repeat)
            flag = "" if median <= 100 else "  > 100 ms"
            print(f"{name:50} {median:9.1f} {p95:7.1f} {db:6.1f} {cpu:6.1f} {queries:7}{flag}")


if __name__ == "__main__":
    main()
