"""The activity log: one row per change, shown as the ticket's timeline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from sustain.accounts.models import User
from sustain.core import fastsql
from sustain.tickets.models import Activity, Message, Ticket


def log_activity(
    ticket: Ticket,
    actor: User | None,
    channel: str,
    action: str,
    *,
    field_name: str = "",
    old: Any = "",
    new: Any = "",
    message: Message | None = None,
) -> Activity:
    activity = Activity(
        ticket=ticket,
        actor=actor,
        channel=channel,
        action=action,
        field=field_name,
        old_value=display_value(old),
        new_value=display_value(new),
        message=message,
    )
    # Every change writes at least one of these: the statement is written once.
    fastsql.insert(activity)
    return activity


def display_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(display_value(v) for v in value)
    return str(value)


def touch_ticket(ticket: Ticket, fields: Iterable[str]) -> None:
    ticket.revision += 1
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*set(fields), "revision", "updated_at"])
