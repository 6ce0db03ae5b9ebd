"""tickets/filters.py: each filter's values, several values, bad values, and visibility kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Product
from sustain.core.errors import ValidationFailed
from sustain.tickets import filters
from sustain.tickets.api import LIST_OPTIONS, TicketFilters
from sustain.tickets.filters import (
    TicketFilter,
    clean_filters,
    filter_params,
    filter_tickets,
    registered_filters,
)
from sustain.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    make_ticket: Callable[..., Ticket],
    admin: User,
    alice: User,
    bob: User,
    bob_colleague: User,
    carol: User,
    support: Team,
    platform: Team,
    product: Product,
) -> dict[str, Any]:
    """Four tickets that differ in every filterable way, and the people and groups they name."""
    sync = make_ticket(
        admin,
        title="Nightly sync stops halfway",
        requester=bob,
        team=support,
        assignee=alice,
        impact="high",
        urgency="high",
        product=product,
        tags=["sync"],
        watchers=[bob_colleague],
    )
    invoice = make_ticket(
        admin, title="Invoice total is wrong", requester=carol, team=platform, kind="bug"
    )
    upgrade = make_ticket(
        admin, title="Plan the database upgrade", requester=bob, kind="problem", tags=["sync", "db"]
    )
    triage = make_ticket(bob, title="Cannot log in")  # no team: the shared triage queue
    Ticket.objects.filter(pk=invoice.pk).update(status="resolved", impact="low", urgency="low")
    Ticket.objects.filter(pk=upgrade.pk).update(
        status="pending_customer", maintenance_type="adaptive", impact="low", urgency="low"
    )
    Ticket.objects.filter(pk=triage.pk).update(status="open", organisation=None)
    Ticket.objects.filter(pk=sync.pk).update(updated_at=timezone.now() - timedelta(days=3))
    return {
        "sync": sync,
        "invoice": invoice,
        "upgrade": upgrade,
        "triage": triage,
        "alice": alice,
        "bob": bob,
        "bob_colleague": bob_colleague,
        "carol": carol,
        "support": support,
        "platform": platform,
        "product": product,
    }


def _resolve(value: Any, world: dict[str, Any]) -> Any:
    """'$support' → the support team's id, '$sync' → that ticket's number, lists element-wise."""
    if isinstance(value, list):
        return [_resolve(v, world) for v in value]
    if isinstance(value, str) and value.startswith("$"):
        found = world[value[1:]]
        return found.number if isinstance(found, Ticket) else str(found.pk)
    return value


def matching(viewer: User, params: dict[str, Any], world: dict[str, Any]) -> set[str]:
    """The names of the world's tickets that ``viewer`` finds with these parameters."""
    cleaned = clean_filters(filter_params({k: _resolve(v, world) for k, v in params.items()}))
    found = set(filter_tickets(viewer, cleaned).values_list("pk", flat=True))
    return {name for name, t in world.items() if isinstance(t, Ticket) and t.pk in found}


EVERY = {"sync", "invoice", "upgrade", "triage"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, EVERY),
        ({"status": "new"}, {"sync"}),
        ({"status": ["open", "resolved"]}, {"triage", "invoice"}),
        ({"priority": "1"}, {"sync"}),
        ({"priority": ["3", "4"]}, {"invoice", "upgrade", "triage"}),
        ({"kind": "bug"}, {"invoice"}),
        ({"kind": ["bug", "problem"]}, {"invoice", "upgrade"}),
        ({"maintenance_type": "adaptive"}, {"upgrade"}),
        ({"maintenance_type": ["adaptive", "corrective"]}, {"upgrade"}),
        ({"team": "$platform"}, {"invoice"}),
        ({"team": "none"}, {"triage"}),
        ({"organisation": "none"}, {"triage"}),
        ({"assignee": "$alice"}, {"sync"}),
        ({"assignee": "none"}, {"invoice", "upgrade", "triage"}),
        ({"product": "$product"}, {"sync"}),
        ({"requester": "$carol"}, {"invoice"}),
        ({"involves": "$bob_colleague"}, {"sync"}),
        ({"involves": "$bob"}, {"sync", "upgrade", "triage"}),
        ({"tag": "sync"}, {"sync", "upgrade"}),
        ({"tag": "  DB "}, {"upgrade"}),
        ({"tag": "nobody-uses-this"}, set()),
        ({"updated_since": (timezone.now() - timedelta(days=1)).isoformat()}, EVERY - {"sync"}),
        ({"q": "sync NIGHTLY"}, {"sync"}),
        ({"q": "database upgrade"}, {"upgrade"}),
        ({"q": "sync database"}, set()),
        ({"q": "$invoice"}, {"invoice"}),
        ({"finished": "true"}, {"invoice"}),
        ({"finished": "false"}, EVERY - {"invoice"}),
        ({"tag": "sync", "team": "$support", "status": ["new", "open"]}, {"sync"}),
        # Blank values are no filter at all.
        ({"status": ["", " "], "q": "  ", "team": ""}, EVERY),
    ],
    ids=repr,
)
def test_each_filter_narrows_the_list(
    admin: User, world: dict[str, Any], params: dict[str, Any], expected: set[str]
) -> None:
    assert matching(admin, params, world) == expected


def test_me_is_the_viewer(alice: User, bob: User, world: dict[str, Any]) -> None:
    assert matching(alice, {"assignee": "me"}, world) == {"sync"}
    assert matching(bob, {"involves": "me"}, world) == {"sync", "upgrade", "triage"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "lost"}, "Select a valid choice. lost is not one of the available choices."),
        ({"status": ["new", "lost"]}, None),
        ({"priority": "7"}, "Select a valid choice. 7 is not one of the available choices."),
        ({"priority": "high"}, None),
        ({"kind": "outage"}, None),
        ({"maintenance_type": "weekly"}, None),
        ({"team": "support"}, "Choose a team."),
        ({"team": "-1"}, "Choose a team."),
        ({"organisation": "acme"}, "Choose an organisation."),
        ({"assignee": "someone"}, "Use a user id, 'me' or 'none'."),
        # Larger than any id the database holds.
        ({"assignee": "1" * 19}, "Use a user id, 'me' or 'none'."),
        ({"product": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"requester": "me"}, "Enter a whole number."),
        ({"involves": "none"}, "Use a user id or 'me'."),
        ({"tag": "x" * 51}, "Ensure this value has at most 50 characters (it has 51)."),
        ({"updated_since": "yesterday"}, None),
        ({"updated_since": "2026-01-01T00:00:00"}, "Give the time with a UTC offset or Z."),
        ({"q": "x" * 251}, "Ensure this value has at most 250 characters (it has 251)."),
        ({"finished": "maybe"}, None),
    ],
    ids=repr,
)
def test_a_bad_value_is_refused_naming_its_filter(
    params: dict[str, Any], message: str | None
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_filters(filter_params(params))
    [name] = params
    assert list(refused.value.errors) == [name]
    if message is not None:
        assert refused.value.errors[name] == [message]
        assert refused.value.detail == f"{name}: {message}"


def test_every_bad_filter_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_filters({"status": ["lost"], "assignee": ["someone"], "q": ["fine"]})
    assert set(refused.value.errors) == {"status", "assignee"}
    assert refused.value.detail == "Some fields are invalid: status, assignee."


@pytest.mark.parametrize(
    "params",
    [
        {"team": "$platform"},
        {"requester": "$carol"},
        {"kind": "bug"},
        {"status": "resolved"},
        {"finished": "true"},
        {"q": "$invoice"},
        {"q": "invoice"},
        {"assignee": "none"},
        {"involves": "$carol"},
    ],
    ids=repr,
)
def test_no_filter_reaches_past_what_the_viewer_may_see(
    alice: User, bob: User, admin: User, world: dict[str, Any], params: dict[str, Any]
) -> None:
    # Each of these finds the Platform team's invoice (carol's, of Globex) for an admin ...
    assert "invoice" in matching(admin, params, world)
    # ... and never for an agent of Support or for a customer of Acme.
    assert "invoice" not in matching(alice, params, world)
    assert "invoice" not in matching(bob, params, world)


def test_an_agent_sees_only_what_visibility_gives(alice: User, world: dict[str, Any]) -> None:
    assert matching(alice, {}, world) == {"sync", "upgrade", "triage"}
    assert matching(alice, {"team": "$platform"}, world) == set()


def test_a_customer_admin_sees_the_organisation(
    acme_admin: User, acme: Organisation, world: dict[str, Any]
) -> None:
    assert matching(acme_admin, {"organisation": str(acme.pk)}, world) == {"sync", "upgrade"}


def test_params_are_read_from_a_query_string_or_a_dict() -> None:
    query = QueryDict("status=new&status=open&team=3&team=4&q=+printer+&cursor=x&view=all&tag=")
    expected = {"status": ["new", "open"], "team": ["3"], "q": ["printer"]}
    assert filter_params(query) == expected
    as_dict = {"status": ["new", "open"], "team": 3, "q": " printer ", "cursor": "x", "tag": ""}
    assert filter_params(as_dict) == expected


def test_cleaned_values_are_typed() -> None:
    cleaned = clean_filters(
        {
            "priority": ["1", "2"],
            "product": ["4"],
            "finished": ["false"],
            "updated_since": ["2026-01-31T09:00:00Z"],
        }
    )
    assert cleaned["priority"] == [1, 2]
    assert cleaned["product"] == 4
    assert cleaned["finished"] is False
    assert cleaned["updated_since"].utcoffset() == timedelta(0)


def test_every_filter_of_the_api_schema_is_a_declared_filter() -> None:
    declared = {f.name for f in registered_filters()}
    assert set(TicketFilters.model_fields) - LIST_OPTIONS <= declared


def test_a_registered_filter_is_read_checked_and_applied(
    monkeypatch: pytest.MonkeyPatch, admin: User, world: dict[str, Any]
) -> None:
    def titled(tickets: QuerySet[Ticket], prefix: str, viewer: User) -> QuerySet[Ticket]:
        return tickets.filter(title__startswith=prefix)

    extra = TicketFilter("starts", forms.CharField(max_length=3, required=False), titled, order=1)
    monkeypatch.setitem(filters._filters, "starts", extra)

    assert filter_params({"starts": "Inv", "other": "x"}) == {"starts": ["Inv"]}
    assert matching(admin, {"starts": "Inv"}, world) == {"invoice"}
    with pytest.raises(ValidationFailed) as refused:
        clean_filters({"starts": ["Invoice"]})
    assert list(refused.value.errors) == ["starts"]


def test_registering_again_keeps_one_filter() -> None:
    before = registered_filters()
    filters.register_filter(before[0])
    assert registered_filters() == before
