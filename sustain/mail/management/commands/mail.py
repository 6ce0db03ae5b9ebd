"""``sustain mail poll | reprocess ID``: operator commands for inbound e-mail."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sustain.mail import imap
from sustain.mail.models import InboundMail, Mailbox
from sustain.tickets.models import ticket_number


class Command(BaseCommand):
    help = "Poll IMAP mailboxes now, or list what came in."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        poll = commands.add_parser("poll", help="poll every active mailbox (or one by name)")
        poll.add_argument("name", nargs="?")
        recent = commands.add_parser("recent", help="the newest inbound messages")
        recent.add_argument("--limit", type=int, default=20)

    def handle(self, *args: Any, command: str, **options: Any) -> None:
        if command == "poll":
            self._poll(options.get("name"))
        else:
            self._recent(options["limit"])

    def _poll(self, name: str | None) -> None:
        mailboxes = Mailbox.objects.filter(is_active=True)
        if name:
            mailboxes = mailboxes.filter(name=name)
            if not mailboxes.exists():
                raise CommandError(f"There is no active mailbox named {name!r}.")
        failed = 0
        for mailbox in mailboxes:
            try:
                result = imap.poll(mailbox)
            except Exception as exc:
                failed += 1
                self.stderr.write(f"{mailbox.name}: {exc}")
                continue
            self.stdout.write(
                f"{mailbox.name}: {result.fetched} fetched, {result.duplicates} already known, "
                f"{result.refused} refused"
            )
        if failed:
            raise CommandError(f"{failed} mailbox(es) could not be polled.")

    def _recent(self, limit: int) -> None:
        for mail in InboundMail.objects.select_related("ticket")[:limit]:
            ticket = ticket_number(mail.ticket_id) if mail.ticket_id else "-"
            self.stdout.write(
                f"{mail.received_at:%Y-%m-%d %H:%M} {mail.state:<9} {ticket:<10} "
                f"{mail.sender} {mail.subject!r}"
            )
