"""``sustain sla``: replay clocks after a policy or calendar change, and run the sweep."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sustain.sla.engine import Move, recompute
from sustain.sla.escalation import sweep
from sustain.tickets.choices import OPEN_STATUSES
from sustain.tickets.models import Ticket, ticket_number

MAX_LINES = 200


def since_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since takes a date like 2026-01-31, not {value!r}.") from None


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M}"
    return "-" if value is None else str(value)


def describe(move: Move) -> str:
    head = f"{ticket_number(move.ticket_id)} {move.target}:"
    if move.before is None or move.after is None:
        due = (move.after or move.before or {}).get("due_at")
        return f"{head} {'new clock' if move.before is None else 'removed'} (due {_when(due)})"
    parts = [
        f"{name} {_when(move.before[name])} -> {_when(move.after[name])}"
        for name in move.changed_fields()
    ]
    return f"{head} {'; '.join(parts)}"


class Command(BaseCommand):
    help = "SLA clocks: recompute them from the activity log, or run the warning/breach sweep."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        replay = sub.add_parser(
            "recompute", help="Recompute clocks of open tickets (after a policy change)."
        )
        replay.add_argument(
            "--since", type=since_date, help="Only tickets created on or after this date."
        )
        replay.add_argument("--all", action="store_true", help="Closed tickets too.")
        replay.add_argument(
            "--dry-run", action="store_true", help="Report what would move; write nothing."
        )
        sub.add_parser("sweep", help="Process due warnings and breaches now.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sweep":
            swept = sweep()
            self.stdout.write(
                f"{swept.warnings} warning(s), {swept.breaches} breach(es), "
                f"{swept.escalations} escalation rule(s) run."
            )
            return
        tickets = Ticket.objects.all()
        if not options["all"]:
            tickets = tickets.filter(status__in=OPEN_STATUSES)
        if options["since"] is not None:
            start = datetime.combine(options["since"], datetime.min.time(), tzinfo=UTC)
            tickets = tickets.filter(created_at__gte=start)
        result = recompute(tickets, dry_run=options["dry_run"])
        for move in result.moves[:MAX_LINES]:
            self.stdout.write(describe(move))
        if len(result.moves) > MAX_LINES:
            self.stdout.write(f"... and {len(result.moves) - MAX_LINES} more")
        verb = "would move" if options["dry_run"] else "moved"
        self.stdout.write(
            f"Checked {result.checked} ticket(s): {len(result.moves)} clock(s) {verb}."
        )
