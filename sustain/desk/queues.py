"""The agent's ticket lists: which views exist, what each filters, and their counts.

A view is a set of filter parameters (the same ones the filter bar sends), so a list is always
``visible_tickets`` narrowed by the filters of ``tickets/filters.py``. Counts are capped:
counting past a thousand would read every matching index entry at 1M tickets, and "1000+"
tells an agent as much.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet

from sustain.accounts.models import Team, User
from sustain.core.errors import ValidationFailed
from sustain.core.permissions import Capability
from sustain.tickets.choices import OPEN_STATUSES, Status
from sustain.tickets.filters import filter_tickets
from sustain.tickets.models import SavedView, Ticket
from sustain.tickets.saved_views import clean_view_params

COUNT_CAP = 1000
UNFINISHED = [s.value for s in Status if s in OPEN_STATUSES]


@dataclass(frozen=True)
class QueueView:
    key: str
    label: str
    params: dict[str, list[str]]
    group: str  # "standard", "team" or "saved"
    count: int | None = None
    shared_with: str = ""
    owner_id: int | None = None

    @property
    def count_label(self) -> str:
        if self.count is None:
            return ""
        return f"{COUNT_CAP}+" if self.count > COUNT_CAP else str(self.count)


def sidebar_teams(user: User) -> list[Team]:
    """Every team (for the filter bar), each marked ``is_member`` for the sidebar."""
    member = Team.members.through.objects.filter(team_id=OuterRef("pk"), user_id=user.pk)
    return list(Team.objects.annotate(is_member=Exists(member)).only("id", "name"))


def queue_views(user: User, teams: Sequence[Team], saved: Iterable[SavedView]) -> list[QueueView]:
    """The sidebar: mine, unassigned, one per team of the user (all for leads), all, saved."""
    views = [
        QueueView("mine", "Mine", {"assignee": ["me"], "status": UNFINISHED}, "standard"),
        QueueView(
            "unassigned", "Unassigned", {"assignee": ["none"], "status": UNFINISHED}, "standard"
        ),
    ]
    for team in teams:
        if user.can(Capability.TICKETS_READ_ALL) or getattr(team, "is_member", False):
            views.append(
                QueueView(
                    f"team-{team.pk}",
                    team.name,
                    {"team": [str(team.pk)], "status": UNFINISHED},
                    "team",
                )
            )
    views.append(
        QueueView(
            "breaching",
            "SLA due within 4 h",
            {"breaching": ["4"], "status": UNFINISHED},
            "standard",
        )
    )
    views.append(QueueView("all", "All", {}, "standard"))
    team_names = {t.pk: t.name for t in teams}
    for view in saved:
        shared = team_names.get(view.team_id, "") if view.team_id else ""
        views.append(
            QueueView(
                f"saved-{view.pk}",
                view.name,
                view.filters,
                "saved",
                shared_with=shared,
                owner_id=view.owner_id,
            )
        )
    return views


def view_counts(user: User, views: Sequence[QueueView]) -> list[QueueView]:
    """The views with their counts. Saved views may filter on anything (priority alone spans
    a sixth of all tickets), so they are counted apart, within a time limit: a slow count
    leaves their numbers out rather than the page waiting for them."""
    fixed: dict[str, QuerySet[Ticket]] = {}
    saved: dict[str, QuerySet[Ticket]] = {}
    for view in views:
        try:
            filters, _ = clean_view_params(view.params)
        except ValidationFailed:
            # A saved view whose filters no longer validate shows no count; opening it says why.
            continue
        target = saved if view.group == "saved" else fixed
        target[view.key] = filter_tickets(user, filters)
    counts = capped_counts(fixed)
    if saved:
        counts |= capped_counts(saved, timeout_ms=SAVED_COUNT_TIMEOUT_MS)
    return [replace(v, count=counts.get(v.key)) for v in views]


SAVED_COUNT_TIMEOUT_MS = 150


def capped_counts(
    querysets: dict[str, QuerySet[Ticket]], *, timeout_ms: int | None = None
) -> dict[str, int]:
    """How many tickets each queryset holds, up to COUNT_CAP + 1, in one query. With
    ``timeout_ms`` (PostgreSQL), a count that takes longer gives {} instead."""
    if not querysets:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    for index, (key, tickets) in enumerate(querysets.items()):
        sql, sql_params = tickets.order_by().values("pk")[: COUNT_CAP + 1].query.sql_with_params()
        parts.append(f"SELECT %s, COUNT(*) FROM ({sql}) AS c{index}")  # noqa: S608
        params.extend([key, *sql_params])
    sql = " UNION ALL ".join(parts)
    if timeout_ms is None or connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return dict(cursor.fetchall())
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            cursor.execute(sql, params)
            return dict(cursor.fetchall())
    except OperationalError:
        # Cancelled by the time limit (psycopg's QueryCanceled is an OperationalError).
        return {}
