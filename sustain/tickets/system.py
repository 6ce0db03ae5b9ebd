"""Changes with a reason, as the system makes them: SLA escalation reassigns a ticket or raises
its priority, and notes what it saw (a warning, a breach, a troubled e-mail).

These are services like those of ``services.py``: one transaction each, the checks of the
ordinary change (``apply_changes``), the activity log, notifications and hooks. A person may
call them as well; the system calls them as a ``SystemActor``, which the log records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from sustain.accounts.actors import Actor, SystemActor
from sustain.accounts.models import User
from sustain.core.errors import ValidationFailed
from sustain.tickets import hooks
from sustain.tickets.activity import log_activity
from sustain.tickets.assignment import may_be_assigned, members_among
from sustain.tickets.choices import Channel, Priority
from sustain.tickets.models import Activity, Ticket
from sustain.tickets.selectors import get_ticket_for
from sustain.tickets.services import apply_changes
from sustain.tickets.validation import check_text


def reassign_ticket(
    *, actor: Actor, ref: str | int, assignee: User, reason: str, channel: str = Channel.SYSTEM
) -> Ticket:
    """Give the ticket to ``assignee``, for ``reason`` (logged with the change).

    The assignee must be one who may be assigned (``may_be_assigned``). An assignee outside
    the ticket's team takes the ticket out of that team, to the shared triage queue, as an
    assignee is always a member of the ticket's team.
    """
    reason = check_text("reason", reason, max_length=500)
    with transaction.atomic():
        ticket = get_ticket_for(actor, ref, for_update=True)
        if ticket.assignee_id == assignee.pk:
            return ticket
        changes: dict[str, Any] = {"assignee": assignee}
        in_team = may_be_assigned(assignee, members_among(ticket.team, assignee))
        if may_be_assigned(assignee) and not in_team:
            changes["team"] = None
        apply_changes(actor, ticket, changes, channel, None)
        log_activity(
            ticket,
            actor,
            channel,
            Activity.Action.CHANGED,
            field_name="assignee_reason",
            new=reason,
        )
    return ticket


def raise_priority(
    *, actor: Actor, ref: str | int, priority: int, reason: str, channel: str = Channel.SYSTEM
) -> Ticket:
    """Raise the ticket to ``priority`` (1 is the most urgent), for ``reason``: the ordinary
    priority change with an override reason, which the log records. A ticket already at
    that priority or above stays as it is."""
    if priority not in Priority.values:
        raise ValidationFailed.field("priority", "Priority is 1 (critical) to 4 (low).")
    reason = check_text("reason", reason, max_length=500)
    with transaction.atomic():
        ticket = get_ticket_for(actor, ref, for_update=True)
        if priority >= ticket.priority:
            return ticket
        changes = {"priority": priority, "priority_reason": reason}
        apply_changes(actor, ticket, changes, channel, None)
        # The new priority has other targets.
        hooks.ticket_changed([ticket.pk])
    return ticket


@dataclass(frozen=True)
class TicketEvent:
    """Something the system noticed about a ticket: ``kind`` names it in the log (the
    field of the entry, e.g. ``sla_breach``), ``text`` says it."""

    ticket_id: int
    kind: str
    text: str


def record_events(
    *, actor: SystemActor, events: Sequence[TicketEvent], channel: str = Channel.SYSTEM
) -> list[Activity]:
    """Log events on their tickets without changing the tickets, in one statement however
    many there are (the SLA sweep notes a hundred clocks at a time); returns the entries
    in the order of ``events``."""
    with transaction.atomic():
        return Activity.objects.bulk_create(
            Activity(
                ticket_id=event.ticket_id,
                system_actor=actor.code,
                channel=channel,
                action=Activity.Action.CHANGED,
                field=event.kind[:50],
                new_value=event.text,
            )
            for event in events
        )
