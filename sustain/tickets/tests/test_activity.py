"""The activity log stores codes; labels are looked up only when an entry is shown."""

from __future__ import annotations

import pytest

from sustain.accounts.actors import SLA_ESCALATION
from sustain.core.models import OutboxMessage
from sustain.tickets import services
from sustain.tickets.activity import (
    actor_name,
    display_change,
    log_activity,
    seen_by_customer,
    stored_value,
    value_label,
)
from sustain.tickets.choices import Channel, Kind, Priority, Status
from sustain.tickets.linking import merge_tickets
from sustain.tickets.models import Activity

pytestmark = pytest.mark.django_db


def logged(ticket, field_name):
    return list(
        Activity.objects.filter(ticket=ticket, field=field_name)
        .order_by("id")
        .values_list("old_value", "new_value")
    )


def test_coded_fields_are_logged_by_their_codes(alice, bobs_ticket):
    services.update_ticket(
        actor=alice,
        ref=bobs_ticket.pk,
        changes={"kind": Kind.BUG, "impact": "high", "status": Status.PENDING_CUSTOMER},
    )
    assert logged(bobs_ticket, "kind") == [("incident", "bug")]
    assert logged(bobs_ticket, "impact") == [("medium", "high")]
    assert logged(bobs_ticket, "priority") == [("3", "2")]
    assert logged(bobs_ticket, "status") == [("new", "pending_customer")]


def test_a_merge_logs_the_closing_by_codes(alice, bob, bobs_ticket, make_ticket):
    other = make_ticket(bob, title="Twin")
    merge_tickets(actor=alice, source_ref=bobs_ticket.pk, target_ref=other.pk)
    assert logged(bobs_ticket, "status") == [("new", "closed")]


def test_stored_values_are_codes_joined_lists_and_text():
    assert stored_value(Priority.P2) == "2"
    assert stored_value(Status.OPEN) == "open"
    assert stored_value(["sync", "vip"]) == "sync, vip"
    assert stored_value(None) == ""


def test_codes_read_as_labels_and_other_values_as_they_are():
    assert value_label("status", "pending_customer") == "Pending customer"
    assert value_label("priority", "1") == "P1 – critical"
    assert value_label("kind", "service_request") == "Service request"
    assert value_label("urgency", "low") == "Low"
    assert value_label("status", "") == ""
    assert value_label("status", "archived") == "archived"  # a code no longer offered
    assert value_label("title", "open") == "open"  # not a coded field


def test_a_logged_change_reads_as_labels(alice, bobs_ticket):
    services.update_ticket(
        actor=alice, ref=bobs_ticket.pk, changes={"kind": "service_request", "status": "open"}
    )
    status = Activity.objects.get(ticket=bobs_ticket, field="status")
    assert display_change(status) == ("New", "Open")


def test_a_renamed_label_rewords_the_history_and_the_log_keeps_the_code(
    alice, bobs_ticket, monkeypatch
):
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status="open")
    monkeypatch.setattr(Status.PENDING_CUSTOMER, "_label_", "Waiting for you")
    services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status="pending_customer")

    first, second = Activity.objects.filter(ticket=bobs_ticket, field="status").order_by("id")
    assert (second.old_value, second.new_value) == ("open", "pending_customer")
    assert display_change(second) == ("Open", "Waiting for you")
    mails = OutboxMessage.objects.filter(idempotency_key__contains=f":activity:{second.pk}:")
    assert mails.exists()
    for mail in mails:
        assert "The status changed from Open to Waiting for you." in str(mail.payload)
    monkeypatch.setattr(Status.OPEN, "_label_", "In progress")
    assert display_change(first) == ("New", "In progress")


def test_the_system_is_logged_by_its_code_and_reads_by_its_label(alice, bobs_ticket):
    by_system = log_activity(bobs_ticket, SLA_ESCALATION, Channel.SYSTEM, "changed")
    by_alice = log_activity(bobs_ticket, alice, Channel.WEB, "changed")
    by_nobody = log_activity(bobs_ticket, None, Channel.SYSTEM, "changed")
    stored = {a.pk: a for a in Activity.objects.select_related("actor")}

    assert (stored[by_system.pk].actor, stored[by_system.pk].system_actor) == (
        None,
        "sla_escalation",
    )
    assert [actor_name(stored[a.pk]) for a in (by_system, by_alice, by_nobody)] == [
        "SLA escalation",
        alice.display_name,
        "Sustain",
    ]


# --- the last change the customer sees ----------------------------------------------------
def _times(ticket):
    ticket.refresh_from_db()
    return ticket.updated_at, ticket.public_updated_at


def test_an_internal_note_and_staff_only_changes_leave_the_public_update_alone(
    alice, bobs_ticket, support
):
    created = _times(bobs_ticket)
    assert created[0] == created[1] == bobs_ticket.created_at

    services.add_message(actor=alice, ref=bobs_ticket.pk, body="Vendor bug", internal=True)
    services.update_ticket(
        actor=alice,
        ref=bobs_ticket.pk,
        changes={"priority": 1, "priority_reason": "VIP", "assignee": alice, "tags": ["vip"]},
    )

    updated, public = _times(bobs_ticket)
    assert updated > created[0]
    assert public == created[1]


@pytest.mark.parametrize(
    "change",
    ["public reply", "status", "title", "customer reply"],
)
def test_what_the_customer_sees_moves_the_public_update(alice, bob, bobs_ticket, change):
    _, before = _times(bobs_ticket)
    if change == "public reply":
        services.add_message(actor=alice, ref=bobs_ticket.pk, body="Fixed in 2.1.1.")
    elif change == "customer reply":
        services.add_message(actor=bob, ref=bobs_ticket.pk, body="Thanks!")
    elif change == "status":
        services.transition_ticket(actor=alice, ref=bobs_ticket.pk, status=Status.PENDING_CUSTOMER)
    else:
        services.update_ticket(actor=alice, ref=bobs_ticket.pk, changes={"title": "Sync fails"})

    updated, public = _times(bobs_ticket)
    assert public > before
    assert public == updated


def test_a_merge_is_news_to_both_customers(alice, bob, bobs_ticket, make_ticket):
    duplicate = make_ticket(bob, title="Same again")
    _, target_before = _times(bobs_ticket)
    _, source_before = _times(duplicate)

    merge_tickets(actor=alice, source_ref=duplicate.pk, target_ref=bobs_ticket.pk)

    assert _times(duplicate)[1] > source_before  # closed, merged into the other
    assert _times(bobs_ticket)[1] > target_before  # the duplicate's messages arrived


def test_the_log_tells_which_entries_the_customer_sees():
    assert seen_by_customer(Activity.Action.CREATED, "")
    assert seen_by_customer(Activity.Action.REPLIED, "")
    assert seen_by_customer(Activity.Action.CHANGED, "status")
    assert not seen_by_customer(Activity.Action.NOTED, "")
    assert not seen_by_customer(Activity.Action.CHANGED, "priority")
    assert not seen_by_customer(Activity.Action.CHANGED, "assignee")
    assert not seen_by_customer(Activity.Action.WATCHED, "watchers")
