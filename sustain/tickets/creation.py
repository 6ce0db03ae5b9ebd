"""Creating tickets: from the desk, the portal, the API, e-mail intake and the system.

Like the other ticket services (``sustain.tickets.services``), it checks what the actor may do,
writes the ticket, its first message, its log and its notifications in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product, Version
from sustain.core import fastsql
from sustain.core.errors import PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability, require
from sustain.core.uploads import Upload, check_uploads
from sustain.tickets import hooks, notifications
from sustain.tickets.activity import log_activity
from sustain.tickets.assignment import pick_assignee
from sustain.tickets.attachments import store_attachment
from sustain.tickets.choices import Channel, Kind, Level, MaintenanceType, Priority
from sustain.tickets.models import Activity, Attachment, Message, Ticket
from sustain.tickets.rules import priority_for
from sustain.tickets.services import READ_ONLY, check_watchers, set_watchers
from sustain.tickets.validation import (
    check_assignee,
    check_catalogue,
    check_choice,
    check_priority,
    check_text,
    clean_tags,
    tag_new_ticket,
)


@dataclass
class NewTicket:
    title: str
    description: str
    kind: str = Kind.INCIDENT
    maintenance_type: str = ""
    impact: str = Level.MEDIUM
    urgency: str = Level.MEDIUM
    priority: int | None = None
    priority_reason: str = ""
    requester: User | None = None
    organisation: Organisation | None = None
    team: Team | None = None
    assignee: User | None = None
    product: Product | None = None
    component: Component | None = None
    version: Version | None = None
    fixed_in_version: Version | None = None
    tags: list[str] = field(default_factory=list)
    watchers: list[User] = field(default_factory=list)
    attachments: list[Upload] = field(default_factory=list)


_STAFF_ONLY_ON_CREATE = (
    "team",
    "assignee",
    "watchers",
    "tags",
    "priority",
    "requester",
    "fixed_in_version",
)


@dataclass(frozen=True)
class CreatedTicket:
    """A new ticket, the message that describes it and that message's files."""

    ticket: Ticket
    message: Message
    attachments: list[Attachment]


def create_ticket(*, actor: User, data: NewTicket, channel: str = Channel.WEB) -> Ticket:
    return create_ticket_with_message(actor=actor, data=data, channel=channel).ticket


def create_ticket_with_message(
    *, actor: User, data: NewTicket, channel: str = Channel.WEB
) -> CreatedTicket:
    """``create_ticket``, for callers that go on with its first message (e-mail intake)."""
    title = check_text("title", data.title, max_length=250, single_line=True)
    description = check_text("description", data.description)
    check_choice("kind", data.kind, Kind)
    if data.maintenance_type:
        check_choice("maintenance_type", data.maintenance_type, MaintenanceType)
    check_choice("impact", data.impact, Level)
    check_choice("urgency", data.urgency, Level)
    check_choice("channel", channel, Channel)

    if actor.is_customer:
        given = [f for f in _STAFF_ONLY_ON_CREATE if getattr(data, f) not in (None, [])]
        if given:
            raise PermissionDenied(f"Customers cannot set: {', '.join(given)}.")
        requester: User = actor
        organisation = actor.organisation
    else:
        require(actor, Capability.TICKETS_WRITE, READ_ONLY)
        requester = data.requester or actor
        organisation = data.organisation or requester.organisation
        if requester.is_customer and requester.organisation not in (None, organisation):
            raise ValidationFailed.field(
                "organisation", f"{requester.email} belongs to {requester.organisation}."
            )
    # Only now, with the caller allowed to file the ticket, are the files read.
    files = check_uploads(data.attachments)
    override_reason = check_priority(data.priority, data.priority_reason, data.impact, data.urgency)
    priority = priority_for(data.impact, data.urgency)
    if override_reason and data.priority is not None:
        priority = Priority(data.priority)
    product = check_catalogue(data.product, data.component, data.version, data.fixed_in_version)
    if data.assignee is not None:
        check_assignee(data.assignee, data.team)
    tags = clean_tags(data.tags)
    check_watchers(data.watchers, organisation.pk if organisation else None)

    assignee = data.assignee
    if assignee is None and data.team is not None:
        # Before the ticket's transaction: the team row stays locked only while the turn
        # moves, not while the ticket is written, so tickets for one team are created side
        # by side. A creation that fails after this skips a turn.
        assignee = pick_assignee(data.team)
    # Every refusal is above, so nothing in this block raises on purpose: it needs no
    # savepoint of its own (two statements fewer), and inside a caller's transaction an
    # unexpected error rolls back the caller's enclosing savepoint, as e-mail intake's is.
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        ticket = Ticket(
            title=title,
            kind=data.kind,
            maintenance_type=data.maintenance_type,
            impact=data.impact,
            urgency=data.urgency,
            priority=priority,
            priority_override_reason=override_reason,
            channel=channel,
            organisation=organisation,
            requester=requester,
            assignee=assignee,
            team=data.team,
            product=product,
            component=data.component,
            version=data.version,
            fixed_in_version=data.fixed_in_version,
            created_at=now,
            updated_at=now,
            public_updated_at=now,
        )
        fastsql.insert(ticket)
        if tags:
            tag_new_ticket(ticket.pk, tags)
        if data.watchers:
            set_watchers(actor, ticket, data.watchers, channel)
        message = Message(
            ticket=ticket, author=actor, body=description, channel=channel, created_at=now
        )
        fastsql.insert(message)
        stored = [
            store_attachment(ticket=ticket, message=message, uploader=actor, checked=checked)
            for checked in files
        ]
        activity = log_activity(ticket, actor, channel, Activity.Action.CREATED, message=message)
        hooks.ticket_changed([ticket.pk], created=True)
        notifications.ticket_created(ticket, activity, actor, data.watchers)
    return CreatedTicket(ticket, message, stored)
