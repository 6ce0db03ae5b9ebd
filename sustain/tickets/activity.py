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
from sustain.tickets.choices import (
    ApprovalDecision,
    Channel,
    Kind,
    Level,
    MaintenanceType,
    Priority,
    Status,
)
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
    "approval": ApprovalDecision,
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


# What the customer sees of a ticket (the portal, the API as a customer) besides its public
# messages: a change of one of these fields is news to them. Anything else — an internal note,
# the assignee, team, priority, tags, watchers, links — is not, and leaves the ticket's
# public_updated_at where it was.
CUSTOMER_VISIBLE_FIELDS = frozenset(
    {
        "title",
        "kind",
        "status",
        "product",
        "fixed_in_version",
        "requester",
        "merged_into",
        "merged_from",
    }
)


def seen_by_customer(action: str, field_name: str) -> bool:
    """Whether a logged change is one the ticket's customer sees."""
    public_message = action in (Activity.Action.CREATED, Activity.Action.REPLIED)
    return public_message or field_name in CUSTOMER_VISIBLE_FIELDS


def touch_ticket(ticket: Ticket, fields: Iterable[str], *, public_message: bool = False) -> None:
    """Record that ``ticket`` changed (``fields``, already set on it and locked): a new
    revision, and a new public update when the customer sees the change (``public_message``:
    a public message was added, or moved onto the ticket). Every change ends here, so the
    statement is written once per set of fields (``fastsql.update``)."""
    changed = set(fields)
    ticket.revision += 1
    ticket.updated_at = timezone.now()
    written = [*changed, "revision", "updated_at"]
    if public_message or changed & CUSTOMER_VISIBLE_FIELDS:
        ticket.public_updated_at = ticket.updated_at
        written.append("public_updated_at")
    fastsql.update(ticket, tuple(sorted(written)))
