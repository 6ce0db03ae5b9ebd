"""Ticket rules: the priority matrix, the status workflow and the reopen period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from sustain.tickets.choices import FINISHED_STATUSES, Level, Priority, Status

if TYPE_CHECKING:
    from sustain.tickets.models import Ticket

# Impact × urgency → priority, the ITIL matrix most help desks use.
PRIORITY_MATRIX: dict[tuple[str, str], Priority] = {
    (Level.HIGH, Level.HIGH): Priority.P1,
    (Level.HIGH, Level.MEDIUM): Priority.P2,
    (Level.MEDIUM, Level.HIGH): Priority.P2,
    (Level.HIGH, Level.LOW): Priority.P3,
    (Level.MEDIUM, Level.MEDIUM): Priority.P3,
    (Level.LOW, Level.HIGH): Priority.P3,
    (Level.MEDIUM, Level.LOW): Priority.P4,
    (Level.LOW, Level.MEDIUM): Priority.P4,
    (Level.LOW, Level.LOW): Priority.P4,
}


def priority_for(impact: str, urgency: str) -> Priority:
    return PRIORITY_MATRIX[(Level(impact), Level(urgency))]


_PENDING = {Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY}
_WORKING = {Status.OPEN, *_PENDING}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({*_WORKING, Status.RESOLVED, Status.CLOSED}),
    Status.OPEN: frozenset({*_PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.PENDING_CUSTOMER: frozenset(
        {Status.OPEN, Status.PENDING_THIRD_PARTY, Status.RESOLVED, Status.CLOSED}
    ),
    Status.PENDING_THIRD_PARTY: frozenset(
        {Status.OPEN, Status.PENDING_CUSTOMER, Status.RESOLVED, Status.CLOSED}
    ),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}

# What a customer may do to their own ticket: close it, or reopen it.
CUSTOMER_TRANSITIONS: dict[Status, frozenset[Status]] = {
    status: frozenset(t & {Status.CLOSED, Status.OPEN})
    if status in (Status.RESOLVED, Status.CLOSED)
    else frozenset(t & {Status.CLOSED})
    for status, t in TRANSITIONS.items()
}


def allowed_transitions(current: str, *, customer: bool = False) -> frozenset[Status]:
    table = CUSTOMER_TRANSITIONS if customer else TRANSITIONS
    return table[Status(current)]


def reopen_deadline(finished_at: datetime | None, reopen_days: int) -> datetime | None:
    """Last moment a resolved or closed ticket may be reopened; None when there is no limit."""
    if finished_at is None:
        return None
    return finished_at + timedelta(days=reopen_days)


@dataclass(frozen=True)
class ReopenWindow:
    """Whether a ticket may still be reopened or replied to, the one rule that the ticket
    services, e-mail intake and the portal apply: a resolved or closed ticket reopens (by a
    status change, or by a customer's reply) until the reopen period has passed; a merged
    ticket takes neither (its conversation goes on in the ticket it was merged into)."""

    finished: bool
    # The last moment a finished ticket may be reopened; None when unfinished or unlimited.
    until: datetime | None
    expired: bool
    merged: bool

    @property
    def may_reopen(self) -> bool:
        return self.finished and not self.expired and not self.merged

    @property
    def may_reply(self) -> bool:
        """A reply to a finished ticket reopens it, so it keeps to the same period."""
        return not self.expired and not self.merged


def reopen_window(ticket: Ticket, *, now: datetime | None = None) -> ReopenWindow:
    finished = ticket.status in FINISHED_STATUSES
    until = None
    if finished:
        until = reopen_deadline(
            ticket.closed_at or ticket.resolved_at, settings.SUSTAIN_REOPEN_DAYS
        )
    return ReopenWindow(
        finished=finished,
        until=until,
        expired=until is not None and (now or timezone.now()) > until,
        merged=ticket.merged_into_id is not None,
    )
