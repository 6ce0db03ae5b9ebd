"""GET /api/v1/tickets: filters, ordering and cursor pages of the ticket list.

Who may call what is in tests/test_permission_matrix.py; this file checks what the calls do.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sustain.core.testing import V1, assert_problem
from sustain.tickets import services
from sustain.tickets.models import Ticket
from sustain.tickets.tests.conftest import numbers


@pytest.fixture
def queue(make_ticket, admin, alice, bob, carol, support, platform) -> dict[str, Ticket]:
    """Three tickets an administrator sees, each different in every filterable way."""
    sync = make_ticket(
        admin,
        title="Nightly sync stops halfway",
        requester=bob,
        team=support,
        assignee=alice,
        impact="high",
        urgency="high",
        kind="incident",
        tags=["sync"],
    )
    invoice = make_ticket(
        admin,
        title="Invoice total is wrong",
        requester=carol,
        team=platform,
        impact="low",
        urgency="low",
        kind="bug",
        tags=["billing"],
    )
    services.transition_ticket(actor=admin, ref=invoice.pk, status="open")
    upgrade = make_ticket(
        admin,
        title="Plan the database upgrade",
        team=support,
        kind="problem",
        tags=["sync", "db"],
    )
    services.transition_ticket(actor=admin, ref=upgrade.pk, status="pending_customer")
    return {"sync": sync, "invoice": invoice, "upgrade": upgrade}


def _resolve(value: Any, world: dict[str, Any]) -> Any:
    """'$support' → the support team's id, '$sync' → that ticket's number, lists element-wise."""
    if isinstance(value, list):
        return [_resolve(v, world) for v in value]
    if isinstance(value, str) and value.startswith("$"):
        obj = world[value[1:]]
        return obj.number if isinstance(obj, Ticket) else obj.pk
    return value


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"sync", "invoice", "upgrade"}),
        ({"status": "new"}, {"sync"}),
        ({"status": ["open", "pending_customer"]}, {"invoice", "upgrade"}),
        ({"priority": 1}, {"sync"}),
        ({"priority": [3, 4]}, {"invoice", "upgrade"}),
        ({"kind": "bug"}, {"invoice"}),
        ({"kind": ["incident", "problem"]}, {"sync", "upgrade"}),
        ({"team": "$support"}, {"sync", "upgrade"}),
        ({"team": "$platform"}, {"invoice"}),
        ({"assignee": "none"}, {"invoice", "upgrade"}),
        ({"assignee": "$alice"}, {"sync"}),
        ({"organisation": "$acme"}, {"sync"}),
        ({"organisation": "$globex"}, {"invoice"}),
        ({"requester": "$carol"}, {"invoice"}),
        ({"tag": "sync"}, {"sync", "upgrade"}),
        ({"tag": "DB"}, {"upgrade"}),
        ({"tag": "nope"}, set()),
        ({"q": "invoice"}, {"invoice"}),
        ({"q": "SYNC"}, {"sync"}),
        # Words of the title, in any order.
        ({"q": "sync nightly"}, {"sync"}),
        ({"q": "upgrade database"}, {"upgrade"}),
        ({"q": "sync database"}, set()),
        ({"tag": "sync", "team": "$support", "status": "new"}, {"sync"}),
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else None,
)
def test_list_filters(
    api_client, admin, queue, acme, globex, support, platform, alice, carol, query, expected
):
    world = {
        **queue,
        "acme": acme,
        "globex": globex,
        "support": support,
        "platform": platform,
        "alice": alice,
        "carol": carol,
    }
    params = {k: _resolve(v, world) for k, v in query.items()}

    response = api_client(admin).get(f"{V1}/tickets", params)

    assert set(numbers(response)) == {queue[name].number for name in expected}


@pytest.mark.parametrize("ref", ["{number}", "{lower}", "{pk}"])
def test_list_finds_a_ticket_by_its_number(api_client, admin, queue, ref):
    ticket = queue["invoice"]
    q = ref.format(number=ticket.number, lower=ticket.number.lower(), pk=ticket.pk)

    assert numbers(api_client(admin).get(f"{V1}/tickets", {"q": q})) == [ticket.number]


def test_list_assignee_me_is_the_caller(api_client, alice, queue):
    assert numbers(api_client(alice).get(f"{V1}/tickets", {"assignee": "me"})) == [
        queue["sync"].number
    ]


def test_list_updated_since(api_client, admin, queue):
    Ticket.objects.filter(pk=queue["sync"].pk).update(
        updated_at=timezone.now() - timedelta(days=10)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()

    response = api_client(admin).get(f"{V1}/tickets", {"updated_since": since})

    assert set(numbers(response)) == {queue["invoice"].number, queue["upgrade"].number}


@pytest.mark.parametrize(
    "query",
    [
        {"assignee": "someone"},
        {"status": "bogus"},
        {"limit": 0},
        {"limit": 201},
        {"ordering": "title"},
        {"updated_since": "yesterday"},
        # Without an offset the moment is ambiguous.
        {"updated_since": "2026-01-01T00:00:00"},
    ],
    ids=lambda q: json.dumps(q),
)
def test_list_refuses_bad_filters(api_client, admin, query):
    response = api_client(admin).get(f"{V1}/tickets", query)

    problem = assert_problem(response, 422)
    # List items are named with their index, e.g. "status.0".
    assert {key.split(".")[0] for key in problem["errors"]} == set(query)


def test_list_shapes_each_ticket(api_client, admin, queue, acme, alice):
    items = api_client(admin).get(f"{V1}/tickets", {"q": queue["sync"].number}).json()["items"]

    assert len(items) == 1
    item = items[0]
    assert item["organisation"] == {"id": acme.pk, "name": "Acme"}
    assert item["assignee"]["email"] == alice.email
    assert item["tags"] == ["sync"]
    assert item["url"].endswith(f"/tickets/{queue['sync'].number}")
    assert "watchers" not in item  # detail only


@pytest.fixture
def ordered(make_ticket, admin) -> list[Ticket]:
    """Four tickets whose created, updated and priority orders all differ."""
    now = timezone.now()
    tickets = []
    for i, (created, updated, priority) in enumerate([(4, 2, 3), (3, 4, 1), (2, 1, 4), (1, 3, 2)]):
        ticket = make_ticket(admin, title=f"Ticket {i}")
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=now - timedelta(hours=created),
            updated_at=now - timedelta(hours=updated),
            priority=priority,
        )
        tickets.append(ticket)
    return tickets


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-updated_at", [2, 0, 3, 1]),
        ("updated_at", [1, 3, 0, 2]),
        ("-created_at", [3, 2, 1, 0]),
        ("created_at", [0, 1, 2, 3]),
        ("priority", [1, 3, 0, 2]),
        ("-priority", [2, 0, 3, 1]),
        ("number", [0, 1, 2, 3]),
        ("-number", [3, 2, 1, 0]),
    ],
)
def test_list_ordering(api_client, admin, ordered, ordering, expected):
    response = api_client(admin).get(f"{V1}/tickets", {"ordering": ordering})

    assert numbers(response) == [ordered[i].number for i in expected]


def test_number_ordering_pages_with_cursors(api_client, admin, ordered):
    first = api_client(admin).get(f"{V1}/tickets", {"ordering": "-number", "limit": 2}).json()
    cursor = first["next_cursor"]
    second = (
        api_client(admin)
        .get(f"{V1}/tickets", {"ordering": "-number", "limit": 2, "cursor": cursor})
        .json()
    )
    seen = [t["number"] for t in first["items"] + second["items"]]
    assert seen == [ordered[i].number for i in (3, 2, 1, 0)]


def test_default_ordering_is_most_recently_updated_first(api_client, admin, ordered):
    assert numbers(api_client(admin).get(f"{V1}/tickets")) == [
        ordered[i].number for i in (2, 0, 3, 1)
    ]


def _walk(client, params: dict[str, Any]) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        response = client.get(f"{V1}/tickets", {**params, **({"cursor": cursor} if cursor else {})})
        pages.append(numbers(response))
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize(
    "ordering", ["-updated_at", "updated_at", "-created_at", "created_at", "priority", "-priority"]
)
def test_cursor_walks_every_ticket_exactly_once(api_client, admin, make_ticket, ordering):
    tickets = [make_ticket(admin, title=f"Ticket {i}") for i in range(8)]
    # Ties everywhere: only the id can break them, so the cursor must carry it.
    same = timezone.now()
    Ticket.objects.update(created_at=same, updated_at=same)
    for ticket in tickets[::3]:
        Ticket.objects.filter(pk=ticket.pk).update(priority=1, updated_at=same - timedelta(1))
    client = api_client(admin)

    everything = numbers(client.get(f"{V1}/tickets", {"ordering": ordering, "limit": 200}))
    pages = _walk(client, {"ordering": ordering, "limit": 3})

    assert [len(p) for p in pages] == [3, 3, 2]
    assert [n for page in pages for n in page] == everything
    assert sorted(everything) == sorted(t.number for t in tickets)


def test_cursor_keeps_the_filters(api_client, admin, make_ticket):
    for i in range(5):
        make_ticket(admin, title=f"Ticket {i}", tags=["sync"] if i % 2 else [])

    pages = _walk(api_client(admin), {"tag": "sync", "limit": 1})

    assert [len(p) for p in pages] == [1, 1]


def test_last_page_has_no_cursor(api_client, admin, make_ticket):
    make_ticket(admin)

    assert api_client(admin).get(f"{V1}/tickets", {"limit": 1}).json()["next_cursor"] is None


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("ordering", "cursor"),
    [
        ("-updated_at", "not-a-cursor!"),
        ("-updated_at", _cursor({"a": 1})),
        ("-updated_at", _cursor([1, 2, 3])),
        # Decodes, but the values are not what the ordering needs.
        ("-updated_at", _cursor(["yesterday", 1])),
        ("priority", _cursor(["high", 1])),
        ("-created_at", _cursor(["2026-01-01T00:00:00+00:00", "x"])),
    ],
)
def test_bad_cursor_is_a_problem_naming_cursor(api_client, admin, make_ticket, ordering, cursor):
    make_ticket(admin)

    response = api_client(admin).get(f"{V1}/tickets", {"ordering": ordering, "cursor": cursor})

    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == ["cursor"]


def test_ticket_list_answer_matches_its_documented_schema(
    api_client, make_ticket, admin, alice, product
):
    from sustain.tickets.schemas import TicketPage

    make_ticket(alice, assignee=alice, product=product, tags=["sync"], watchers=[alice])
    make_ticket(admin, impact="high", urgency="high")
    body = api_client(admin).get(f"{V1}/tickets").json()

    page = TicketPage.model_validate(body)

    assert len(page.items) == 2
    assert page.model_dump(mode="json") == body


def test_a_customer_sees_the_last_change_they_can_see_in_times_order_and_filters(
    api_client, bob, alice, make_ticket
):
    older, newer = make_ticket(bob, title="Older"), make_ticket(bob, title="Newer")
    now = timezone.now()
    for ticket, hours in ((older, 2), (newer, 1)):
        at = now - timedelta(hours=hours)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=at, public_updated_at=at)
    services.add_message(actor=alice, ref=older.pk, body="Internal: vendor bug", internal=True)
    older.refresh_from_db()
    assert older.updated_at > older.public_updated_at
    client = api_client(bob)

    listed = client.get(f"{V1}/tickets").json()["items"]
    assert [t["number"] for t in listed] == [newer.number, older.number]
    assert listed[1]["updated_at"] == older.public_updated_at.isoformat().replace("+00:00", "Z")
    detail = client.get(f"{V1}/tickets/{older.number}").json()
    assert detail["updated_at"] == listed[1]["updated_at"]
    since = (now - timedelta(minutes=90)).isoformat()
    assert numbers(client.get(f"{V1}/tickets", {"updated_since": since})) == [newer.number]
    ascending = client.get(f"{V1}/tickets", {"ordering": "updated_at"})
    assert numbers(ascending) == [older.number, newer.number]

    # Staff see every change.
    staff = numbers(api_client(alice).get(f"{V1}/tickets", {"updated_since": since}))
    assert older.number in staff
