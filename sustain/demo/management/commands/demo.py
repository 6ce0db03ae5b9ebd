"""``sustain demo``: load the demo help desk into this database, once."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sustain.core.errors import ServiceError
from sustain.demo.logins import DEMO_ADMIN_EMAIL, DEMO_LOGINS
from sustain.demo.services import DEFAULT_TICKETS, load_demo


def ticket_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = -1
    if not 1 <= count <= 100_000:
        raise CommandError(f"--tickets must be a number from 1 to 100000, not {value!r}.")
    return count


class Command(BaseCommand):
    help = (
        "Load demo data (organisations, people, teams, products and tickets with their "
        "history). Does nothing if the demo is loaded already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tickets",
            default=str(DEFAULT_TICKETS),
            help=f"How many tickets to create (default {DEFAULT_TICKETS}).",
        )
        parser.add_argument(
            "--no-logins",
            action="store_true",
            help="Do not print the demo logins (`sustain run` prints them with the URL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tickets = ticket_count(str(options["tickets"]))
        started = time.monotonic()
        try:
            summary = load_demo(tickets=tickets)
        except ServiceError as exc:
            # Each phase is one transaction: nothing of the failed phase was kept.
            raise CommandError(f"Loading the demo failed: {exc.detail}") from exc
        if summary is None:
            self.stdout.write(
                f"The demo data is loaded already ({DEMO_ADMIN_EMAIL} exists); nothing to do."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the demo in {time.monotonic() - started:.1f}s: "
                f"{summary.organisations} organisations, {summary.users} users, "
                f"{summary.teams} teams, {summary.products} products, {summary.tickets} tickets, "
                f"{summary.messages} messages, {summary.activities} activity entries, "
                f"{summary.links} links."
            )
        )
        if options["no_logins"]:
            return
        self.stdout.write("Demo logins:")
        role_width = max(len(role) for role, _, _ in DEMO_LOGINS)
        email_width = max(len(email) for _, email, _ in DEMO_LOGINS)
        for role, email, password in DEMO_LOGINS:
            self.stdout.write(f"  {role:<{role_width}}  {email:<{email_width}}  {password}")
