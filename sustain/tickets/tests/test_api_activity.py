"""/api/v1/tickets/{ref}/activity: the history of a ticket, as staff and customers see it.

Who may call what is in tests/test_permission_matrix.py; this file checks what the calls do.
"""

from __future__ import annotations

import pytest

from sustain.accounts.actors import SLA_ESCALATION
from sustain.core.testing import V1
from sustain.factories import make_message
from sustain.tickets import services
from sustain.tickets.linking import link_tickets
from sustain.tickets.system import reassign_ticket


@pytest.fixture
def busy_ticket(alice, bob, bobs_ticket, make_ticket):
    """bob's ticket after a morning of work: every kind of entry in its history."""
    services.update_ticket(
        actor=alice,
        ref=bobs_ticket.pk,
        changes={"impact": "high", "assignee": alice, "tags": ["sync"]},
    )
    make_message(bobs_ticket, alice, "Internal", internal=True)
    make_message(bobs_ticket, alice, "Public reply")
    other = make_ticket(alice, title="Related")
    link_tickets(actor=alice, source_ref=bobs_ticket.pk, target_ref=other.pk, kind="related")
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status="pending_customer")
    return bobs_ticket


def test_staff_see_the_whole_history(api_client, alice, busy_ticket):
    entries = api_client(alice).get(f"{V1}/tickets/{busy_ticket.number}/activity").json()

    assert {e["action"] for e in entries} == {"created", "changed", "noted", "replied", "linked"}
    assert len(entries) == busy_ticket.activities.count()


def test_customer_sees_only_created_replied_and_status_entries(api_client, bob, busy_ticket):
    entries = api_client(bob).get(f"{V1}/tickets/{busy_ticket.number}/activity").json()

    assert [(e["action"], e["field"]) for e in entries] == [
        ("created", ""),
        ("replied", ""),
        ("changed", "status"),  # new → open by alice's reply
        ("changed", "status"),  # open → pending customer
    ]
    assert [e["new_value"] for e in entries[2:]] == ["Open", "Pending customer"]


def test_the_system_is_named_in_a_field_of_its_own(api_client, alice, bobs_ticket):
    reassign_ticket(actor=SLA_ESCALATION, ref=bobs_ticket.pk, assignee=alice, reason="Breach")

    entries = api_client(alice).get(f"{V1}/tickets/{bobs_ticket.number}/activity").json()

    assert [(e["actor"], e["system_actor"]) for e in entries] == [
        ({"id": bobs_ticket.requester_id, "email": "bob@acme.test", "name": "Bob"}, None),
        (None, "sla_escalation"),
        (None, "sla_escalation"),
    ]
