"""The facts of a ticket's history, read from the activity log in one place.

Which statuses a ticket went through and when, when the customer side wrote, when staff
replied, when it was first answered and when it was resolved or closed: SLA replay, the portal
and reports read these from here, so they all read the same history the same way. The log holds
status codes (never labels, see :mod:`sustain.tickets.activity`), so nothing here depends on
how a status is worded.

:func:`ticket_histories` reads many tickets in two queries; callers that read the ticket rows
anyway (SLA replay) select :data:`HISTORY_FIELDS` with their own columns and call
:func:`histories_of`, which adds one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from django.db.models import Q

from sustain.accounts.choices import CUSTOMER_ROLES
from sustain.accounts.models import User
from sustain.tickets.choices import FINISHED_STATUSES, Status
from sustain.tickets.models import Activity, Ticket

# The ticket columns a history is built from, besides the log.
HISTORY_FIELDS = ("id", "created_at", "updated_at", "status", "requester_id")

# One row of the log as read here: (when, activity id, action, new value, actor id, actor role).
LogRow = tuple[datetime, int, str, str, int | None, str | None]

_STATUSES = frozenset(Status.values)


@dataclass(frozen=True)
class StatusSpan:
    """A stretch of time the ticket spent in one status; ``end`` is None while it lasts."""

    status: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class TicketHistory:
    """What happened to one ticket, as times (all sorted, oldest first)."""

    ticket_id: int
    created_at: datetime
    # (when, status code) from creation on; the first entry is "new" at creation, and no two
    # neighbours have the same status.
    statuses: tuple[tuple[datetime, str], ...]
    # Public messages of the customer side, the description (at creation) included.
    customer_messages: tuple[datetime, ...]
    # Public replies of staff other than the requester.
    staff_replies: tuple[datetime, ...]

    @property
    def status(self) -> str:
        return self.statuses[-1][1]

    @property
    def spans(self) -> tuple[StatusSpan, ...]:
        ends: list[datetime | None] = [at for at, _ in self.statuses[1:]]
        ends.append(None)
        return tuple(
            StatusSpan(status, start, end)
            for (start, status), end in zip(self.statuses, ends, strict=True)
        )

    @property
    def first_response(self) -> datetime | None:
        return self.staff_replies[0] if self.staff_replies else None

    @property
    def resolutions(self) -> tuple[datetime, ...]:
        """Every time the ticket went from an open status to resolved or closed."""
        return tuple(
            at
            for (_, before), (at, after) in pairwise(self.statuses)
            if before not in FINISHED_STATUSES and after in FINISHED_STATUSES
        )

    @property
    def reopenings(self) -> tuple[datetime, ...]:
        """Every time a resolved or closed ticket was opened again."""
        return tuple(
            at
            for (_, before), (at, after) in pairwise(self.statuses)
            if before in FINISHED_STATUSES and after not in FINISHED_STATUSES
        )

    @property
    def resolved_at(self) -> datetime | None:
        """When the ticket was last resolved (or closed without being resolved first); None
        while it is open. A ticket starts as new, so a finished one has a resolution."""
        return self.resolutions[-1] if self.status in FINISHED_STATUSES else None

    @property
    def closed_at(self) -> datetime | None:
        """When the ticket was closed; None unless it is closed now."""
        return self.statuses[-1][0] if self.status == Status.CLOSED else None


def ticket_histories(ticket_ids: Collection[int]) -> dict[int, TicketHistory]:
    """The histories of these tickets in two queries (the tickets, their log)."""
    rows = Ticket.objects.filter(pk__in=ticket_ids).order_by().values(*HISTORY_FIELDS)
    return histories_of(rows)


def histories_of(tickets: Iterable[Mapping[str, Any]]) -> dict[int, TicketHistory]:
    """The histories of tickets already read (rows with :data:`HISTORY_FIELDS`), one query."""
    rows = list(tickets)
    log = log_rows([row["id"] for row in rows])
    return {row["id"]: history_from(row, log.get(row["id"], ())) for row in rows}


def log_rows(ticket_ids: Collection[int]) -> dict[int, list[LogRow]]:
    """The entries of the log that a history is built from (status changes and public
    replies), by ticket, in one query and in no particular order."""
    relevant = Q(action=Activity.Action.REPLIED) | Q(action=Activity.Action.CHANGED, field="status")
    rows = (
        Activity.objects.filter(relevant, ticket_id__in=ticket_ids)
        .order_by()
        .values_list(
            "ticket_id", "created_at", "id", "action", "new_value", "actor_id", "actor__role"
        )
    )
    by_ticket: dict[int, list[LogRow]] = {}
    for ticket_id, at, pk, action, new, actor_id, role in rows:
        by_ticket.setdefault(ticket_id, []).append((at, pk, action, new, actor_id, role))
    return by_ticket


def history_from(row: Mapping[str, Any], log: Iterable[LogRow]) -> TicketHistory:
    """The history of one ticket from its row (:data:`HISTORY_FIELDS`) and its log rows."""
    created = row["created_at"]
    statuses: list[tuple[datetime, str]] = [(created, Status.NEW.value)]
    customer: list[datetime] = [created]
    staff: list[datetime] = []
    # Sorted by time (then id): the log's insertion order never matters.
    for at, _pk, action, new, actor_id, role in sorted(log):
        if action == Activity.Action.CHANGED:
            if new in _STATUSES and new != statuses[-1][1]:
                statuses.append((max(at, created), new))
        elif actor_id is not None and (role in CUSTOMER_ROLES or actor_id == row["requester_id"]):
            customer.append(at)
        elif actor_id is not None:
            staff.append(at)
    if statuses[-1][1] != row["status"]:
        # A status set without a log entry (imports, old data): take it from the last change.
        statuses.append((max(row["updated_at"], statuses[-1][0]), row["status"]))
    return TicketHistory(
        ticket_id=row["id"],
        created_at=created,
        statuses=tuple(statuses),
        customer_messages=tuple(sorted(customer)),
        staff_replies=tuple(sorted(staff)),
    )


# --- one ticket's status changes, as logged -----------------------------------------------
@dataclass(frozen=True)
class StatusChange:
    """One logged status change (codes), with who made it."""

    at: datetime
    old: str
    new: str
    actor: User | None


def status_changes(ticket_id: int) -> list[StatusChange]:
    """Every logged status change of one ticket, oldest first, with its actor, in one query.

    Unlike :attr:`TicketHistory.statuses` nothing is merged or dropped: this is what a page
    lists, change by change.
    """
    rows = (
        Activity.objects.filter(ticket_id=ticket_id, field="status")
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return [StatusChange(a.created_at, a.old_value, a.new_value, a.actor) for a in rows]
