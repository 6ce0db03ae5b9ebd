"""An agent's list sorted by team or organisation walks only the groups that hold tickets the
agent may read, and still shows every such ticket, in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sustain.accounts.choices import Role
from sustain.accounts.models import Team, User
from sustain.core.pagination import paginate_by_name
from sustain.desk.queue_forms import NAME_SORTS
from sustain.factories import make_organisation, make_team, make_user
from sustain.tickets.filters import filter_tickets
from sustain.tickets.models import Ticket
from sustain.tickets.selectors import teams_holding_visible, visible_tickets

WALK, SORT = 0, 1_000_000  # thresholds that send every list through the walk, or the sort


@pytest.fixture
def spread(
    make_ticket: Callable[..., Ticket],
    admin: User,
    alice: User,
    support: Team,
    platform: Team,
) -> dict[str, Any]:
    """alice is in Support. Initech's tickets are all Platform's; Aperture's are Support's,
    Gringotts' and Hooli's wait in triage (no team), and one Umbrella ticket in Ops was
    assigned to alice before she left Ops."""
    names = ["Initech", "Aperture", "Gringotts", "Umbrella", "Hooli"]
    orgs = {name: make_organisation(name) for name in names}
    customers = {
        name: make_user(
            f"{name.lower()}@customers.test",
            full_name=f"{name} buyer",
            role=Role.CUSTOMER,
            organisation=orgs[name],
        )
        for name in names
    }
    ops = make_team("Ops")
    placed = [
        ("Initech", platform, None),
        ("Initech", platform, None),
        ("Aperture", support, None),
        ("Aperture", support, alice),
        ("Gringotts", None, None),
        ("Umbrella", ops, alice),
        ("Umbrella", ops, None),
        ("Hooli", None, None),
        ("Aperture", support, None),
    ]
    for org, team, assignee in placed:
        ticket = make_ticket(admin, organisation=orgs[org], requester=customers[org])
        Ticket.objects.filter(pk=ticket.pk).update(team=team, assignee=assignee)
    return {"orgs": orgs, "customers": customers, "ops": ops}


def _expected(user: User, relation: str, descending: bool) -> list[int]:
    rows = visible_tickets(user).select_related(relation)
    keyed = []
    unsorted = []
    for ticket in rows:
        group = getattr(ticket, relation)
        if group is None:
            unsorted.append(ticket.pk)
        else:
            name = group.full_name if isinstance(group, User) else group.name
            keyed.append((name, group.pk, ticket.pk))
    ordered = [pk for _, _, pk in sorted(keyed, reverse=descending)]
    return ordered + sorted(unsorted, reverse=descending)


def _pages(user: User, relation: str, descending: bool, small: int, limit: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(30):
        page = paginate_by_name(
            filter_tickets(user, {}),
            NAME_SORTS[relation](user),
            descending=descending,
            cursor=cursor,
            limit=limit,
            small=small,
        )
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


def test_an_agent_holds_their_teams_and_the_teams_of_their_tickets(
    spread: dict[str, Any], alice: User, admin: User, support: Team, bob: User
) -> None:
    assert teams_holding_visible(alice) == {support.pk, spread["ops"].pk}
    assert teams_holding_visible(admin) is None
    assert teams_holding_visible(bob) is None


def test_only_groups_with_tickets_the_agent_may_read_are_walked(
    spread: dict[str, Any], alice: User, admin: User, support: Team, platform: Team
) -> None:
    orgs = NAME_SORTS["organisation"](alice).groups
    teams = NAME_SORTS["team"](alice).groups
    requesters = NAME_SORTS["requester"](alice).groups

    assert sorted(o.name for o in orgs) == ["Aperture", "Gringotts", "Hooli", "Umbrella"]
    assert sorted(t.name for t in teams) == ["Ops", "Support"]
    # Initech's buyer asked only for Platform's tickets: not walked.
    assert sorted(u.full_name for u in requesters) == [
        "Aperture buyer",
        "Gringotts buyer",
        "Hooli buyer",
        "Umbrella buyer",
    ]
    assert alice in NAME_SORTS["assignee"](alice).groups
    assert NAME_SORTS["team"](admin).groups.count() == Team.objects.count()


@pytest.mark.parametrize("relation", ["team", "organisation", "requester", "assignee"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("small", [WALK, SORT], ids=["walk", "sort"])
@pytest.mark.parametrize("limit", [1, 2, 20])
def test_an_agents_sorted_pages_show_every_ticket_they_may_read(
    spread: dict[str, Any],
    alice: User,
    relation: str,
    descending: bool,
    small: int,
    limit: int,
) -> None:
    shown = _pages(alice, relation, descending, small, limit)

    assert shown == _expected(alice, relation, descending)
    # Platform's Initech tickets stay out; Umbrella's unassigned Ops ticket too.
    assert len(shown) == 6
