"""Pure ticket rules: the priority matrix and the status workflow."""

from __future__ import annotations

from datetime import datetime, timedelta

from sustain.tickets.choices import Level, Priority, Status

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
