"""The lists of tickets agree: the same filter parameters give the same tickets, in the same
order, in the API (``GET /api/v1/tickets``), the agent's queue and the customer portal, for
every persona. All of them narrow ``visible_tickets`` through ``tickets/filters.py``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sustain.accounts.models import Organisation, Team, User
from sustain.factories import make_token
from sustain.tickets.choices import OPEN_STATUSES
from sustain.tickets.filters import FINISHED
from sustain.tickets.models import Ticket

pytestmark = pytest.mark.django_db

STAFF = ("admin", "lead", "alice", "dave", "viewer")


@pytest.fixture
def people(
    admin: User,
    lead: User,
    alice: User,
    dave: User,
    viewer: User,
    bob: User,
    bob_colleague: User,
    acme_admin: User,
    carol: User,
) -> dict[str, User]:
    return {
        "admin": admin,
        "lead": lead,
        "alice": alice,
        "dave": dave,
        "viewer": viewer,
        "bob": bob,
        "bob_colleague": bob_colleague,
        "acme_admin": acme_admin,
        "carol": carol,
    }


@pytest.fixture
def world(
    make_ticket: Callable[..., Ticket],
    people: dict[str, User],
    support: Team,
    platform: Team,
    acme: Organisation,
    globex: Organisation,
) -> dict[str, Any]:
    """Tickets of both teams and none, of both organisations, assigned or not, tagged or not,
    in every status."""
    admin, alice, dave = people["admin"], people["alice"], people["dave"]
    shapes = [
        {"requester": people["bob"], "team": support, "assignee": alice, "tags": ["sync"]},
        {"requester": people["carol"], "team": platform, "assignee": dave, "kind": "bug"},
        {"requester": people["bob_colleague"], "team": platform, "tags": ["sync", "db"]},
        {"requester": people["acme_admin"], "team": support, "kind": "problem", "impact": "high"},
        {"requester": people["bob_colleague"], "team": support, "watchers": [people["bob"]]},
        {"requester": people["bob"], "team": platform, "assignee": dave, "urgency": "low"},
    ]
    statuses = ["new", "open", "pending_customer", "pending_third_party", "resolved", "closed"]
    made = []
    for n, (shape, status) in enumerate(zip(shapes * 2, statuses + statuses[::-1], strict=True)):
        ticket = make_ticket(admin, title=f"Printer {n} sync failure", **shape)
        Ticket.objects.filter(pk=ticket.pk).update(status=status)
        made.append(ticket)
    made.append(make_ticket(people["bob"], title="Printer in the triage queue"))
    return {
        **people,
        "support": support,
        "platform": platform,
        "acme": acme,
        "globex": globex,
        "tickets": made,
    }


def _params(query: dict[str, Any], world: dict[str, Any]) -> dict[str, Any]:
    """'$support' → the support team's id; lists element-wise."""

    def one(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("$"):
            return str(world[value[1:]].pk)
        return value

    return {
        k: [one(v) for v in value] if isinstance(value, list) else one(value)
        for k, value in query.items()
    }


def api_numbers(world: dict[str, Any], who: str, params: dict[str, Any]) -> list[str]:
    _, raw = make_token(world[who], name=f"lists {len(params)}")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = client.get("/api/v1/tickets", {**params, "limit": 200})
    assert response.status_code == 200, response.content
    return [t["number"] for t in response.json()["items"]]


def session(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def queue_numbers(world: dict[str, Any], who: str, params: dict[str, Any]) -> list[str]:
    response = session(world[who]).get("/tickets/", {"view": "all", "filtered": "1", **params})
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.context["rows"]]


SHARED_FILTERS = [
    {},
    {"status": ["new", "open"]},
    {"status": "closed"},
    {"priority": ["1", "3"]},
    {"kind": ["bug", "problem"]},
    {"team": "$support"},
    {"team": "$platform"},
    {"assignee": "me"},
    {"assignee": "none"},
    {"assignee": "$dave"},
    {"organisation": "$acme"},
    {"organisation": "$globex"},
    {"requester": "$carol"},
    {"tag": "sync"},
    {"tag": "DB"},
    {"q": "printer sync"},
    {"q": "3 printer"},
    {"status": "new", "team": "$support", "tag": "sync", "q": "printer"},
]


@pytest.mark.parametrize("who", STAFF)
@pytest.mark.parametrize("query", SHARED_FILTERS, ids=json.dumps)
def test_the_api_and_the_queue_list_the_same_tickets(
    world: dict[str, Any], who: str, query: dict[str, Any]
) -> None:
    params = _params(query, world)

    from_api = api_numbers(world, who, params)

    assert queue_numbers(world, who, params) == from_api


def test_the_lists_are_not_all_empty(world: dict[str, Any]) -> None:
    # Guards the comparison above against agreeing on nothing.
    assert len(api_numbers(world, "alice", {})) == 7  # Support's six and the triage one
    assert len(queue_numbers(world, "dave", {"team": str(world["platform"].pk)})) == 6


@pytest.mark.parametrize(
    ("who", "scope"),
    [("bob", "mine"), ("carol", "mine"), ("acme_admin", "organisation")],
)
@pytest.mark.parametrize("tab", ["open", "closed"])
def test_the_portal_lists_what_the_api_gives_its_customer(
    world: dict[str, Any], who: str, scope: str, tab: str
) -> None:
    # A customer reads their own and watched tickets, so "mine" is everything the API gives
    # them; a customer admin's organisation tab is the API's organisation filter. (A customer
    # admin's "mine" has no API counterpart: the API lists their organisation's tickets too.)
    user = world[who]
    statuses = sorted(OPEN_STATUSES) if tab == "open" else FINISHED
    narrowing = {"organisation": str(user.organisation_id)} if scope == "organisation" else {}
    response = session(user).get("/portal/", {"tab": tab, "scope": scope})
    assert response.status_code == 200

    in_portal = [row["number"] for row in response.context["page"].items]

    assert in_portal == api_numbers(world, who, {"status": [str(s) for s in statuses], **narrowing})
    assert in_portal  # every customer here has tickets in both tabs
