"""``sustain mail poll | recent | mailboxes | refresh-token NAME``: operator commands for
e-mail."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sustain.core.errors import ServiceError
from sustain.mail import imap, mailboxes
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
        commands.add_parser("mailboxes", help="every mailbox and how it signs in")
        token = commands.add_parser(
            "refresh-token",
            help="store an OAuth2 refresh token for a mailbox, read from standard input "
            "(so that it stays out of the shell history and the process list)",
        )
        token.add_argument("name")

    def handle(self, *args: Any, command: str, **options: Any) -> None:
        if command == "poll":
            self._poll(options.get("name"))
        elif command == "mailboxes":
            self._mailboxes()
        elif command == "refresh-token":
            self._refresh_token(options["name"])
        else:
            self._recent(options["limit"])

    def _mailboxes(self) -> None:
        for box in Mailbox.objects.all():
            state: str = box.oauth_state or "password"
            if box.oauth_state == "refused":
                state += f" ({box.oauth_error})"
            elif box.oauth_expires_at:
                state += f", token valid until {box.oauth_expires_at:%Y-%m-%d %H:%M} UTC"
            paused = "" if box.is_active else " [paused]"
            self.stdout.write(f"{box.name}{paused}: {box.username}@{box.host}:{box.port} {state}")

    def _refresh_token(self, name: str) -> None:
        mailbox = Mailbox.objects.filter(name=name).first()
        if mailbox is None:
            raise CommandError(f"There is no mailbox named {name!r}.")
        if mailbox.auth != Mailbox.Auth.XOAUTH2:
            raise CommandError(f"{name} signs in with a password; set its sign-in to OAuth2 first.")
        if sys.stdin.isatty():
            self.stderr.write("Paste the refresh token, then press Enter:")
        token = sys.stdin.readline().strip()
        if not token:
            raise CommandError("No refresh token on standard input.")
        try:
            # No actor: the operator at the command line, as the audit log records it.
            mailboxes.save_mailbox(
                actor=None, changes={"oauth_refresh_token": token}, mailbox=mailbox
            )
        except ServiceError as exc:
            raise CommandError(f"{exc.detail} {exc.errors or ''}".strip()) from exc
        self.stdout.write(f"{name}: refresh token stored (encrypted); the next poll uses it.")

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
