"""POST /api/v1/tickets/bulk: changing many tickets at once, all or none.

Who may call what is in tests/test_permission_matrix.py; this file checks what the calls do.
"""

from __future__ import annotations

from sustain.core.testing import assert_problem, send
from sustain.tickets import services
from sustain.tickets.models import Activity, Ticket


def test_bulk_update_applies_to_every_ticket(api_client, alice, make_ticket):
    tickets = [make_ticket(alice, title=f"Ticket {i}") for i in range(3)]

    response = send(
        api_client(alice),
        "POST",
        "/tickets/bulk",
        {"tickets": [t.number for t in tickets], "changes": {"urgency": "high", "tags": ["wave"]}},
    )

    assert response.status_code == 200, response.content
    assert [t["number"] for t in response.json()] == [t.number for t in tickets]
    assert {(t.urgency, t.priority) for t in Ticket.objects.all()} == {("high", 2)}
    assert all(t["tags"] == ["wave"] for t in response.json())


def test_bulk_update_with_an_invisible_ticket_changes_none(
    api_client, alice, dave, platform, make_ticket
):
    mine = make_ticket(alice)
    hidden = make_ticket(dave, team=platform)
    before = Activity.objects.count()

    response = send(
        api_client(alice),
        "POST",
        "/tickets/bulk",
        {"tickets": [mine.number, hidden.number], "changes": {"urgency": "high"}},
    )

    assert_problem(response, 404)
    assert set(Ticket.objects.values_list("urgency", flat=True)) == {"medium"}
    assert Activity.objects.count() == before


def test_bulk_update_with_one_invalid_change_changes_none(api_client, alice, make_ticket):
    first, second = make_ticket(alice), make_ticket(alice)
    services.transition_ticket(actor=alice, ref=second.pk, status="closed")
    before = Activity.objects.count()

    response = send(
        api_client(alice),
        "POST",
        "/tickets/bulk",
        {"tickets": [first.number, second.number], "changes": {"status": "pending_customer"}},
    )

    problem = assert_problem(response, 409)
    assert problem["detail"].startswith(second.number)
    assert problem["allowed"] == ["open"]
    assert Ticket.objects.get(pk=first.pk).status == "new"
    assert Activity.objects.count() == before


def test_bulk_update_needs_at_least_one_ticket(api_client, alice):
    response = send(api_client(alice), "POST", "/tickets/bulk", {"tickets": [], "changes": {}})

    assert "tickets" in assert_problem(response, 422)["errors"]
