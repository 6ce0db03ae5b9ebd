"""The one reader of a ticket's history: statuses, messages, first response, resolution."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sustain.accounts.models import User
from sustain.tickets.history import (
    LogRow,
    StatusSpan,
    history_from,
    status_changes,
    ticket_histories,
)
from sustain.tickets.models import Activity, Ticket
from sustain.tickets.services import add_message, transition_ticket

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)
AGENT, REQUESTER, COLLEAGUE = 5, 9, 11


def row(status: str, updated: datetime = T0, **extra: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "created_at": T0,
        "updated_at": updated,
        "status": status,
        "requester_id": REQUESTER,
        **extra,
    }


def changed(minutes: int, pk: int, status: str, actor: int = AGENT) -> LogRow:
    return (T0 + minutes * M, pk, "changed", status, actor, "agent")


def replied(minutes: int, pk: int, actor: int, role: str) -> LogRow:
    return (T0 + minutes * M, pk, "replied", "", actor, role)


def test_status_spans_run_from_creation_to_now() -> None:
    log = [changed(10, 1, "open"), changed(30, 2, "pending_customer"), changed(50, 3, "open")]
    past = history_from(row("open"), log)
    assert past.spans == (
        StatusSpan("new", T0, T0 + 10 * M),
        StatusSpan("open", T0 + 10 * M, T0 + 30 * M),
        StatusSpan("pending_customer", T0 + 30 * M, T0 + 50 * M),
        StatusSpan("open", T0 + 50 * M, None),
    )
    assert past.status == "open"


def test_messages_split_into_customer_side_and_staff_replies() -> None:
    log = [
        replied(20, 2, AGENT, "agent"),
        replied(40, 3, COLLEAGUE, "customer"),
        replied(45, 4, REQUESTER, "agent"),  # the requester is the customer side, whatever role
        replied(60, 5, AGENT, "lead"),
        (T0 + 70 * M, 6, "replied", "", None, None),  # no actor (a deleted user): not counted
    ]
    past = history_from(row("new"), log)
    assert past.customer_messages == (T0, T0 + 40 * M, T0 + 45 * M)
    assert past.staff_replies == (T0 + 20 * M, T0 + 60 * M)
    assert past.first_response == T0 + 20 * M


def test_an_unanswered_ticket_has_no_first_response() -> None:
    past = history_from(row("new"), [replied(5, 1, REQUESTER, "customer")])
    assert past.first_response is None
    assert past.resolved_at is None
    assert past.closed_at is None


def test_resolution_and_close_times() -> None:
    log = [changed(10, 1, "open"), changed(60, 2, "resolved"), changed(90, 3, "closed")]
    past = history_from(row("closed"), log)
    assert past.resolutions == (T0 + 60 * M,)
    assert past.resolved_at == T0 + 60 * M
    assert past.closed_at == T0 + 90 * M


def test_a_reopened_ticket_is_open_again_and_keeps_its_earlier_resolution() -> None:
    log = [
        changed(10, 1, "open"),
        changed(60, 2, "resolved"),
        changed(80, 3, "open", actor=REQUESTER),
        changed(120, 4, "closed"),
    ]
    reopened = history_from(row("open"), log[:3])
    assert reopened.resolved_at is None
    assert reopened.resolutions == (T0 + 60 * M,)
    assert reopened.reopenings == (T0 + 80 * M,)
    closed_again = history_from(row("closed"), log)
    assert closed_again.resolutions == (T0 + 60 * M, T0 + 120 * M)
    assert closed_again.resolved_at == closed_again.closed_at == T0 + 120 * M


def test_the_log_order_and_repeated_statuses_do_not_matter() -> None:
    log = [changed(30, 3, "resolved"), changed(10, 1, "open"), changed(20, 2, "open")]
    past = history_from(row("resolved"), log)
    assert past.statuses == ((T0, "new"), (T0 + 10 * M, "open"), (T0 + 30 * M, "resolved"))


def test_values_that_are_not_status_codes_are_not_statuses() -> None:
    # The log holds codes; a label (or anything else) is not parsed back into a status.
    past = history_from(row("new"), [changed(10, 1, "Open")])
    assert past.statuses == ((T0, "new"),)


def test_a_status_missing_from_the_log_is_taken_from_the_ticket() -> None:
    past = history_from(row("closed", updated=T0 + 90 * M), [changed(10, 1, "open")])
    assert past.statuses[-1] == (T0 + 90 * M, "closed")


# --- from the database --------------------------------------------------------------------
@pytest.mark.django_db
def test_histories_of_many_tickets_cost_two_queries(
    make_ticket: Callable[..., Ticket],
    alice: User,
    bob: User,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    first, second, untouched = make_ticket(bob), make_ticket(bob), make_ticket(bob)
    add_message(actor=alice, ref=first.pk, body="Looking into it.")
    transition_ticket(actor=alice, ref=first.pk, status="resolved")
    transition_ticket(actor=alice, ref=second.pk, status="pending_customer")
    add_message(actor=bob, ref=second.pk, body="Here are the logs.")

    with django_assert_num_queries(2):
        histories = ticket_histories([first.pk, second.pk, untouched.pk])

    reply = Activity.objects.get(ticket=first, action="replied")
    resolved = Activity.objects.get(ticket=first, field="status", new_value="resolved")
    assert [s.status for s in histories[first.pk].spans] == ["new", "open", "resolved"]
    assert histories[first.pk].first_response == reply.created_at
    assert histories[first.pk].resolved_at == resolved.created_at
    assert [s for _, s in histories[second.pk].statuses] == ["new", "pending_customer", "open"]
    assert len(histories[second.pk].customer_messages) == 2
    assert histories[second.pk].first_response is None
    assert histories[untouched.pk].statuses == ((untouched.created_at, "new"),)


@pytest.mark.django_db
def test_status_changes_list_every_logged_change_with_its_actor(
    make_ticket: Callable[..., Ticket], alice: User, bob: User
) -> None:
    ticket = make_ticket(bob)
    transition_ticket(actor=alice, ref=ticket.pk, status="resolved")
    transition_ticket(actor=bob, ref=ticket.pk, status="open")

    changes = status_changes(ticket.pk)

    assert [(c.old, c.new, c.actor) for c in changes] == [
        ("new", "resolved", alice),
        ("resolved", "open", bob),
    ]
    assert Activity.objects.filter(ticket=ticket, field="status").count() == 2
