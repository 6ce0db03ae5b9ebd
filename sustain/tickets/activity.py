"""The activity log: one row per change, shown as the ticket's timeline.

The log stores what a change was, not how it reads: a field whose values are choices (status,
priority, …) is logged with its code ("pending_customer", "2"), and the label is looked up when
the entry is shown (:func:`display_change`). Renaming a label therefore rewords the whole
history at once and cannot break a reader that replays it (SLA clocks, reports).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from django.db.models import Choices
from django.utils import timezone

from sustain.accounts.actors import Actor, SystemActor, system_actor_label
from sustain.core import fastsql
from sustain.tickets.choices import Channel, Kind, Level, MaintenanceType, Priority, Status
from sustain.tickets.models import Activity, Message, Ticket

# The logged fields whose values are codes, and the choices that name those codes.
CODED_FIELDS: dict[str, type[Choices]] = {
    "status": Status,
    "priority": Priority,
    "impact": Level,
    "urgency": Level,
    "kind": Kind,
    "maintenance_type": MaintenanceType,
    "channel": Channel,
}


def log_activity(
    ticket: Ticket,
    actor: Actor | None,
    channel: str,
    action: str,
    *,
    field_name: str = "",
    old: Any = "",
    new: Any = "",
    message: Message | None = None,
) -> Activity:
    person, system = (None, actor.code) if isinstance(actor, SystemActor) else (actor, "")
    activity = Activity(
        ticket=ticket,
        actor=person,
        system_actor=system,
        channel=channel,
        action=action,
        field=field_name,
        old_value=stored_value(old),
        new_value=stored_value(new),
        message=message,
    )
    # Every change writes at least one of these: the statement is written once.
    fastsql.insert(activity)
    return activity


def stored_value(value: Any) -> str:
    """The text a value is logged as: a choice by its code, a list joined, a model by name."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (list, tuple)):
        return ", ".join(stored_value(v) for v in value)
    return str(value)


def value_label(field_name: str, value: str) -> str:
    """How a logged value reads: the label of a code of a coded field, anything else as it is.

    A code that the choices no longer offer reads as itself rather than failing the page.
    """
    choices = CODED_FIELDS.get(field_name)
    if choices is None or not value:
        return value
    for code, label in choices.choices:
        if str(code) == value:
            return str(label)
    return value


def actor_name(activity: Activity) -> str:
    """Who made a logged change, as people read it: the person, the system actor, or
    "Sustain" for an entry that names neither."""
    if activity.actor is not None:
        return activity.actor.display_name
    if activity.system_actor:
        return system_actor_label(activity.system_actor)
    return "Sustain"


def display_change(activity: Activity) -> tuple[str, str]:
    """The old and new value of a log entry as people read them."""
    return (
        value_label(activity.field, activity.old_value),
        value_label(activity.field, activity.new_value),
    )


def touch_ticket(ticket: Ticket, fields: Iterable[str]) -> None:
    """Write ``fields`` of a changed (and locked) ticket with a new revision; every change
    ends here, so the statement is written once per set of fields (``fastsql.update``)."""
    ticket.revision += 1
    ticket.updated_at = timezone.now()
    fastsql.update(ticket, tuple(sorted({*fields, "revision", "updated_at"})))
