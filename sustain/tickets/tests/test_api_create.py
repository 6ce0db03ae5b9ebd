"""POST /api/v1/tickets: opening a ticket over HTTP with a real bearer token.

Who may call what is in tests/test_permission_matrix.py; this file checks what the calls do.
"""

from __future__ import annotations

import pytest

from sustain.core.models import OutboxMessage
from sustain.core.testing import assert_problem, send
from sustain.factories import make_product
from sustain.tickets.models import Ticket


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [("high", "high", 1), ("high", "medium", 2), ("medium", "medium", 3), ("low", "low", 4)],
)
def test_new_ticket_gets_priority_from_impact_and_urgency(
    api_client, alice, support, impact, urgency, priority
):
    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {
            "title": "Login page is slow",
            "description": "Takes 20 s",
            "impact": impact,
            "urgency": urgency,
            "team_id": support.pk,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["priority"] == priority
    assert body["priority_override_reason"] == ""
    assert body["channel"] == "api"
    assert body["team"] == {"id": support.pk, "name": "Support"}
    assert body["number"] == f"SUS-{Ticket.objects.get().pk}"


def test_creation_takes_a_fixed_number_of_queries_and_answers_with_names_and_tags(
    api_client, alice, dave, support, product, django_assert_max_num_queries
):
    support.assignment_strategy = "round_robin"
    support.save()
    support.members.add(dave)
    client = api_client(alice)
    component = product.components.get()
    body = {
        "title": "Crash on start",
        "description": "Since the update",
        "team_id": support.pk,
        "component_id": component.pk,
        "tags": ["Crash", "startup"],
    }

    # The token (and its first use), team, component and its product; the turn and its
    # member (one UPDATE); the ticket; its tags (one INSERT ... SELECT, and for new tags their
    # creation and a second one); message; activity; SLA (fingerprint, policies into the
    # cache; a new ticket has no clocks to read); outbox; the savepoint. The answer reads
    # nothing: its names and tags are in hand.
    with django_assert_max_num_queries(17):
        response = send(client, "POST", "/tickets", body)

    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["team"] == {"id": support.pk, "name": "Support"}
    assert answer["product"] == {"id": product.pk, "name": "Gizmo"}
    assert answer["component"] == {"id": component.pk, "name": component.name}
    assert answer["tags"] == ["crash", "startup"]
    assert answer["assignee"]["email"] in {alice.email, dave.email}


def test_priority_override_without_reason_is_refused(api_client, alice, support):
    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {"title": "Printer jam", "description": "Again", "impact": "low", "priority": 1},
    )

    problem = assert_problem(response, 422)
    assert "priority_reason" in problem["errors"]
    assert not Ticket.objects.exists()


def test_priority_override_with_reason_is_stored(api_client, alice, support):
    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {
            "title": "CEO cannot print",
            "description": "Board meeting in 10 minutes",
            "impact": "low",
            "urgency": "low",
            "priority": 1,
            "priority_reason": "Board meeting",
        },
    )

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert (ticket.priority, ticket.priority_override_reason) == (1, "Board meeting")
    assert response.json()["priority_override_reason"] == "Board meeting"


def test_unknown_team_is_a_problem_naming_team_id(api_client, alice, support):
    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {"title": "VPN down", "description": "No tunnel", "team_id": support.pk + 1000},
    )

    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == ["team_id"]
    assert not Ticket.objects.exists()


def test_missing_title_is_a_problem_naming_title(api_client, alice):
    response = send(api_client(alice), "POST", "/tickets", {"description": "No title"})

    problem = assert_problem(response, 422)
    assert "title" in problem["errors"]


def test_component_of_another_product_is_refused(api_client, alice, support, product):
    foreign = make_product("Widget", components=["Engine"]).components.get()

    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {
            "title": "Crash",
            "description": "On start",
            "product_id": product.pk,
            "component_id": foreign.pk,
        },
    )

    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == ["component_id"]
    assert not Ticket.objects.exists()


def test_component_alone_sets_its_product(api_client, alice, support, product):
    component = product.components.get()

    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {"title": "Crash", "description": "On start", "component_id": component.pk},
    )

    assert response.status_code == 201, response.content
    assert response.json()["product"] == {"id": product.pk, "name": "Gizmo"}


def test_customer_ticket_is_filed_under_their_organisation(api_client, bob, acme):
    response = send(api_client(bob), "POST", "/tickets", {"title": "Help", "description": "Please"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organisation"] == {"id": acme.pk, "name": "Acme"}
    assert body["requester"]["email"] == bob.email
    assert body["allowed_transitions"] == ["closed"]


def test_watcher_from_another_organisation_is_refused(api_client, alice, bob, carol, support):
    """carol would get e-mails with the content of bob's ticket."""
    response = send(
        api_client(alice),
        "POST",
        "/tickets",
        {
            "title": "Sync fails",
            "description": "Details",
            "requester_id": bob.pk,
            "watcher_ids": [carol.pk],
        },
    )

    assert list(assert_problem(response, 422)["errors"]) == ["watcher_ids"]
    assert not Ticket.objects.exists()


def test_patch_watcher_from_another_organisation_is_refused(api_client, alice, carol, bobs_ticket):
    response = send(
        api_client(alice),
        "PATCH",
        f"/tickets/{bobs_ticket.number}",
        {"watcher_ids": [carol.pk]},
    )

    assert list(assert_problem(response, 422)["errors"]) == ["watcher_ids"]
    assert not bobs_ticket.watchers.exists()


def test_customer_cannot_choose_the_priority(api_client, bob):
    response = send(
        api_client(bob),
        "POST",
        "/tickets",
        {"title": "Help", "description": "Please", "priority": 1, "priority_reason": "Me"},
    )

    assert_problem(response, 403)
    assert not Ticket.objects.exists()


def test_new_ticket_mails_the_requester_through_the_outbox(
    api_client, alice, bob, support, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api_client(alice),
            "POST",
            "/tickets",
            {"title": "We called you", "description": "Logged by phone", "requester_id": bob.pk},
        )

    number = response.json()["number"]
    assert [(m.to, m.subject) for m in mailoutbox] == [([bob.email], f"[{number}] We called you")]
    assert OutboxMessage.objects.get().state == OutboxMessage.State.SENT
