"""``sustain createtoken EMAIL``: an API token for a user, printed alone on the last line.

Scripts take it with ``sustain createtoken EMAIL | tail -1``; the notice about it goes to
stderr, so ``TOKEN=$(sustain createtoken EMAIL)`` works too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sustain.accounts.models import User
from sustain.accounts.tokens import create_token
from sustain.core.errors import ServiceError

MAX_EXPIRY_DAYS = 3650


def expiry_days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise CommandError(
            f"--expires-days must be a whole number of days from 1 to {MAX_EXPIRY_DAYS}, "
            f"not {value!r}."
        )
    return days


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it is shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="E-mail address of the user the token acts as.")
        parser.add_argument("--name", default="cli", help="A label for the token (default: cli).")
        parser.add_argument(
            "--expires-days",
            help="Days until the token stops working (default: it does not expire).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["email"]).strip()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {email!r}.")
        if not user.is_active:
            raise CommandError(f"{user.email} is deactivated; a token for them would not work.")
        expires_at = None
        if options["expires_days"] is not None:
            expires_at = timezone.now() + timedelta(days=expiry_days(str(options["expires_days"])))
        try:
            # No actor: the operator at the command line, as the audit log records it.
            token, raw = create_token(
                actor=None, user=user, name=str(options["name"]), expires_at=expires_at
            )
        except ServiceError as exc:
            raise CommandError(exc.detail) from exc
        until = f"until {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "no expiry"
        self.stderr.write(f"Created token '{token.name}' for {user.email} ({until}):")
        self.stdout.write(raw)
