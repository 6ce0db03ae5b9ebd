"""Automatic assignment within a team: round-robin or fewest open tickets."""

from __future__ import annotations

from django.db.models import Count

from sustain.accounts.choices import TICKET_WRITER_ROLES, AssignmentStrategy
from sustain.accounts.models import Team, User
from sustain.tickets.choices import OPEN_STATUSES
from sustain.tickets.models import Ticket


def available_members(team: Team) -> list[User]:
    """Members who can take work now, in a stable order."""
    members = team.members.filter(is_active=True, is_away=False, role__in=TICKET_WRITER_ROLES)
    # Only what assignment and its notification read: teams can be large.
    return list(members.only("id", "email", "full_name", "role", "is_active").order_by("pk"))


def pick_assignee(team: Team) -> User | None:
    """The member the team's strategy chooses, or None for manual teams or nobody available.

    Runs in a transaction: the team row is locked while the cursor moves, so two concurrent
    tickets never take the same round-robin turn. Ticket creation commits that before it
    writes the ticket, so "fewest open" counts what is committed; the cursor breaks its ties
    (the member picked last goes after the others).
    """
    if team.assignment_strategy == AssignmentStrategy.MANUAL:
        return None
    locked = Team.objects.select_for_update().get(pk=team.pk)
    members = available_members(locked)
    if not members:
        return None
    if locked.assignment_strategy == AssignmentStrategy.ROUND_ROBIN:
        chosen = _next_in_turn(members, locked.last_assigned_id)
    else:
        chosen = _fewest_open(members, locked.last_assigned_id)
    Team.objects.filter(pk=locked.pk).update(last_assigned=chosen)
    return chosen


def _next_in_turn(members: list[User], last_id: int | None) -> User:
    if last_id is None:
        return members[0]
    for member in members:
        if member.pk > last_id:
            return member
    return members[0]


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
