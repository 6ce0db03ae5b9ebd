"""Lists sorted by a related name: the group walk and the plain sort give one order and one
cursor format, so pages meet without gaps whichever way each page was found."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from sustain.accounts.choices import STAFF_ROLES
from sustain.accounts.models import Team, User
from sustain.core import pagination
from sustain.core.errors import ValidationFailed
from sustain.core.pagination import NameSort, paginate_by_name
from sustain.factories import make_user
from sustain.tickets.filters import filter_tickets
from sustain.tickets.models import Ticket

WALK = 0  # "small" threshold that sends every list through the group walk
SORT = 1_000_000  # one that sorts every list


@pytest.fixture
def assigned(
    admin: User, make_ticket: Callable[..., Ticket], bob: User, support: Team
) -> list[Ticket]:
    """Eleven tickets: two agents share a name, one agent holds none, three are unassigned."""
    ann_1 = make_user("ann1@sustain.test", full_name="Ann")
    ann_2 = make_user("ann2@sustain.test", full_name="Ann")
    ben = make_user("ben@sustain.test")
    make_user("cy@sustain.test")  # no tickets: the walk passes over an empty group
    owners: list[User | None] = [ben, ann_2, None, ann_1, ben, ann_2, None, ann_1, ben, None, ann_2]
    made = []
    for owner in owners:
        ticket = make_ticket(bob, title="Printer jams")
        Ticket.objects.filter(pk=ticket.pk).update(assignee=owner, team=support)
        made.append(ticket)
    return made


def expected(tickets: list[Ticket], descending: bool) -> list[int]:
    rows = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).select_related("assignee")
    keyed = [(t.assignee.full_name, t.assignee_id, t.pk) for t in rows if t.assignee]
    ordered = sorted(keyed, reverse=descending)
    unassigned = sorted((t.pk for t in rows if t.assignee is None), reverse=descending)
    return [pk for _, _, pk in ordered] + unassigned


def by_assignee() -> NameSort:
    return NameSort("assignee", "full_name", User.objects.filter(role__in=STAFF_ROLES))


def all_pages(queryset: Any, descending: bool, thresholds: list[int], limit: int) -> list[int]:
    """Every page in turn, page n found with thresholds[n % len(thresholds)]."""
    seen: list[int] = []
    cursor = None
    for number in range(50):
        page = paginate_by_name(
            queryset,
            by_assignee(),
            descending=descending,
            cursor=cursor,
            limit=limit,
            small=thresholds[number % len(thresholds)],
        )
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 3, 20])
@pytest.mark.parametrize(
    "thresholds", [[WALK], [SORT], [WALK, SORT], [SORT, WALK]], ids=["walk", "sort", "ws", "sw"]
)
def test_pages_follow_name_then_person_then_number_with_unassigned_last(
    assigned: list[Ticket], descending: bool, limit: int, thresholds: list[int]
) -> None:
    tickets = Ticket.objects.filter(pk__in=[t.pk for t in assigned])
    assert all_pages(tickets, descending, thresholds, limit) == expected(assigned, descending)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 3, 20])
@pytest.mark.parametrize(
    "thresholds", [[WALK], [SORT], [WALK, SORT], [SORT, WALK]], ids=["walk", "sort", "ws", "sw"]
)
def test_previous_pages_are_the_pages_seen_going_forward(
    assigned: list[Ticket], descending: bool, limit: int, thresholds: list[int]
) -> None:
    tickets = Ticket.objects.filter(pk__in=[t.pk for t in assigned])

    def page(cursor: str | None, number: int) -> pagination.Page[int]:
        return paginate_by_name(
            tickets,
            by_assignee(),
            descending=descending,
            cursor=cursor,
            limit=limit,
            small=thresholds[number % len(thresholds)],
        )

    forward = [page(None, 0)]
    while forward[-1].next_cursor:
        forward.append(page(forward[-1].next_cursor, len(forward)))
    back = [forward[-1]]
    while back[-1].prev_cursor:
        # Found the other way than going forward, where the thresholds alternate.
        back.append(page(back[-1].prev_cursor, len(back) + 1))

    assert [p.items for p in reversed(back)] == [p.items for p in forward]
    assert [pk for p in forward for pk in p.items] == expected(assigned, descending)
    assert forward[0].prev_cursor is None


def test_the_walk_respects_the_filters_and_visibility(
    assigned: list[Ticket], alice: User, dave: User
) -> None:
    # dave sees none of the Support team's tickets except those assigned to him
    Ticket.objects.filter(pk=assigned[0].pk).update(assignee=dave)
    for threshold in (WALK, SORT):
        page = paginate_by_name(
            filter_tickets(dave, {}),
            by_assignee(),
            descending=False,
            cursor=None,
            limit=10,
            small=threshold,
        )
        assert page.items == [assigned[0].pk]
    everything = filter_tickets(alice, {"q": "printer"})
    assert all_pages(everything, False, [WALK], 4) == expected(assigned, False)


def test_few_groups_per_query(assigned: list[Ticket], django_assert_max_num_queries: Any) -> None:
    # a count, one batch of groups (one query for their rows), the unassigned rest; on
    # PostgreSQL also the time limit's savepoint, setting and restoring
    limit = 8 if connection.vendor == "postgresql" else 4
    with django_assert_max_num_queries(limit):
        page = paginate_by_name(
            Ticket.objects.all(),
            by_assignee(),
            descending=False,
            cursor=None,
            limit=50,
            small=WALK,
        )
    assert len(page.items) == len(assigned)


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WyJhIiwgImIiLCAxXQ", "WzEsIDJd"])
def test_a_forged_cursor_is_refused(assigned: list[Ticket], cursor: str) -> None:
    with pytest.raises(ValidationFailed):
        paginate_by_name(
            Ticket.objects.all(), by_assignee(), descending=False, cursor=cursor, limit=5
        )


@pytest.mark.postgres
def test_a_walk_that_runs_too_long_gives_way_to_the_sort(
    assigned: list[Ticket], monkeypatch: pytest.MonkeyPatch
) -> None:
    walked = pagination._walked_page

    def slow_walk(*args: Any) -> Any:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.2)")
        return walked(*args)

    monkeypatch.setattr(pagination, "_walked_page", slow_walk)
    page = paginate_by_name(
        Ticket.objects.all(),
        by_assignee(),
        descending=False,
        cursor=None,
        limit=50,
        small=WALK,
        walk_timeout_ms=50,
    )
    assert page.items == expected(assigned, descending=False)
    with connection.cursor() as cursor:  # the limit does not outlive the walk
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
