"""What the portal reads: a customer's ticket list and the public side of one ticket.

Everything starts from ``visible_tickets`` (the list narrowed by ``tickets/filters.py``) or
``get_ticket_for``; on top of that the portal keeps to what is safe to show a customer: public
messages only, status changes only, and no staff names (the support side is shown as
"Support team").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from sustain.accounts.models import User
from sustain.core.pagination import Page, paginate
from sustain.core.permissions import Capability
from sustain.tickets.choices import Status
from sustain.tickets.filters import clean_filters, filter_tickets
from sustain.tickets.history import status_changes
from sustain.tickets.models import Attachment, Message, Ticket, ticket_number
from sustain.tickets.rules import allowed_transitions, reopen_window

Tab = Literal["open", "closed"]
Scope = Literal["mine", "organisation"]

PAGE_SIZE = 25
SUPPORT_NAME = "Support team"

# Customer-facing words for the statuses; the workflow's own labels are agent jargon.
CUSTOMER_STATUS_LABELS: dict[str, str] = {
    Status.NEW: "New",
    Status.OPEN: "Open",
    Status.PENDING_CUSTOMER: "Pending your reply",
    Status.PENDING_THIRD_PARTY: "Pending a third party",
    Status.RESOLVED: "Resolved",
    Status.CLOSED: "Closed",
}
# The last update a customer sees is the last change they can see: an internal note or a
# change only staff see (the assignee, the priority) moves neither the time nor the order.
_ROW_FIELDS = ("id", "title", "status", "created_at", "public_updated_at", "requester_id")


def can_see_organisation(user: User) -> bool:
    return user.can(Capability.TICKETS_READ_ORGANISATION) and user.organisation_id is not None


def status_label(status: str) -> str:
    return CUSTOMER_STATUS_LABELS.get(status, status)


def portal_tickets(user: User, *, scope: Scope, tab: Tab | None) -> QuerySet[Ticket]:
    """The tickets of the portal list (of one tab, or of both), before paging."""
    params: dict[str, list[str]] = {}
    if scope == "organisation" and user.organisation_id and can_see_organisation(user):
        params["organisation"] = [str(user.organisation_id)]
    else:
        params["involves"] = ["me"]  # what they asked for or watch
    if tab is not None:
        params["finished"] = ["true" if tab == "closed" else "false"]
    return filter_tickets(user, clean_filters(params))


def ticket_page(
    user: User, *, scope: Scope, tab: Tab, cursor: str | None, limit: int = PAGE_SIZE
) -> Page[dict[str, Any]]:
    rows = portal_tickets(user, scope=scope, tab=tab).values(*_ROW_FIELDS)
    page = paginate(rows, order="-public_updated_at", cursor=cursor, limit=limit)
    if scope == "organisation":
        _add_requester_names(user, page.items)
    for row in page.items:
        row["status_label"] = status_label(row["status"])
        row["number"] = ticket_number(row["id"])
    return page


def _add_requester_names(user: User, rows: list[dict[str, Any]]) -> None:
    # One small query for the page's requesters beats a join on the (large) ticket query.
    ids = {row["requester_id"] for row in rows}
    names = {
        pk: full_name or email
        for pk, full_name, email in User.objects.filter(pk__in=ids).values_list(
            "id", "full_name", "email"
        )
    }
    for row in rows:
        pk = row["requester_id"]
        row["requester_name"] = "You" if pk == user.pk else names.get(pk, "")


def has_any_ticket(user: User, scope: Scope) -> bool:
    return portal_tickets(user, scope=scope, tab=None).exists()


# --- one ticket ---------------------------------------------------------------------------
@dataclass
class Entry:
    """One line of the public timeline: a message, or a status change."""

    kind: Literal["message", "status"]
    at: datetime
    who: str
    from_customer: bool
    message: Message | None = None
    status: str = ""


@dataclass
class TicketView:
    ticket: Ticket
    entries: list[Entry]
    status_label: str
    can_close: bool
    can_reopen: bool
    can_reply: bool
    reopen_until: datetime | None
    reopen_expired: bool
    product_name: str = ""
    version_name: str = ""
    fixed_in_name: str = ""
    merged_into: str = ""
    reopen_days: int = 0
    news_mark: str = ""


def author_name(viewer: User, author: User | None) -> str:
    """Staff stay anonymous to customers; customers see each other (same organisation)."""
    if author is None or not author.is_customer:
        return SUPPORT_NAME
    if author.pk == viewer.pk:
        return "You"
    return author.display_name


def public_timeline(viewer: User, ticket: Ticket) -> list[Entry]:
    """Public messages and status changes, oldest first. Internal notes never leave here."""
    messages = (
        Message.objects.filter(ticket=ticket, is_internal=False)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    entries = [
        Entry(
            kind="message",
            at=m.created_at,
            who=author_name(viewer, m.author),
            from_customer=m.author.is_customer,
            message=m,
        )
        for m in messages
    ]
    for change in status_changes(ticket.pk):
        entries.append(
            Entry(
                kind="status",
                at=change.at,
                who=author_name(viewer, change.actor),
                from_customer=bool(change.actor and change.actor.is_customer),
                status=status_label(change.new),
            )
        )
    # A reply that reopens a ticket logs both at the same moment: the message reads first.
    entries.sort(key=lambda e: (e.at, e.kind != "message"))
    return entries


def news_mark(ticket: Ticket) -> str:
    """What the open page sends back when it polls for news: the time of the last change the
    customer can see (the revision would move on an internal note and give it away)."""
    return str(round(ticket.public_updated_at.timestamp() * 1_000_000))


def ticket_view(viewer: User, ticket: Ticket) -> TicketView:
    allowed = allowed_transitions(ticket.status, customer=True)
    window = reopen_window(ticket)
    reopenable = Status.OPEN in allowed and window.may_reopen
    return TicketView(
        ticket=ticket,
        entries=public_timeline(viewer, ticket),
        status_label=status_label(ticket.status),
        can_close=Status.CLOSED in allowed and not window.merged,
        can_reopen=reopenable,
        can_reply=window.may_reply,
        reopen_until=window.until if reopenable else None,
        reopen_expired=window.expired,
        product_name=ticket.product.name if ticket.product_id and ticket.product else "",
        version_name=ticket.version.name if ticket.version_id and ticket.version else "",
        fixed_in_name=(
            ticket.fixed_in_version.name
            if ticket.fixed_in_version_id and ticket.fixed_in_version
            else ""
        ),
        reopen_days=settings.SUSTAIN_REOPEN_DAYS,
        merged_into=ticket_number(ticket.merged_into_id) if ticket.merged_into_id else "",
        news_mark=news_mark(ticket),
    )
