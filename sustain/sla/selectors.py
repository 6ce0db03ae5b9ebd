"""Read-side SLA queries shared by pages, the API and other apps (ticket list and page)."""

from __future__ import annotations

import statistics
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from sustain.accounts.models import User
from sustain.core.errors import ValidationFailed
from sustain.core.permissions import Capability
from sustain.sla.choices import ClockState, Target
from sustain.sla.models import TicketClock
from sustain.sla.services import require_sla_reader
from sustain.tickets.models import Ticket
from sustain.tickets.selectors import visible_tickets

_ACTIVE = (ClockState.RUNNING, ClockState.BREACHED)


# --- clocks of tickets --------------------------------------------------------------------
@dataclass(frozen=True)
class ClockView:
    """One clock as a list row or ticket page shows it."""

    ticket_id: int
    target: str
    label: str
    state: str
    policy_id: int | None
    reason: str
    target_minutes: int
    started_at: datetime
    warning_at: datetime | None
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    elapsed_seconds: int
    now: datetime

    @property
    def seconds_left(self) -> int | None:
        """Until due (negative once overdue) for a running clock; None otherwise."""
        if self.state not in _ACTIVE or self.met_at is not None or self.due_at is None:
            return None
        return int((self.due_at - self.now).total_seconds())

    @property
    def remaining_seconds(self) -> int:
        """Business time left of the target (for a paused clock)."""
        return max(0, self.target_minutes * 60 - self.elapsed_seconds)

    @property
    def level(self) -> str:
        """ok, warning, breached, paused, met or cancelled: the CSS class suffix."""
        if self.breached_at is not None or self.state == ClockState.BREACHED:
            return "breached"
        if self.state == ClockState.RUNNING and self.warning_at and self.warning_at <= self.now:
            return "warning"
        if self.state == ClockState.RUNNING:
            return "ok"
        return str(self.state)

    @property
    def time_left(self) -> str:
        """ "2 h 05 min", "-35 min" (overdue), "paused: 1 h left", "met", "cancelled"."""
        left = self.seconds_left
        if left is not None:
            return ("-" if left < 0 else "") + duration_text(abs(left))
        if self.state == ClockState.PAUSED:
            return f"paused, {duration_text(self.remaining_seconds)} left"
        if self.met_at is not None:
            return "met late" if self.breached_at else "met"
        return str(ClockState(self.state).label).lower()


def duration_text(seconds: int) -> str:
    minutes = seconds // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


_CLOCK_FIELDS = (
    "ticket_id",
    "target",
    "state",
    "policy_id",
    "reason",
    "target_minutes",
    "started_at",
    "warning_at",
    "due_at",
    "met_at",
    "breached_at",
    "elapsed_seconds",
)
_TARGET_ORDER = {t.value: i for i, t in enumerate(Target)}


def clocks_for(
    ticket_ids: Collection[int], *, now: datetime | None = None
) -> dict[int, list[ClockView]]:
    """The clocks of these tickets in one query, first response before resolution.

    The caller has already limited ``ticket_ids`` to tickets the viewer may see.
    """
    now = now or timezone.now()
    result: dict[int, list[ClockView]] = {pk: [] for pk in ticket_ids}
    if not ticket_ids:
        return result
    rows = TicketClock.objects.filter(ticket_id__in=ticket_ids).order_by().values(*_CLOCK_FIELDS)
    for row in rows:
        view = ClockView(label=str(Target(row["target"]).label), now=now, **row)
        result.setdefault(row["ticket_id"], []).append(view)
    for views in result.values():
        views.sort(key=lambda v: _TARGET_ORDER.get(v.target, 9))
    return result


def breaching_within[T: Ticket](
    tickets: QuerySet[T], hours: float, *, now: datetime | None = None
) -> QuerySet[T]:
    """Tickets with a running clock due within ``hours`` (overdue ones included)."""
    if hours < 0:
        raise ValidationFailed.field("breaching_within", "Give a number of hours from 0 up.")
    limit = (now or timezone.now()) + timedelta(hours=hours)
    due = TicketClock.objects.filter(
        state__in=_ACTIVE, met_at__isnull=True, due_at__lte=limit
    ).values("ticket_id")
    return tickets.filter(pk__in=due)


# --- report -------------------------------------------------------------------------------
GROUPS = ("policy", "team", "priority", "period")
_GROUP_COLUMN = {
    "policy": "policy__name",
    "team": "ticket__team__name",
    "priority": "ticket__priority",
    "period": "started_at",
}


@dataclass(frozen=True)
class ReportRow:
    key: str
    target: str
    clocks: int
    met: int
    breached: int
    open: int
    compliance: float | None
    median_seconds: int | None
    p90_seconds: int | None


@dataclass(frozen=True)
class Report:
    since: date
    until: date
    group_by: str
    rows: list[ReportRow]


def _key(group_by: str, value: Any) -> str:
    if group_by == "period":
        return f"{value:%Y-%m}"
    if group_by == "priority":
        return f"P{value}"
    return str(value) if value is not None else "(none)"


def sla_report(
    *, actor: User, since: date | None = None, until: date | None = None, group_by: str = "policy"
) -> Report:
    """Compliance and business-time distributions of clocks started in ``[since, until]``,
    over the tickets ``actor`` may see. Compliance counts met on time against breached."""
    require_sla_reader(actor)
    if group_by not in GROUPS:
        raise ValidationFailed.field("group_by", f"Use one of: {', '.join(GROUPS)}.")
    until = until or timezone.now().date()
    since = since or until - timedelta(days=30)
    if since > until:
        raise ValidationFailed.field("since", "The period starts after it ends.")
    if (until - since).days > 366 * 2:
        raise ValidationFailed.field("since", "A report covers at most two years.")
    start = datetime.combine(since, time(0), tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=UTC)
    clocks = TicketClock.objects.filter(started_at__gte=start, started_at__lt=end)
    if not actor.can(Capability.TICKETS_READ_ALL):
        clocks = clocks.filter(ticket__in=visible_tickets(actor).values("pk"))
    rows = clocks.order_by().values_list(
        _GROUP_COLUMN[group_by], "target", "state", "met_at", "breached_at", "elapsed_seconds"
    )
    buckets: dict[tuple[str, str], list[tuple[str, Any, Any, int]]] = {}
    for group, target, state, met_at, breached_at, elapsed in rows.iterator(chunk_size=5000):
        buckets.setdefault((_key(group_by, group), target), []).append(
            (state, met_at, breached_at, elapsed)
        )
    order = _TARGET_ORDER
    return Report(
        since=since,
        until=until,
        group_by=group_by,
        rows=[
            _row(key, target, items)
            for (key, target), items in sorted(
                buckets.items(), key=lambda i: (i[0][0], order[i[0][1]])
            )
        ],
    )


def _row(key: str, target: str, items: list[tuple[str, Any, Any, int]]) -> ReportRow:
    breached = sum(1 for _, _, breached_at, _ in items if breached_at is not None)
    met = sum(1 for _, met_at, breached_at, _ in items if met_at and breached_at is None)
    still_open = sum(1 for state, *_ in items if state in (ClockState.RUNNING, ClockState.PAUSED))
    times = sorted(elapsed for _, met_at, _, elapsed in items if met_at is not None)
    return ReportRow(
        key=key,
        target=target,
        clocks=len(items),
        met=met,
        breached=breached,
        open=still_open,
        compliance=round(100 * met / (met + breached), 1) if met + breached else None,
        median_seconds=int(statistics.median(times)) if times else None,
        p90_seconds=_p90(times),
    )


def _p90(times: list[int]) -> int | None:
    if not times:
        return None
    if len(times) == 1:
        return times[0]
    return int(statistics.quantiles(times, n=10, method="inclusive")[-1])
