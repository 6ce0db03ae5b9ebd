"""Which tickets a user may see, and lookups that check it."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from sustain.accounts.choices import Role
from sustain.accounts.models import User
from sustain.core.errors import NotFound
from sustain.tickets.models import Attachment, Ticket


def visible_tickets(user: User) -> QuerySet[Ticket]:
    """The tickets ``user`` may read. Every ticket read in Sustain starts here."""
    tickets = Ticket.objects.all()
    if not user.is_active:
        return tickets.none()
    if user.sees_all_tickets:
        return tickets
    if user.is_staff_member:
        # Tickets without a team are the shared triage queue.
        return tickets.filter(
            Q(team__in=user.teams.values("pk")) | Q(team__isnull=True) | Q(assignee=user)
        )
    # A subquery, not a join: a join on watchers would repeat a ticket once per watcher.
    watched = Q(pk__in=Ticket.watchers.through.objects.filter(user=user).values("ticket_id"))
    if user.role == Role.CUSTOMER_ADMIN and user.organisation_id is not None:
        return tickets.filter(Q(organisation_id=user.organisation_id) | Q(requester=user) | watched)
    return tickets.filter(Q(requester=user) | watched)


def parse_ticket_ref(ref: str | int) -> int | None:
    """Accept ``SUS-12``, ``sus-12``, ``12`` or 12."""
    if isinstance(ref, int):
        return ref
    text = ref.strip()
    prefix = settings.SUSTAIN_TICKET_PREFIX.lower() + "-"
    if text.lower().startswith(prefix):
        text = text[len(prefix) :]
    return int(text) if text.isdigit() else None


def get_ticket_for(user: User, ref: str | int, *, for_update: bool = False) -> Ticket:
    """The ticket, if ``user`` may read it; otherwise NotFound (never reveal that it exists)."""
    ticket_id = parse_ticket_ref(ref)
    if ticket_id is None:
        raise NotFound(f"'{ref}' is not a ticket number.")
    tickets = visible_tickets(user).select_related(
        "requester", "assignee", "team", "organisation", "product", "component", "version"
    )
    if for_update:
        tickets = tickets.select_for_update(of=("self",))
    ticket = tickets.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(f"No ticket {settings.SUSTAIN_TICKET_PREFIX}-{ticket_id}.")
    return ticket


def get_attachment_for(user: User, attachment_id: int) -> Attachment:
    attachment = (
        Attachment.objects.select_related("message")
        .filter(pk=attachment_id, ticket__in=visible_tickets(user).values("pk"))
        .first()
    )
    # Customers never see files of internal notes.
    if attachment is None or (
        not user.is_staff_member and attachment.message and attachment.message.is_internal
    ):
        raise NotFound(f"No attachment {attachment_id}.")
    return attachment
