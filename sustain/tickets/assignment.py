"""Automatic assignment within a team: round-robin or fewest open tickets."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, QuerySet

from sustain.accounts.choices import TICKET_WRITER_ROLES, AssignmentStrategy
from sustain.accounts.models import Team, User
from sustain.tickets.choices import OPEN_STATUSES
from sustain.tickets.models import Ticket


def _available(team: Team) -> QuerySet[User]:
    return team.members.filter(is_active=True, is_away=False, role__in=TICKET_WRITER_ROLES)


def available_members(team: Team) -> list[User]:
    """Members who can take work now, in a stable order."""
    # Only what assignment and its notification read: teams can be large.
    return list(_available(team).only(*_PICKED_FIELDS).order_by("pk"))


_PICKED_FIELDS = ("id", "email", "full_name", "role", "is_active")


def pick_assignee(team: Team) -> User | None:
    """The member the team's strategy chooses, or None for manual teams or nobody available.

    Round-robin moves the team's cursor in one UPDATE, so two concurrent tickets never take
    the same turn and the team row is locked only for that statement. "Fewest open" counts
    the members' open tickets under the team's row lock, in a transaction of its own when
    the caller has none (ticket creation): it counts what is committed, and the cursor
    breaks ties (the member picked last goes after the others).
    """
    if team.assignment_strategy == AssignmentStrategy.MANUAL:
        return None
    if team.assignment_strategy == AssignmentStrategy.ROUND_ROBIN:
        turn = _take_turn(team)
        # The member must still be available: with nobody available the cursor stays put.
        return _available(team).only(*_PICKED_FIELDS).filter(pk=turn).first() if turn else None
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        members = available_members(locked)
        if not members:
            return None
        chosen = _fewest_open(members, locked.last_assigned_id)
        Team.objects.filter(pk=locked.pk).update(last_assigned=chosen)
        return chosen


def _take_turn(team: Team) -> int | None:
    """Move the round-robin cursor to the next available member after it (by id, wrapping
    around) and return it: one statement, atomic on both databases."""
    members_sql, params = _available(team).order_by().values("id").query.sql_with_params()
    quote = connection.ops.quote_name
    table, cursor_column = quote(Team._meta.db_table), quote("last_assigned_id")
    sql = (
        f"UPDATE {table} SET {cursor_column} = COALESCE("  # noqa: S608 (names, not input)
        f"(SELECT MIN(m.id) FROM ({members_sql}) m"
        f" WHERE m.id > COALESCE({table}.{cursor_column}, 0)),"
        f"(SELECT MIN(m.id) FROM ({members_sql}) m),"
        f"{table}.{cursor_column}) "
        f"WHERE {table}.id = %s RETURNING {cursor_column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params, team.pk])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _fewest_open(members: list[User], last_id: int | None) -> User:
    # Counted from the tickets side so that the (assignee, status) index does the work.
    counts = dict(
        Ticket.objects.filter(assignee__in=[m.pk for m in members], status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee")
        .annotate(n=Count("id"))
        .values_list("assignee", "n")
    )
    # Ties go to someone other than the last pick (whose new ticket may not be committed yet),
    # then by id order: deterministic and fair enough.
    return min(members, key=lambda m: (counts.get(m.pk, 0), m.pk == last_id, m.pk))
