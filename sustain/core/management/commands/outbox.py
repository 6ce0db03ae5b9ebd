"""``sustain outbox``: see what waits to leave the system, and send given-up messages again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from sustain.core import outbox
from sustain.core.models import OutboxMessage


class Command(BaseCommand):
    help = "Outbox status, dead messages, and retrying them after the cause is fixed."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Messages by state.")
        sub.add_parser("dead", help="List messages that were given up, with their last error.")
        retry = sub.add_parser("retry", help="Send dead messages again.")
        group = retry.add_mutually_exclusive_group(required=True)
        group.add_argument("--id", type=int, action="append", dest="ids", help="A message id.")
        group.add_argument("--all", action="store_true", help="Every dead message.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            counts = dict(
                OutboxMessage.objects.values_list("state").annotate(n=Count("id")).order_by()
            )
            for state in OutboxMessage.State.values:
                self.stdout.write(f"{state:8} {counts.get(state, 0)}")
        elif action == "dead":
            dead = OutboxMessage.objects.filter(state=OutboxMessage.State.DEAD)
            for message in dead.order_by("id")[:500]:
                self.stdout.write(
                    f"{message.pk}\t{message.kind}\t{message.idempotency_key}\t"
                    f"{message.attempts} attempts\t{message.last_error[:200]}"
                )
        else:
            ids = None if options["all"] else options["ids"]
            count = outbox.requeue_dead(ids=ids)
            if ids and count != len(set(ids)):
                raise CommandError(f"Requeued {count} of {len(set(ids))}: the others are not dead.")
            self.stdout.write(
                f"Requeued {count} message(s); the worker sends them within a minute."
            )
