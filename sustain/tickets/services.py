"""Ticket workflows: change, move through statuses, converse. One transaction each.
Creating a ticket is ``sustain.tickets.creation``.

Every function takes the acting user, checks what they may do, writes the activity log and
records notifications in the outbox before the transaction commits. Changes may also come from
the system (``sustain.accounts.actors``): it acts with staff rights and is never a customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sustain.accounts.actors import Actor
from sustain.accounts.models import Team, User
from sustain.core import fastsql
from sustain.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability, require
from sustain.core.uploads import Upload, check_uploads
from sustain.tickets import checklists, hooks, notifications
from sustain.tickets.activity import log_activity, touch_ticket
from sustain.tickets.assignment import pick_assignee
from sustain.tickets.attachments import store_attachment
from sustain.tickets.choices import FINISHED_STATUSES, Channel, Kind, Level, MaintenanceType, Status
from sustain.tickets.models import Activity, Message, Ticket, ticket_number
from sustain.tickets.rules import allowed_transitions, priority_for, reopen_window
from sustain.tickets.selectors import get_ticket_for
from sustain.tickets.validation import (
    check_assignee,
    check_catalogue,
    check_choice,
    check_priority,
    check_text,
    tags_named,
)

# --- shared checks ------------------------------------------------------------------------
READ_ONLY = "Your role can read tickets but not change them."


def acts_as_customer(actor: Actor) -> bool:
    return isinstance(actor, User) and actor.is_customer


# --- changing -----------------------------------------------------------------------------
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "kind",
        "maintenance_type",
        "impact",
        "urgency",
        "priority",
        "priority_reason",
        "status",
        "organisation",
        "requester",
        "team",
        "assignee",
        "product",
        "component",
        "version",
        "fixed_in_version",
        "tags",
        "watchers",
    }
)
_NOT_NULL_FIELDS = frozenset(
    {"title", "kind", "impact", "urgency", "status", "requester", "tags", "watchers"}
)
_SIMPLE_FIELDS = ("title", "kind", "maintenance_type", "organisation", "requester")
_CUSTOMER_FIELDS = frozenset({"status"})


def update_ticket(
    *,
    actor: Actor,
    ref: str | int,
    changes: dict[str, Any],
    channel: str = Channel.WEB,
    expected_revision: int | None = None,
) -> Ticket:
    """Change any of EDITABLE_FIELDS; the whole change applies or none of it does."""
    with transaction.atomic():
        ticket = get_ticket_for(actor, ref, for_update=True)
        apply_changes(actor, ticket, changes, channel, expected_revision)
        if hooks.RELEVANT_FIELDS & set(changes):
            hooks.ticket_changed([ticket.pk])
    return ticket


def transition_ticket(
    *, actor: User, ref: str | int, status: str, channel: str = Channel.WEB
) -> Ticket:
    return update_ticket(actor=actor, ref=ref, changes={"status": status}, channel=channel)


def bulk_update_tickets(
    *, actor: User, refs: Sequence[str | int], changes: dict[str, Any], channel: str = Channel.WEB
) -> list[Ticket]:
    """Apply one change to many tickets in one transaction; any refusal rolls all back."""
    require(actor, Capability.TICKETS_WRITE, READ_ONLY)
    if not refs:
        raise ValidationFailed.field("tickets", "Choose at least one ticket.")
    if len(refs) > 500:
        raise ValidationFailed.field("tickets", "At most 500 tickets at once.")
    updated = []
    with transaction.atomic():
        for ref in refs:
            ticket = get_ticket_for(actor, ref, for_update=True)
            try:
                apply_changes(actor, ticket, dict(changes), channel, None)
            except (ValidationFailed, Conflict, PermissionDenied) as exc:
                exc.detail = f"{ticket.number}: {exc.detail}"
                raise
            updated.append(ticket)
        if hooks.RELEVANT_FIELDS & set(changes):
            hooks.ticket_changed([t.pk for t in updated])
    return updated


def apply_changes(
    actor: Actor,
    ticket: Ticket,
    changes: dict[str, Any],
    channel: str,
    expected_revision: int | None,
) -> None:
    """The checks and writes of a change to ``ticket``, which the caller has locked, in the
    caller's transaction; the caller runs the hooks (``hooks.RELEVANT_FIELDS``)."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], "This field cannot be changed.")
    if acts_as_customer(actor):
        if set(changes) - _CUSTOMER_FIELDS:
            raise PermissionDenied("Customers can only close or reopen their tickets.")
    else:
        require(actor, Capability.TICKETS_WRITE, READ_ONLY)
    if expected_revision is not None and expected_revision != ticket.revision:
        raise Conflict(
            f"{ticket.number} was changed by someone else (revision {ticket.revision}, you had "
            f"{expected_revision}). Reload it and apply your change again.",
            errors={"revision": [f"current revision is {ticket.revision}"]},
        )
    for name in _NOT_NULL_FIELDS & {k for k, v in changes.items() if v is None}:
        raise ValidationFailed.field(name, "This field cannot be empty (null).")
    if "maintenance_type" in changes and changes["maintenance_type"] is None:
        changes["maintenance_type"] = ""
    changed: list[str] = []
    events: list[tuple[str, Activity]] = []
    for name in _SIMPLE_FIELDS:
        if name in changes:
            changed += _set_simple(actor, ticket, name, changes[name], channel)
    changed += _set_priority(actor, ticket, changes, channel)
    changed += _set_catalogue(actor, ticket, changes, channel)
    assignment = _set_team_and_assignee(actor, ticket, changes, channel)
    if assignment:
        changed += ["team", "assignee"]
        events += [("assigned", a) for a in assignment if a.field == "assignee"]
    if "status" in changes and changes["status"] != ticket.status:
        activity = _set_status(actor, ticket, str(changes["status"]), channel)
        changed += ["status", "resolved_at", "closed_at"]
        events.append(("status", activity))
    related_changed = "tags" in changes and _set_tags(actor, ticket, changes["tags"], channel)
    if "watchers" in changes:
        related_changed |= set_watchers(actor, ticket, changes["watchers"], channel)
    # A change that changes nothing keeps the revision, so nobody else gets a false conflict.
    if changed or related_changed:
        touch_ticket(ticket, changed)
    for kind, activity in events:
        if kind == "assigned":
            notifications.assigned(ticket, activity, actor)
        else:
            notifications.status_changed(ticket, activity, actor)


def _set_simple(actor: Actor, ticket: Ticket, name: str, value: Any, channel: str) -> list[str]:
    if name == "title":
        value = check_text("title", value, max_length=250, single_line=True)
    elif name == "kind":
        check_choice("kind", value, Kind)
    elif name == "maintenance_type" and value:
        check_choice("maintenance_type", value, MaintenanceType)
    elif name == "requester" and value is None:
        raise ValidationFailed.field("requester", "A ticket needs a requester.")
    old = getattr(ticket, name)
    if old == value:
        return []
    setattr(ticket, name, value)
    log_activity(
        ticket, actor, channel, Activity.Action.CHANGED, field_name=name, old=old, new=value
    )
    return [name]


def _set_logged(
    actor: Actor, ticket: Ticket, channel: str, values: Iterable[tuple[str, Any]]
) -> list[Activity]:
    """Set each field that differs and log it; returns the log entries written."""
    logged = []
    for name, new in values:
        old = getattr(ticket, name)
        if old != new:
            setattr(ticket, name, new)
            logged.append(
                log_activity(
                    ticket,
                    actor,
                    channel,
                    Activity.Action.CHANGED,
                    field_name=name,
                    old=old,
                    new=new,
                )
            )
    return logged


def _set_priority(actor: Actor, ticket: Ticket, changes: dict[str, Any], channel: str) -> list[str]:
    keys = {"impact", "urgency", "priority", "priority_reason"}
    if not keys & set(changes):
        return []
    impact = changes.get("impact", ticket.impact)
    urgency = changes.get("urgency", ticket.urgency)
    check_choice("impact", impact, Level)
    check_choice("urgency", urgency, Level)
    if changes.get("priority") is not None:
        priority = changes["priority"]
        reason = check_priority(priority, changes.get("priority_reason", ""), impact, urgency)
    elif (
        ticket.priority_override_reason
        and "priority" not in changes
        and not {"impact", "urgency"} & set(changes)
    ):
        priority, reason = ticket.priority, ticket.priority_override_reason
    else:
        # A new impact or urgency (or priority null) re-derives the priority and ends any
        # earlier override.
        priority, reason = priority_for(impact, urgency), ""
    logged = _set_logged(
        actor, ticket, channel, (("impact", impact), ("urgency", urgency), ("priority", priority))
    )
    changed = [a.field for a in logged]
    if reason != ticket.priority_override_reason:
        ticket.priority_override_reason = reason
        changed.append("priority_override_reason")
        if reason:
            log_activity(
                ticket,
                actor,
                channel,
                Activity.Action.CHANGED,
                field_name="priority_reason",
                new=reason,
            )
    return changed


def _set_catalogue(
    actor: Actor, ticket: Ticket, changes: dict[str, Any], channel: str
) -> list[str]:
    names = ("product", "component", "version", "fixed_in_version")
    if not set(names) & set(changes):
        return []
    values = {name: changes.get(name, getattr(ticket, name)) for name in names}
    product = values["product"]
    if "product" in changes and product != ticket.product:
        # Moving to another product drops parts of the old one unless new ones were given.
        for name in names[1:]:
            part = values[name]
            if name not in changes and part and part.product_id != getattr(product, "pk", None):
                values[name] = None
    values["product"] = check_catalogue(
        product, values["component"], values["version"], values["fixed_in_version"]
    )
    return [a.field for a in _set_logged(actor, ticket, channel, values.items())]


def _set_team_and_assignee(
    actor: Actor, ticket: Ticket, changes: dict[str, Any], channel: str
) -> list[Activity]:
    if "team" not in changes and "assignee" not in changes:
        return []
    team: Team | None = changes.get("team", ticket.team)
    assignee: User | None = changes.get("assignee", ticket.assignee)
    # A team change drops an assignee who is not in the new team.
    team_only = "team" in changes and "assignee" not in changes
    if (
        team_only
        and assignee is not None
        and team is not None
        and not team.members.filter(pk=assignee.pk).exists()
    ):
        assignee = None
    if assignee is not None:
        check_assignee(assignee, team)
    elif team is not None and team != ticket.team and "assignee" not in changes:
        assignee = pick_assignee(team)
    return _set_logged(actor, ticket, channel, (("team", team), ("assignee", assignee)))


def _set_status(
    actor: Actor, ticket: Ticket, status: str, channel: str, *, automatic: bool = False
) -> Activity:
    """Move the ticket; ``automatic`` moves (a reply resuming it) use the staff workflow."""
    check_choice("status", status, Status)
    if ticket.merged_into_id is not None:
        raise Conflict(
            f"{ticket.number} was merged into {ticket_number(ticket.merged_into_id)}; "
            "change that ticket instead.",
            errors={"status": ["merged tickets stay closed"]},
        )
    allowed = allowed_transitions(ticket.status, customer=acts_as_customer(actor) and not automatic)
    if status not in allowed:
        raise InvalidTransition(ticket.status, status, allowed)
    now = timezone.now()
    if status == Status.OPEN and ticket.status in (Status.RESOLVED, Status.CLOSED):
        _check_reopen_window(ticket, now)
    if status in FINISHED_STATUSES and ticket.status not in FINISHED_STATUSES:
        checklists.refuse_finishing(ticket)
    old = ticket.status
    ticket.status = status
    if status == Status.RESOLVED:
        ticket.resolved_at = now
    elif status == Status.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    elif status == Status.OPEN:
        ticket.resolved_at = ticket.closed_at = None
    return log_activity(
        ticket,
        actor,
        channel,
        Activity.Action.CHANGED,
        field_name="status",
        old=old,
        new=status,
    )


def _check_reopen_window(ticket: Ticket, now: Any) -> None:
    if reopen_window(ticket, now=now).expired:
        raise Conflict(
            f"{ticket.number} was closed more than {settings.SUSTAIN_REOPEN_DAYS} days ago and "
            "cannot be reopened; open a new ticket and link it.",
            errors={"status": ["reopen period has passed"]},
        )


def _set_tags(actor: Actor, ticket: Ticket, names: Iterable[str], channel: str) -> bool:
    new = tags_named(names)
    old = sorted(t.name for t in ticket.tags.all())
    if old == [t.name for t in new]:
        return False
    ticket.tags.set(new)
    log_activity(
        ticket,
        actor,
        channel,
        Activity.Action.CHANGED,
        field_name="tags",
        old=old,
        new=[t.name for t in new],
    )
    return True


def set_watchers(actor: Actor, ticket: Ticket, users: Iterable[User], channel: str) -> bool:
    """Make ``users`` the watchers of ``ticket`` (locked by the caller) and log the change;
    False when they already were. Only active people, and customers of the ticket's
    organisation, may watch."""
    new = {u.pk: u for u in users}
    check_watchers(new.values(), ticket.organisation_id)
    old = {u.pk: u for u in ticket.watchers.all()}
    if set(old) == set(new):
        return False
    ticket.watchers.set(list(new.values()))
    log_activity(
        ticket,
        actor,
        channel,
        Activity.Action.WATCHED,
        field_name="watchers",
        old=sorted(u.email for u in old.values()),
        new=sorted(u.email for u in new.values()),
    )
    return True


def check_watchers(users: Iterable[User], organisation_id: int | None) -> None:
    """``set_watchers``' rule, for callers that check before their transaction opens."""
    for user in users:
        if not user.is_active:
            raise ValidationFailed.field("watchers", f"{user.email} is not active.")
        if user.is_customer and user.organisation_id != organisation_id:
            raise ValidationFailed.field(
                "watchers", f"{user.email} belongs to another organisation."
            )


# --- conversation -------------------------------------------------------------------------
def add_message(
    *,
    actor: User,
    ref: str | int,
    body: str,
    internal: bool = False,
    channel: str = Channel.WEB,
    attachments: Sequence[Upload] = (),
) -> Message:
    """A public reply or internal note; a customer's reply reopens or resumes the ticket."""
    body = body.strip()
    if not body and not attachments:
        raise ValidationFailed.field("body", "Write a message or attach a file.")
    if actor.is_customer and internal:
        raise PermissionDenied("Customers cannot write internal notes.")
    if not actor.is_customer:
        require(actor, Capability.TICKETS_WRITE, READ_ONLY)
    with transaction.atomic():
        ticket = get_ticket_for(actor, ref, for_update=True)
        if ticket.merged_into_id is not None:
            raise Conflict(
                f"{ticket.number} was merged into {ticket_number(ticket.merged_into_id)}; "
                "write there."
            )
        # Only now, with the ticket found for this caller, are the files read; a refused
        # file still leaves nothing written.
        files = check_uploads(attachments)
        now = timezone.now()
        message = Message(
            ticket=ticket,
            author=actor,
            body=body,
            is_internal=internal,
            channel=channel,
            created_at=now,
        )
        fastsql.insert(message)
        stored = [
            store_attachment(ticket=ticket, message=message, uploader=actor, checked=checked)
            for checked in files
        ]
        action = Activity.Action.NOTED if internal else Activity.Action.REPLIED
        activity = log_activity(ticket, actor, channel, action, message=message)
        changed = _status_after_message(actor, ticket, internal, channel, now)
        touch_ticket(ticket, changed, public_message=not internal)
        hooks.ticket_changed([ticket.pk])
        hooks.message_added(message)
        notifications.message_added(ticket, activity, message, stored)
    return message


def _status_after_message(
    actor: User, ticket: Ticket, internal: bool, channel: str, now: Any
) -> list[str]:
    if internal:
        return []
    if actor.is_customer:
        if ticket.status in (Status.RESOLVED, Status.CLOSED):
            # Within the reopen period only (_set_status checks it).
            _set_status(actor, ticket, Status.OPEN, channel, automatic=True)
            return ["status", "resolved_at", "closed_at"]
        if ticket.status == Status.PENDING_CUSTOMER:
            _set_status(actor, ticket, Status.OPEN, channel, automatic=True)
            return ["status"]
        return []
    changed = []
    if ticket.first_response_at is None and actor.pk != ticket.requester_id:
        ticket.first_response_at = now
        changed.append("first_response_at")
    if ticket.status == Status.NEW:
        _set_status(actor, ticket, Status.OPEN, channel, automatic=True)
        changed.append("status")
    return changed
