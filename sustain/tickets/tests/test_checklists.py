"""Checklists on tickets: adding and ticking items, the log, the resolve gate, the API."""

from __future__ import annotations

import pytest

from sustain.accounts.actors import SLA_ESCALATION
from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.tickets import checklists
from sustain.tickets.checklists import NewItem
from sustain.tickets.choices import Status
from sustain.tickets.models import Activity, ChecklistItem
from sustain.tickets.services import bulk_update_tickets, transition_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(make_ticket, alice):
    return make_ticket(alice, title="Rotate the backup disks")


def add(actor, ticket, *items):
    return checklists.add_checklist_items(actor=actor, ref=ticket.number, items=list(items))


def test_items_are_added_in_order_and_logged(alice, ticket):
    rows = add(alice, ticket, NewItem("Swap disk", mandatory=True), NewItem("Label it"))
    rows += add(alice, ticket, NewItem("Tell the customer"))

    _, items = checklists.checklist_for(alice, ticket.number)
    assert [i.text for i in items] == ["Swap disk", "Label it", "Tell the customer"]
    assert [i.mandatory for i in items] == [True, False, False]
    logged = list(
        Activity.objects.filter(ticket=ticket, field="checklist_added").values_list(
            "new_value", flat=True
        )
    )
    assert logged == ["Swap disk (mandatory)", "Label it", "Tell the customer"]
    ticket.refresh_from_db()
    assert ticket.revision == 3


def test_ticking_records_who_and_when_and_can_be_undone(alice, ticket):
    (item,) = add(alice, ticket, NewItem("Swap disk", mandatory=True))

    done = checklists.tick_checklist_item(actor=alice, ref=ticket.pk, item_id=item.pk)
    assert done.done_by == alice
    assert done.done_at is not None
    again = checklists.tick_checklist_item(actor=alice, ref=ticket.pk, item_id=item.pk)
    assert again.done_at == done.done_at  # ticking twice changes nothing
    undone = checklists.tick_checklist_item(actor=alice, ref=ticket.pk, item_id=item.pk, done=False)
    assert undone.done_at is None
    assert undone.done_by is None
    fields = list(
        Activity.objects.filter(ticket=ticket, field__startswith="checklist_").values_list(
            "field", flat=True
        )
    )
    assert fields == ["checklist_added", "checklist_done", "checklist_undone"]


def test_a_system_actor_ticks_by_its_code(alice, ticket):
    (item,) = add(alice, ticket, NewItem("Check the logs"))
    done = checklists.tick_checklist_item(actor=SLA_ESCALATION, ref=ticket.pk, item_id=item.pk)
    assert done.done_by is None
    assert done.done_by_system == "sla_escalation"


def test_a_ticket_with_open_mandatory_items_cannot_be_resolved(alice, ticket):
    mandatory, _optional = add(alice, ticket, NewItem("Swap disk", True), NewItem("Label it"))

    with pytest.raises(Conflict) as refused:
        transition_ticket(actor=alice, ref=ticket.pk, status=Status.RESOLVED)
    assert "Swap disk" in refused.value.detail
    assert "status" in refused.value.errors
    with pytest.raises(Conflict):
        transition_ticket(actor=alice, ref=ticket.pk, status=Status.CLOSED)
    with pytest.raises(Conflict):
        bulk_update_tickets(actor=alice, refs=[ticket.pk], changes={"status": Status.RESOLVED})
    ticket.refresh_from_db()
    assert ticket.status != Status.RESOLVED

    # Optional items may stay open.
    checklists.tick_checklist_item(actor=alice, ref=ticket.pk, item_id=mandatory.pk)
    resolved = transition_ticket(actor=alice, ref=ticket.pk, status=Status.RESOLVED)
    assert resolved.status == Status.RESOLVED
    # A resolved ticket closes whatever its checklist says now.
    checklists.tick_checklist_item(actor=alice, ref=ticket.pk, item_id=mandatory.pk, done=False)
    assert transition_ticket(actor=alice, ref=ticket.pk, status=Status.CLOSED).status == "closed"


def test_customers_and_viewers_cannot_change_checklists(alice, bob, viewer, support, bobs_ticket):
    support.members.add(viewer)  # the viewer reads the ticket, and may not change it
    (item,) = add(alice, bobs_ticket, NewItem("Check"))
    with pytest.raises(PermissionDenied):
        add(bob, bobs_ticket, NewItem("Mine"))
    with pytest.raises(PermissionDenied):
        checklists.tick_checklist_item(actor=bob, ref=bobs_ticket.pk, item_id=item.pk)
    with pytest.raises(PermissionDenied):
        checklists.tick_checklist_item(actor=viewer, ref=bobs_ticket.pk, item_id=item.pk)


def test_bad_items_are_refused_and_nothing_is_written(alice, ticket, make_ticket):
    with pytest.raises(ValidationFailed):
        add(alice, ticket, NewItem("ok"), NewItem("   "))
    with pytest.raises(ValidationFailed):
        add(alice, ticket)
    with pytest.raises(ValidationFailed):
        add(alice, ticket, *[NewItem(f"step {i}") for i in range(101)])
    assert not ChecklistItem.objects.exists()
    other = make_ticket(alice)
    (item,) = add(alice, other, NewItem("elsewhere"))
    with pytest.raises(NotFound):
        checklists.tick_checklist_item(actor=alice, ref=ticket.pk, item_id=item.pk)


# --- the API --------------------------------------------------------------------------------
def test_api_adds_ticks_and_gates_resolution(api_client, alice, ticket):
    client = api_client(alice)
    base = f"/api/v1/tickets/{ticket.number}/checklist"
    created = client.post(
        base,
        {"items": [{"text": "Swap disk", "mandatory": True}, {"text": "Label"}]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["open_mandatory"] == 1
    first = body["items"][0]["id"]

    refused = client.patch(
        f"/api/v1/tickets/{ticket.number}",
        {"status": "resolved"},
        content_type="application/json",
    )
    assert refused.status_code == 409
    assert refused["Content-Type"].startswith("application/problem+json")
    assert "Swap disk" in refused.json()["detail"]

    ticked = client.patch(f"{base}/{first}", {"done": True}, content_type="application/json")
    assert ticked.status_code == 200
    assert ticked.json()["done"] is True
    assert ticked.json()["done_by"]["email"] == alice.email
    assert client.get(base).json()["open_mandatory"] == 0
    resolved = client.patch(
        f"/api/v1/tickets/{ticket.number}",
        {"status": "resolved"},
        content_type="application/json",
    )
    assert resolved.status_code == 200


def test_api_refusals_are_problems(api_client, alice, bob, carol, ticket, bobs_ticket):
    base = f"/api/v1/tickets/{bobs_ticket.number}/checklist"
    agent = api_client(alice)
    assert agent.post(base, {"items": []}, content_type="application/json").status_code == 422
    long_text = {"items": [{"text": "x" * 501}]}
    assert agent.post(base, long_text, content_type="application/json").status_code == 422
    assert (
        agent.patch(f"{base}/999999", {"done": True}, content_type="application/json").status_code
        == 404
    )
    assert agent.patch(f"{base}/1", {"done": 1}, content_type="application/json").status_code == 422
    customer = api_client(bob)
    assert customer.get(base).status_code == 200  # bob may read his ticket's checklist
    added = customer.post(base, {"items": [{"text": "x"}]}, content_type="application/json")
    assert added.status_code == 403
    assert api_client(carol).get(base).status_code == 404
