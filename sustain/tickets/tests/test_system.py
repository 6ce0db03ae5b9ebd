"""The services the system calls (sustain/tickets/system.py): a reassignment and a raised
priority go through the checks of an ordinary change, carry their reason into the log, and
name the system actor that made them."""

from __future__ import annotations

import pytest

from sustain.accounts.actors import SLA_ESCALATION
from sustain.accounts.choices import Role
from sustain.core.errors import ValidationFailed
from sustain.core.models import OutboxMessage
from sustain.factories import make_user
from sustain.tickets import hooks
from sustain.tickets.models import Activity, Ticket
from sustain.tickets.system import TicketEvent, raise_priority, reassign_ticket, record_events


def log(ticket: Ticket) -> list[tuple[str, str, str, str]]:
    """(system actor, field, old, new) of every change entry, oldest first."""
    rows = Activity.objects.filter(ticket=ticket, action=Activity.Action.CHANGED).order_by("id")
    return [(a.system_actor, a.field, a.old_value, a.new_value) for a in rows]


def test_the_system_reassigns_a_ticket_within_its_team_with_a_reason(bobs_ticket, alice, support):
    ticket = reassign_ticket(
        actor=SLA_ESCALATION, ref=bobs_ticket.pk, assignee=alice, reason="Resolution breached"
    )

    assert (ticket.assignee, ticket.team) == (alice, support)
    assert log(ticket) == [
        ("sla_escalation", "assignee", "", str(alice)),
        ("sla_escalation", "assignee_reason", "", "Resolution breached"),
    ]
    assert not Activity.objects.filter(ticket=ticket, system_actor="", actor=None).exists()
    mail = OutboxMessage.objects.get(idempotency_key__contains=f":to:{alice.pk}")
    assert "SLA escalation assigned this ticket to you." in mail.payload["body"]


def test_an_assignee_outside_the_team_takes_the_ticket_out_of_it(bobs_ticket, dave, support):
    ticket = reassign_ticket(
        actor=SLA_ESCALATION, ref=bobs_ticket.pk, assignee=dave, reason="Escalated"
    )

    assert (ticket.assignee, ticket.team) == (dave, None)
    assert [entry[1] for entry in log(ticket)] == ["team", "assignee", "assignee_reason"]


@pytest.mark.parametrize(
    "fields", [{"is_active": False}, {"role": Role.VIEWER}], ids=["inactive", "read-only"]
)
def test_the_system_cannot_assign_somebody_who_may_not_hold_tickets(bobs_ticket, fields):
    helper = make_user(**fields)
    with pytest.raises(ValidationFailed, match="cannot be assigned"):
        reassign_ticket(actor=SLA_ESCALATION, ref=bobs_ticket.pk, assignee=helper, reason="x")
    assert Ticket.objects.get(pk=bobs_ticket.pk).assignee_id is None
    assert log(bobs_ticket) == []


def test_a_reassignment_needs_a_reason(bobs_ticket, alice):
    with pytest.raises(ValidationFailed) as exc:
        reassign_ticket(actor=SLA_ESCALATION, ref=bobs_ticket.pk, assignee=alice, reason=" ")
    assert "reason" in exc.value.errors


def test_a_person_may_reassign_as_well_and_is_named(bobs_ticket, lead, alice):
    reassign_ticket(actor=lead, ref=bobs_ticket.pk, assignee=alice, reason="Holiday cover")
    entries = Activity.objects.filter(ticket=bobs_ticket, field__startswith="assignee")
    assert {(a.actor, a.system_actor) for a in entries} == {(lead, "")}


def test_the_system_raises_the_priority_with_its_reason(bobs_ticket, monkeypatch):
    changed: list[list[int]] = []

    def heard(ids: list[int], *, created: bool = False) -> None:
        changed.append(list(ids))

    monkeypatch.setattr(hooks, "_ticket_changed", [heard])

    ticket = raise_priority(actor=SLA_ESCALATION, ref=bobs_ticket.pk, priority=2, reason="Breach")

    assert (ticket.priority, ticket.priority_override_reason) == (2, "Breach")
    assert log(ticket) == [
        ("sla_escalation", "priority", "3", "2"),
        ("sla_escalation", "priority_reason", "", "Breach"),
    ]
    # Other apps (the SLA clocks) hear of the new priority.
    assert changed == [[ticket.pk]]


def test_a_priority_already_as_high_stays(bobs_ticket):
    Ticket.objects.filter(pk=bobs_ticket.pk).update(priority=2)
    ticket = raise_priority(actor=SLA_ESCALATION, ref=bobs_ticket.pk, priority=3, reason="x")
    assert ticket.priority == 2
    assert log(ticket) == []


def test_events_are_logged_without_changing_the_tickets(make_ticket, bob):
    first, second = make_ticket(bob), make_ticket(bob)

    entries = record_events(
        actor=SLA_ESCALATION,
        events=[
            TicketEvent(first.pk, "sla_warning", "First response SLA warning"),
            TicketEvent(second.pk, "sla_breach", "Resolution SLA breached"),
        ],
    )

    assert [(e.ticket_id, e.field, e.system_actor) for e in entries] == [
        (first.pk, "sla_warning", "sla_escalation"),
        (second.pk, "sla_breach", "sla_escalation"),
    ]
    assert all(e.pk for e in entries)
    assert Ticket.objects.get(pk=first.pk).revision == first.revision
