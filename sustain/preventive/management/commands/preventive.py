"""``sustain preventive list | sweep``: preventive-maintenance schedules for operators (each a
thin caller of the app's selectors and sweep)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sustain.preventive.models import Schedule
from sustain.preventive.sweep import sweep


class Command(BaseCommand):
    help = "List preventive-maintenance schedules, or run the sweep once."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        commands.add_parser("list", help="every schedule with its next due time")
        commands.add_parser("sweep", help="open the due tickets and escalate missed ones now")

    def handle(self, *args: Any, command: str, **options: Any) -> None:
        if command == "sweep":
            result = sweep()
            self.stdout.write(
                f"opened {result.opened}, escalated {result.escalated}, failed {result.failed}"
            )
            return
        rows = Schedule.objects.select_related("team").order_by("next_open_at", "name")
        for row in rows.iterator():
            when = row.next_due.isoformat() if row.next_due else "-"
            rule = row.rrule if row.mode == "calendar" else f"{row.interval_days} days after done"
            state = "" if row.active else " (paused)"
            team = row.team.name if row.team else "-"
            self.stdout.write(f"{row.pk}\t{row.name}{state}\t{rule}\tnext {when}\tteam {team}")
