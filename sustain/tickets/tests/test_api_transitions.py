"""/api/v1/tickets/{ref}/transitions: the status workflow, closing and reopening.

Who may call what is in tests/test_permission_matrix.py; this file checks what the calls do.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sustain.core.testing import V1, assert_problem, send
from sustain.tickets import services
from sustain.tickets.models import Activity, Message, Ticket


def test_transitions_lists_what_the_caller_may_do(api_client, alice, bob, bobs_ticket):
    staff = api_client(alice).get(f"{V1}/tickets/{bobs_ticket.number}/transitions").json()
    customer = api_client(bob).get(f"{V1}/tickets/{bobs_ticket.number}/transitions").json()

    assert staff == {
        "status": "new",
        "allowed": ["closed", "open", "pending_customer", "pending_third_party", "resolved"],
    }
    assert customer == {"status": "new", "allowed": ["closed"]}


def test_transition_moves_the_ticket_and_logs_it(api_client, alice, bobs_ticket):
    response = send(
        api_client(alice),
        "POST",
        f"/tickets/{bobs_ticket.number}/transitions",
        {"status": "resolved"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "resolved"
    assert body["resolved_at"] is not None
    assert body["allowed_transitions"] == ["closed", "open"]
    change = bobs_ticket.activities.get(field="status")
    assert (change.old_value, change.new_value, change.channel) == ("new", "resolved", "api")


def test_invalid_transition_is_409_with_the_allowed_list_and_writes_nothing(
    api_client, alice, bobs_ticket
):
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status="closed")
    before = (Activity.objects.count(), Ticket.objects.get().revision)

    response = send(
        api_client(alice),
        "POST",
        f"/tickets/{bobs_ticket.number}/transitions",
        {"status": "pending_customer"},
    )

    problem = assert_problem(response, 409)
    assert problem["allowed"] == ["open"]
    assert "status" in problem["errors"]
    assert (Activity.objects.count(), Ticket.objects.get().revision) == before
    assert Ticket.objects.get().status == "closed"


def test_customer_cannot_resolve_their_own_ticket(api_client, bob, bobs_ticket):
    response = send(
        api_client(bob),
        "POST",
        f"/tickets/{bobs_ticket.number}/transitions",
        {"status": "resolved"},
    )

    assert assert_problem(response, 409)["allowed"] == ["closed"]


def test_unknown_status_is_422(api_client, alice, bobs_ticket):
    response = send(
        api_client(alice), "POST", f"/tickets/{bobs_ticket.number}/transitions", {"status": "done"}
    )

    assert "status" in assert_problem(response, 422)["errors"]


def _closed_days_ago(ticket: Ticket, actor, days: int) -> None:
    services.transition_ticket(actor=actor, ref=ticket.pk, status="closed")
    past = timezone.now() - timedelta(days=days)
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=past, resolved_at=past)


def test_reopen_within_the_period_is_allowed(api_client, settings, alice, bob, bobs_ticket):
    settings.SUSTAIN_REOPEN_DAYS = 14
    _closed_days_ago(bobs_ticket, alice, 13)

    response = send(
        api_client(bob), "POST", f"/tickets/{bobs_ticket.number}/transitions", {"status": "open"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["closed_at"] is None


@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_reopen_after_the_period_is_409(api_client, settings, alice, bob, bobs_ticket, persona):
    settings.SUSTAIN_REOPEN_DAYS = 14
    _closed_days_ago(bobs_ticket, alice, 15)
    activities = Activity.objects.count()

    response = send(
        api_client({"alice": alice, "bob": bob}[persona]),
        "POST",
        f"/tickets/{bobs_ticket.number}/transitions",
        {"status": "open"},
    )

    assert "status" in assert_problem(response, 409)["errors"]
    assert Ticket.objects.get().status == "closed"
    assert Activity.objects.count() == activities


def test_customer_reply_after_the_reopen_period_is_409_and_not_stored(
    api_client, settings, alice, bob, bobs_ticket
):
    settings.SUSTAIN_REOPEN_DAYS = 14
    _closed_days_ago(bobs_ticket, alice, 30)
    messages = Message.objects.count()

    response = send(
        api_client(bob), "POST", f"/tickets/{bobs_ticket.number}/messages", {"body": "Still broken"}
    )

    assert_problem(response, 409)
    assert Message.objects.count() == messages
