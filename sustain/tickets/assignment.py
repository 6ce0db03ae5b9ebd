"""Who may be assigned a ticket, and automatic assignment within a team: round-robin or
fewest open tickets."""

from __future__ import annotations

from collections.abc import Container, Sequence
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from sustain.accounts.choices import AssignmentStrategy
from sustain.accounts.models import AwayPeriod, Team, User
from sustain.core import fastsql
from sustain.core.permissions import Capability, roles_with
from sustain.tickets.choices import OPEN_STATUSES
from sustain.tickets.models import Ticket

# How long "fewest open" goes on from one count of the members' open tickets.
RECOUNT_AFTER = timedelta(minutes=1)


# Only what assignment and its notification read: teams can be large.
_PICKED_FIELDS = ("id", "email", "full_name", "role", "is_active")
# The roles that may hold tickets (the roles that change them), in the order the statements
# list them.
_ROLES: list[str] = sorted(roles_with(Capability.TICKETS_WRITE))


def may_be_assigned(user: User, team_member_ids: Container[int] | None = None) -> bool:
    """The one rule of who may be assigned a ticket: an active user in a role that may hold
    tickets and, for a ticket in a team (``team_member_ids``: its members' ids), a member of
    that team. The checks of a change, the ticket page's choices and the statements of
    automatic assignment (``_available_sql``, which adds "not away") all apply it."""
    if not (user.is_active and user.role in _ROLES):
        return False
    return team_member_ids is None or user.pk in team_member_ids


def members_among(team: Team | None, *users: User) -> set[int] | None:
    """Which of ``users`` are members of ``team`` (None for no team), as ``may_be_assigned``
    takes them: only these people are read, as teams can be large."""
    if team is None:
        return None
    return set(team.members.filter(pk__in=[user.pk for user in users]).values_list("pk", flat=True))


def available_members(team: Team) -> list[User]:
    """Members who can take work now (active, not away, a writer), by id."""
    with connection.cursor() as cursor:
        cursor.execute(_members_sql(), [team.pk, *_ROLES])
        rows = cursor.fetchall()
    return [_member(row) for row in rows]


def _member(row: Sequence[Any]) -> User:
    # Like .only(): the other fields load if something reads them.
    return User.from_db(connection.alias, list(_PICKED_FIELDS), list(row))


def pick_assignee(team: Team) -> User | None:
    """The member the team's strategy chooses, or None for manual teams or nobody available.

    Round-robin moves the team's cursor in one UPDATE, so two concurrent tickets never take
    the same turn and the team row is locked only for that statement. "Fewest open" works
    under the team's row lock, in a transaction of its own when the caller has none (ticket
    creation). It counts the members' open tickets at most every ``RECOUNT_AFTER`` and
    adds each ticket it hands out to the count in between: counting reads every open ticket
    of the team (tens of milliseconds at 1M tickets, while the team stays locked). Tickets
    closed or reassigned by hand show in the next count. The cursor breaks ties (the member
    picked last goes after the others).
    """
    if team.assignment_strategy == AssignmentStrategy.MANUAL:
        return None
    if team.assignment_strategy == AssignmentStrategy.ROUND_ROBIN:
        return _take_turn(team)
    with transaction.atomic():
        # NO KEY: tickets being written for this team (their foreign key checks) need not wait.
        locked = _LOCKED_TEAM.get(team.pk)
        if locked is None:
            raise Team.DoesNotExist(f"Team {team.pk} does not exist.")
        members = available_members(locked)
        if not members:
            return None
        now = timezone.now()
        load: dict[str, int] = dict(locked.member_load or {})
        counted_at = locked.member_load_counted_at
        fresh = counted_at is not None and now - counted_at < RECOUNT_AFTER
        if not fresh or any(str(m.pk) not in load for m in members):
            load, counted_at = _open_counts(members), now
        # Ties go to someone other than the last pick, then by id: deterministic and fair.
        chosen = min(
            members, key=lambda m: (load[str(m.pk)], m.pk == locked.last_assigned_id, m.pk)
        )
        load[str(chosen.pk)] += 1
        locked.last_assigned, locked.member_load, locked.member_load_counted_at = (
            chosen,
            load,
            counted_at,
        )
        fastsql.update(locked, _LOAD_FIELDS)
        return chosen


# Ticket creation runs these for every ticket of a "fewest open" team: written once per
# process (see sustain.core.fastsql), they cost a fraction of composing them through the ORM.
_LOCKED_TEAM = fastsql.RowLookup(Team, "id", lock=True)
_LOAD_FIELDS = ("last_assigned", "member_load", "member_load_counted_at")


def _take_turn(team: Team) -> User | None:
    """Move the round-robin cursor to the next available member after it (by id, wrapping
    around) and return that member: one statement, atomic on both databases, which also
    returns the member's fields. With nobody available the cursor stays and None comes back
    (the member under the cursor must be available to be returned)."""
    with connection.cursor() as cursor:
        # In the statement's order: the two choices, the team, then each returned field.
        params: list[str | int] = [*_ROLES, *_ROLES, team.pk, *_ROLES * len(_PICKED_FIELDS)]
        cursor.execute(_turn_sql(), params)
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return _member(row)


def _available_sql(db: BaseDatabaseWrapper, team_id: str) -> str:
    """Who may take work, the one rule of both strategies: the FROM and WHERE of the members
    of the team ``team_id`` (an SQL expression) who may be assigned (``may_be_assigned``:
    active, a role that holds tickets) and are not away (marked away, or in a dated away
    period)."""
    quote = db.ops.quote_name
    users, links = quote(User._meta.db_table), quote(Team.members.through._meta.db_table)
    away = quote(AwayPeriod._meta.db_table)
    roles = ", ".join(["%s"] * len(_ROLES))
    # Away now: marked away, or inside a dated away period. CURRENT_TIMESTAMP is UTC text on
    # SQLite, in the form Django stores its datetimes, so the comparison holds on both.
    on_leave = (
        f"EXISTS (SELECT 1 FROM {away} ap WHERE ap.user_id = u.id "  # noqa: S608 (names, not input)
        "AND ap.ends_at > CURRENT_TIMESTAMP AND ap.starts_at <= CURRENT_TIMESTAMP)"
    )
    return (
        f"FROM {links} tm JOIN {users} u ON u.id = tm.user_id "
        f"WHERE tm.team_id = {team_id} AND u.is_active AND NOT u.is_away AND NOT {on_leave} "
        f"AND u.role IN ({roles})"
    )


@fastsql.per_vendor
def _members_sql(db: BaseDatabaseWrapper) -> str:
    fields = ", ".join(f"u.{db.ops.quote_name(name)}" for name in _PICKED_FIELDS)
    return fastsql.prepared(f"SELECT {fields} {_available_sql(db, '%s')} ORDER BY u.id")


@fastsql.per_vendor
def _turn_sql(db: BaseDatabaseWrapper) -> str:
    """The statement of ``_take_turn``, written once per process: ticket creation runs it
    often, and composing it through the ORM cost more than PostgreSQL takes to run it."""
    quote = db.ops.quote_name
    table, cursor_column = quote(Team._meta.db_table), quote("last_assigned_id")
    users = quote(User._meta.db_table)
    chosen = f"{table}.{cursor_column}"
    available = f"SELECT u.id {_available_sql(db, f'{table}.id')}"
    member = f"FROM {users} u WHERE u.id = {chosen} AND u.id IN ({available})"
    fields = ", ".join(f"(SELECT u.{quote(name)} {member})" for name in _PICKED_FIELDS)
    return fastsql.prepared(
        f"UPDATE {table} SET {cursor_column} = COALESCE("  # noqa: S608 (names, not input)
        f"(SELECT MIN(m.id) FROM ({available}) m WHERE m.id > COALESCE({chosen}, 0)),"
        f"(SELECT MIN(m.id) FROM ({available}) m),"
        f"{chosen}) "
        f"WHERE {table}.id = %s RETURNING {fields}"
    )


def _open_counts(members: list[User]) -> dict[str, int]:
    """Each member's open tickets, keyed by id as text (the form JSON keeps)."""
    # One count per member (a correlated subquery) rather than one GROUP BY over all of
    # them: each is an index-only range of the (assignee, status) index, where the grouped
    # form made PostgreSQL visit every open ticket's row (3x slower at 14,000 open tickets).
    open_of_member = (
        Ticket.objects.filter(assignee_id=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("*"))  # not Count("pk"): the id would have to come from the row
        .values("n")
    )
    counts = (
        User.objects.filter(pk__in=[m.pk for m in members])
        .order_by()
        .annotate(n=Coalesce(Subquery(open_of_member), 0))
        .values_list("pk", "n")
    )
    return {str(pk): int(n) for pk, n in counts}
