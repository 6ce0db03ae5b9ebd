"""Clocks follow ticket changes through the hook; recompute replays and reports moves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sustain.accounts.models import User
from sustain.sla.choices import ClockState
from sustain.sla.engine import recompute, snapshot
from sustain.sla.models import SlaPolicy, SlaTarget, TicketClock
from sustain.tickets.choices import Status
from sustain.tickets.models import Activity, Ticket
from sustain.tickets.services import (
    add_message,
    bulk_update_tickets,
    transition_ticket,
    update_ticket,
)

pytestmark = pytest.mark.django_db


def clocks_of(ticket: Ticket) -> dict[str, TicketClock]:
    return {c.target: c for c in TicketClock.objects.filter(ticket=ticket)}


def test_creating_a_ticket_starts_its_clocks(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User
) -> None:
    ticket = make_ticket(bob)
    clocks = clocks_of(ticket)
    assert set(clocks) == {"first_response", "resolution"}
    first = clocks["first_response"]
    assert first.due_at == ticket.created_at + timedelta(minutes=120)
    assert first.next_deadline == ticket.created_at + timedelta(minutes=90)
    assert first.policy == standard_policy
    assert first.reason == "Standard: applies to every ticket"


def test_clocks_of_a_ticket_cost_a_handful_of_queries(
    standard_policy: SlaPolicy,
    make_ticket: Callable[..., Ticket],
    bob: User,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    ticket = make_ticket(bob)  # also fills the policy cache
    TicketClock.objects.filter(ticket=ticket).delete()
    # policy fingerprint, ticket, tags, activity log, existing clocks, one INSERT
    with django_assert_max_num_queries(6):
        result = recompute([ticket.pk])
    assert len(result.moves) == 2


def test_a_reply_meets_first_response_and_raising_priority_moves_resolution(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User, alice: User
) -> None:
    ticket = make_ticket(bob)
    add_message(actor=alice, ref=ticket.pk, body="Looking into it.")
    assert clocks_of(ticket)["first_response"].state == ClockState.MET
    update_ticket(actor=alice, ref=ticket.pk, changes={"priority": 1, "priority_reason": "Outage"})
    resolution = clocks_of(ticket)["resolution"]
    assert resolution.due_at == ticket.created_at + timedelta(minutes=240)
    add_message(actor=bob, ref=ticket.pk, body="Any news?")
    assert clocks_of(ticket)["next_response"].state == ClockState.RUNNING


def test_pending_customer_pauses_and_resolving_meets(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User, alice: User
) -> None:
    ticket = make_ticket(bob)
    transition_ticket(actor=alice, ref=ticket.pk, status="open")
    transition_ticket(actor=alice, ref=ticket.pk, status="pending_customer")
    paused = clocks_of(ticket)["resolution"]
    assert paused.state == ClockState.PAUSED
    assert paused.next_deadline is None
    bulk_update_tickets(actor=alice, refs=[ticket.pk], changes={"status": "resolved"})
    assert clocks_of(ticket)["resolution"].state == ClockState.MET
    assert clocks_of(ticket)["first_response"].state == ClockState.CANCELLED


def test_an_internal_note_does_not_meet_first_response(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User, alice: User
) -> None:
    ticket = make_ticket(bob)
    add_message(actor=alice, ref=ticket.pk, body="Probably the proxy.", internal=True)
    assert clocks_of(ticket)["first_response"].state == ClockState.RUNNING


def test_a_replay_after_a_policy_change_equals_the_policy_in_force_from_the_start(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User, alice: User
) -> None:
    tickets = [make_ticket(bob) for _ in range(3)]
    add_message(actor=alice, ref=tickets[0].pk, body="On it.")
    transition_ticket(actor=alice, ref=tickets[1].pk, status="pending_customer")
    SlaTarget.objects.filter(policy=standard_policy, priority=3).update(resolution_minutes=60)
    SlaPolicy.objects.filter(pk=standard_policy.pk).update(updated_at=timezone.now())
    now = timezone.now()

    dry = recompute(Ticket.objects.all(), dry_run=True, now=now)
    assert {(m.ticket_id, m.target) for m in dry.moves} == {(t.pk, "resolution") for t in tickets}
    assert set(TicketClock.objects.values_list("target_minutes", flat=True)) == {120, 960}

    replayed = recompute(Ticket.objects.all(), now=now)
    assert len(replayed.moves) == 3
    assert {m.changed_fields()[0] for m in replayed.moves} >= {"target_minutes"}
    after_replay = {(c.ticket_id, c.target): snapshot(c) for c in TicketClock.objects.all()}

    TicketClock.objects.all().delete()
    recompute(Ticket.objects.all(), now=now)
    from_start = {(c.ticket_id, c.target): snapshot(c) for c in TicketClock.objects.all()}
    assert after_replay == from_start
    assert recompute(Ticket.objects.all(), now=now).moves == []


def test_renaming_a_status_label_does_not_change_the_replay(
    standard_policy: SlaPolicy,
    make_ticket: Callable[..., Ticket],
    bob: User,
    alice: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = make_ticket(bob)
    add_message(actor=alice, ref=ticket.pk, body="Which version?")
    transition_ticket(actor=alice, ref=ticket.pk, status="pending_customer")
    now = timezone.now()
    recompute([ticket.pk], now=now)
    before = {c.target: snapshot(c) for c in TicketClock.objects.filter(ticket=ticket)}
    assert clocks_of(ticket)["resolution"].paused  # the pending status was read from the log
    logged = Activity.objects.filter(ticket=ticket, field="status").values_list("new_value")
    assert [value for (value,) in logged.order_by("id")] == ["open", "pending_customer"]

    monkeypatch.setattr(Status.PENDING_CUSTOMER, "_label_", "Waiting for the customer")
    monkeypatch.setattr(Status.OPEN, "_label_", "In progress")
    assert recompute([ticket.pk], dry_run=True, now=now).moves == []
    TicketClock.objects.filter(ticket=ticket).delete()
    recompute([ticket.pk], now=now)
    assert {c.target: snapshot(c) for c in TicketClock.objects.filter(ticket=ticket)} == before


def test_a_deactivated_policy_removes_the_clocks_on_recompute(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User
) -> None:
    ticket = make_ticket(bob)
    SlaPolicy.objects.filter(pk=standard_policy.pk).update(
        is_active=False, updated_at=timezone.now()
    )
    result = recompute([ticket.pk])
    assert {m.changed_fields()[0] for m in result.moves} == {"removed"}
    assert not TicketClock.objects.filter(ticket=ticket).exists()


def test_without_any_policy_tickets_have_no_clocks(
    make_ticket: Callable[..., Ticket], bob: User
) -> None:
    ticket = make_ticket(bob)
    assert not TicketClock.objects.filter(ticket=ticket).exists()
