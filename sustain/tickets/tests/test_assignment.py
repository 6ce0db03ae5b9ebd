"""Automatic assignment: who may be picked, stated once for both strategies.

Round-robin chooses in one UPDATE while "fewest open" reads the members first; both build
on one SQL rule, and these tests hold both strategies to it: a member is available when
active, not away, in the team, and in a role that writes tickets.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from sustain.accounts.choices import AssignmentStrategy, Role
from sustain.accounts.models import AwayPeriod, Team, User
from sustain.core.models import OutboxMessage
from sustain.factories import make_team
from sustain.tickets import assignment
from sustain.tickets.models import Ticket

STRATEGIES = [
    pytest.param(AssignmentStrategy.ROUND_ROBIN, id="round-robin"),
    pytest.param(AssignmentStrategy.FEWEST_OPEN, id="fewest-open"),
]


def _away(team: Team, user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_away=True)


def _on_leave(team: Team, user: User) -> None:
    now = timezone.now()
    AwayPeriod.objects.create(
        user=user, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1)
    )


def _inactive(team: Team, user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def _removed(team: Team, user: User) -> None:
    team.members.remove(user)


def _read_only(team: Team, user: User) -> None:
    User.objects.filter(pk=user.pk).update(role=Role.VIEWER)


# Every way of not being available. A new rule belongs here, and then holds for both.
UNAVAILABLE = [
    pytest.param(_away, id="away"),
    pytest.param(_on_leave, id="in-an-away-period"),
    pytest.param(_inactive, id="inactive"),
    pytest.param(_removed, id="removed-from-team"),
    pytest.param(_read_only, id="read-only-role"),
]

MakeUnavailable = Callable[[Team, User], None]


@pytest.fixture
def duo(make_ticket, lead, alice, dave) -> Callable[[str], Team]:
    """A team of alice and dave; alice already has three open tickets of it."""

    def make(strategy: str) -> Team:
        team = make_team(f"Duo {strategy}", members=[alice, dave], assignment_strategy=strategy)
        for _ in range(3):
            make_ticket(lead, team=team, assignee=alice)
        return team

    return make


def picks(team: Team, count: int) -> list[User | None]:
    return [assignment.pick_assignee(team) for _ in range(count)]


def team_state(team: Team) -> tuple[object, ...]:
    team.refresh_from_db()
    return (team.last_assigned_id, team.member_load, team.member_load_counted_at)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_with_everyone_available_both_members_get_work(duo, strategy, alice, dave):
    team = duo(strategy)

    chosen = picks(team, 5)

    assert set(chosen) == {alice, dave}
    assert [m.pk for m in assignment.available_members(team)] == sorted([alice.pk, dave.pk])


@pytest.mark.parametrize("make_unavailable", UNAVAILABLE)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_an_unavailable_member_is_never_picked(
    duo, strategy, make_unavailable: MakeUnavailable, alice, dave
):
    team = duo(strategy)
    # Warm up: dave takes work while available, so the round-robin cursor and the "fewest
    # open" counts (alice 3, dave 2: fresh, so not counted again) would both choose him next.
    assert dave in picks(team, 2)

    make_unavailable(team, dave)

    assert picks(team, 3) == [alice, alice, alice]
    assert assignment.available_members(team) == [alice]


@pytest.mark.parametrize("make_unavailable", UNAVAILABLE)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_with_nobody_available_tickets_stay_unassigned_and_the_team_is_untouched(
    duo, strategy, make_unavailable: MakeUnavailable, make_ticket, lead, alice, dave, bob
):
    team = duo(strategy)
    picks(team, 1)
    before = team_state(team)
    make_unavailable(team, alice)
    make_unavailable(team, dave)

    assert picks(team, 2) == [None, None]
    ticket = make_ticket(lead, team=team, requester=bob)

    assert ticket.assignee is None
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None
    assert team_state(team) == before
    # Only the requester hears of the new ticket: no member was handed it.
    assert list(
        OutboxMessage.objects.filter(
            idempotency_key__startswith=f"ticket:{ticket.pk}:"
        ).values_list("payload__to", flat=True)
    ) == [[bob.email]]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_assignment_resumes_when_a_member_is_back(duo, strategy, alice, dave):
    team = duo(strategy)
    User.objects.filter(pk__in=[alice.pk, dave.pk]).update(is_away=True)
    assert assignment.pick_assignee(team) is None

    User.objects.filter(pk=dave.pk).update(is_away=False)

    assert picks(team, 2) == [dave, dave]


def test_fewest_open_skips_an_away_member_with_the_fewest_tickets(
    duo, make_ticket, lead, alice, dave
):
    team = duo(AssignmentStrategy.FEWEST_OPEN)
    User.objects.filter(pk=dave.pk).update(is_away=True)

    # dave has none open and alice three, yet every ticket goes to alice.
    tickets = [make_ticket(lead, team=team) for _ in range(3)]

    assert [t.assignee for t in tickets] == [alice, alice, alice]
    team.refresh_from_db()
    assert team.member_load == {str(alice.pk): 6}


def test_fewest_open_skips_an_inactive_member_with_the_fewest_tickets(
    duo, make_ticket, lead, alice, dave
):
    team = duo(AssignmentStrategy.FEWEST_OPEN)
    User.objects.filter(pk=dave.pk).update(is_active=False)

    tickets = [make_ticket(lead, team=team) for _ in range(2)]

    assert [t.assignee for t in tickets] == [alice, alice]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_the_picked_member_is_a_writer_of_the_team(duo, strategy, admin, viewer, bob, alice, dave):
    """Other roles in a team's member list (a viewer, a customer) are passed over; an admin
    who is a member takes turns like anyone."""
    team = duo(strategy)
    team.members.add(viewer, bob, admin)

    chosen = {assignment.pick_assignee(team) for _ in range(9)}

    assert chosen == {alice, dave, admin}


def test_a_manual_team_never_picks(duo, alice, dave):
    team = duo(AssignmentStrategy.MANUAL)

    assert picks(team, 2) == [None, None]
    assert team_state(team) == (None, {}, None)
