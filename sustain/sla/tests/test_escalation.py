"""The sweep: warnings, breaches and escalations run once per clock and threshold."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection

from sustain.accounts.models import Team, User
from sustain.core.models import OutboxMessage
from sustain.sla.choices import ClockState, EscalationAction, Threshold
from sustain.sla.escalation import SweepResult, sweep
from sustain.sla.models import EscalationRule, SlaPolicy, TicketClock
from sustain.tickets.models import Activity, Ticket

pytestmark = pytest.mark.django_db
MIN = timedelta(minutes=1)


def first_response(ticket: Ticket) -> TicketClock:
    return TicketClock.objects.get(ticket=ticket, target="first_response")


def rule(policy: SlaPolicy, threshold: str, action: str, user: User | None = None) -> None:
    EscalationRule.objects.create(policy=policy, threshold=threshold, action=action, user=user)


def sla_log(ticket: Ticket) -> list[str]:
    return list(
        Activity.objects.filter(ticket=ticket, field__startswith="sla_").values_list(
            "new_value", flat=True
        )
    )


def test_a_clock_warns_then_breaches_once_each(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User
) -> None:
    ticket = make_ticket(bob)
    created = ticket.created_at
    assert sweep(now=created + 89 * MIN).processed == 0
    assert sweep(now=created + 91 * MIN).warnings == 1
    assert sweep(now=created + 91 * MIN).processed == 0
    clock = first_response(ticket)
    assert clock.warning_escalated_at is not None
    assert clock.next_deadline == clock.due_at
    breach = sweep(now=created + 121 * MIN)
    assert (breach.warnings, breach.breaches) == (0, 1)
    clock = first_response(ticket)
    assert clock.state == ClockState.BREACHED
    assert clock.breached_at == clock.due_at
    assert clock.next_deadline is None
    assert [entry.split(" (")[0] for entry in sla_log(ticket)] == [
        "First response SLA warning",
        "First response SLA breached",
    ]


def test_a_clock_found_past_its_due_time_breaches_without_a_separate_warning(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User
) -> None:
    ticket = make_ticket(bob)
    result = sweep(now=ticket.created_at + 5 * 60 * MIN)
    assert (result.warnings, result.breaches) == (0, 1)
    assert first_response(ticket).warning_escalated_at is not None


def test_escalation_rules_notify_reassign_and_raise_priority(
    standard_policy: SlaPolicy,
    make_ticket: Callable[..., Ticket],
    bob: User,
    lead: User,
    dave: User,
    support: Team,
) -> None:
    support.lead = lead
    support.save()
    rule(standard_policy, Threshold.WARNING, EscalationAction.NOTIFY_TEAM_LEAD)
    rule(standard_policy, Threshold.BREACH, EscalationAction.NOTIFY_USER, dave)
    rule(standard_policy, Threshold.BREACH, EscalationAction.REASSIGN, dave)
    rule(standard_policy, Threshold.BREACH, EscalationAction.RAISE_PRIORITY)
    ticket = make_ticket(bob)
    Ticket.objects.filter(pk=ticket.pk).update(team=support)
    before_mail = OutboxMessage.objects.count()

    assert sweep(now=ticket.created_at + 100 * MIN).escalations == 1
    mails = OutboxMessage.objects.order_by("id")[before_mail:]
    assert [m.payload["to"] for m in mails] == [[lead.email]]
    assert "SLA warning" in mails[0].payload["subject"]

    result = sweep(now=ticket.created_at + 130 * MIN)
    assert result.escalations == 3
    ticket.refresh_from_db()
    assert ticket.assignee == dave
    assert ticket.priority == 2
    assert ticket.priority_override_reason == "Raised by SLA escalation"
    # The raised priority has shorter targets: the resolution clock moved with it.
    resolution = TicketClock.objects.get(ticket=ticket, target="resolution")
    assert resolution.target_minutes == 480
    recipients = [m.payload["to"] for m in OutboxMessage.objects.order_by("id")[before_mail:]]
    assert recipients.count([dave.email]) == 2  # the breach mail and "assigned to you"

    again = sweep(now=ticket.created_at + 130 * MIN)
    assert again == SweepResult()
    ticket.refresh_from_db()
    assert ticket.priority == 2


def test_escalations_are_made_by_the_sla_system_actor_with_their_reasons(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User, alice: User
) -> None:
    rule(standard_policy, Threshold.BREACH, EscalationAction.REASSIGN, alice)
    rule(standard_policy, Threshold.BREACH, EscalationAction.RAISE_PRIORITY)
    ticket = make_ticket(bob)
    Ticket.objects.filter(pk=ticket.pk).update(team=alice.teams.get())

    assert sweep(now=ticket.created_at + 121 * MIN).escalations == 2

    entries = Activity.objects.filter(ticket=ticket, channel="system").order_by("id")
    assert {(a.actor, a.system_actor) for a in entries} == {(None, "sla_escalation")}
    logged = {a.field: a.new_value for a in entries}
    assert logged["assignee"] == str(alice)
    assert logged["assignee_reason"].startswith("First response SLA breached")
    assert (logged["priority"], logged["priority_reason"]) == ("2", "Raised by SLA escalation")
    ticket.refresh_from_db()
    assert ticket.team == alice.teams.get()  # alice is a member: the ticket stays in the team


def test_a_rule_naming_somebody_who_may_not_hold_tickets_passes_them_over(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User, viewer: User
) -> None:
    rule(standard_policy, Threshold.BREACH, EscalationAction.REASSIGN, viewer)
    ticket = make_ticket(bob)
    assert sweep(now=ticket.created_at + 121 * MIN).breaches == 1
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_rules_for_another_target_do_not_run(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User
) -> None:
    EscalationRule.objects.create(
        policy=standard_policy,
        target="resolution",
        threshold=Threshold.BREACH,
        action=EscalationAction.RAISE_PRIORITY,
    )
    ticket = make_ticket(bob)
    assert sweep(now=ticket.created_at + 121 * MIN).escalations == 0
    ticket.refresh_from_db()
    assert ticket.priority == 3


def test_a_stale_deadline_is_repaired_without_escalating(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User
) -> None:
    ticket = make_ticket(bob)
    clock = first_response(ticket)
    TicketClock.objects.filter(pk=clock.pk).update(next_deadline=ticket.created_at)
    assert sweep(now=ticket.created_at + MIN).processed == 0
    assert first_response(ticket).next_deadline == clock.warning_at


@pytest.mark.postgres
# available_apps makes the teardown flush TRUNCATE ... CASCADE, which tables that other apps
# create outside the ORM (and reference ORM tables) need.
@pytest.mark.django_db(transaction=True, available_apps=list(settings.INSTALLED_APPS))
def test_two_workers_racing_escalate_each_clock_once(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User, alice: User
) -> None:
    rule(standard_policy, Threshold.BREACH, EscalationAction.RAISE_PRIORITY)
    rule(standard_policy, Threshold.BREACH, EscalationAction.NOTIFY_USER, alice)
    tickets = [make_ticket(bob) for _ in range(20)]
    now = max(t.created_at for t in tickets) + 24 * 60 * MIN
    barrier = threading.Barrier(2)
    results: list[SweepResult] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(sweep(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # 20 first-response and 20 resolution breaches, split between the two workers.
    assert sum(r.breaches for r in results) == 40
    assert sum(r.escalations for r in results) == 80
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.priority == 1  # raised twice (two clocks), never more
        assert len(sla_log(ticket)) == 2
    breach_mails = OutboxMessage.objects.filter(idempotency_key__startswith="sla:clock:")
    assert breach_mails.count() == 40


def test_a_threshold_is_claimed_once_and_only_while_the_newest_row_says_it_is_due(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User
) -> None:
    from sustain.sla.escalation import _claim

    ticket = make_ticket(bob)
    clock = first_response(ticket)
    assert clock.warning_at is not None
    now = ticket.created_at + 200 * MIN
    assert _claim([clock.pk], now) == {clock.pk: Threshold.BREACH}
    # A second worker that read the clock as due before the first claimed it claims nothing.
    assert _claim([clock.pk], now) == {}
    # A deadline that a recompute moved past now since it was read is not claimed either.
    TicketClock.objects.filter(pk=clock.pk).update(
        warning_escalated_at=None,
        breach_escalated_at=None,
        warning_at=now + MIN,
        due_at=now + 2 * MIN,
        next_deadline=clock.warning_at,
    )
    assert _claim([clock.pk], now) == {}
    # Once the warning is due, only the warning is claimed; the breach is the next deadline.
    assert _claim([clock.pk], now + MIN) == {clock.pk: Threshold.WARNING}
    assert first_response(ticket).next_deadline == now + 2 * MIN


def test_a_clock_whose_escalation_fails_does_not_stop_the_others(
    standard_policy: SlaPolicy,
    make_ticket: Callable[..., Ticket],
    bob: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sustain.sla import escalation

    rule(standard_policy, Threshold.BREACH, EscalationAction.RAISE_PRIORITY)
    broken, fine = make_ticket(bob), make_ticket(bob)
    original = escalation._raise_priority

    def fail_for_one(ticket: Ticket) -> None:
        if ticket.pk == broken.pk:
            raise RuntimeError("mail server on fire")
        original(ticket)

    monkeypatch.setattr(escalation, "_raise_priority", fail_for_one)
    now = fine.created_at + 121 * MIN
    result = sweep(now=now)
    assert result.breaches == 1
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert (fine.priority, broken.priority) == (2, 3)
    # The broken clock stays due: the next run tries again, nothing was half done.
    assert first_response(broken).breach_escalated_at is None
    assert sla_log(broken) == []


def test_two_clocks_of_one_ticket_escalating_together_both_count(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User
) -> None:
    rule(standard_policy, Threshold.BREACH, EscalationAction.RAISE_PRIORITY)
    ticket = make_ticket(bob)
    result = sweep(now=ticket.created_at + 24 * 60 * MIN)
    assert (result.breaches, result.escalations) == (2, 2)
    ticket.refresh_from_db()
    assert ticket.priority == 1
