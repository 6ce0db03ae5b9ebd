"""SLA escalations reach the person on call for the ticket's team (through accounts.on_call)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from sustain.accounts.models import Team, User
from sustain.core.models import OutboxMessage
from sustain.factories import make_sla_policy
from sustain.oncall.models import Rotation
from sustain.sla.choices import EscalationAction, Threshold
from sustain.sla.engine import forget_policies
from sustain.sla.escalation import sweep
from sustain.sla.models import EscalationRule
from sustain.tickets.models import Ticket

pytestmark = pytest.mark.django_db
MIN = timedelta(minutes=1)


@pytest.fixture
def policy(db: None):
    forget_policies()
    return make_sla_policy("Standard")


def _today_rotation(make_rotation: Callable[..., Rotation], members: list[User]) -> Rotation:
    # Starts yesterday so that somebody is on call whenever the ticket breaches.
    start = timezone.now().date() - timedelta(days=1)
    return make_rotation(
        members, time_zone="UTC", start_date=start, handover="every_hours", every=24 * 30
    )


def test_a_breach_assigns_the_ticket_to_the_on_call_person_and_tells_them(
    policy, make_rotation, make_ticket, bob: User, erik: User, support: Team
):
    _today_rotation(make_rotation, [erik])
    EscalationRule.objects.create(
        policy=policy, threshold=Threshold.BREACH, action=EscalationAction.ASSIGN_ON_CALL
    )
    EscalationRule.objects.create(
        policy=policy, threshold=Threshold.BREACH, action=EscalationAction.NOTIFY_ON_CALL
    )
    ticket: Ticket = make_ticket(bob)
    Ticket.objects.filter(pk=ticket.pk).update(team=support)
    before = OutboxMessage.objects.count()

    assert sweep(now=ticket.created_at + 121 * MIN).escalations == 2

    ticket.refresh_from_db()
    assert ticket.assignee == erik
    mails = [m.payload for m in OutboxMessage.objects.order_by("id")[before:]]
    assert [m["to"] for m in mails].count([erik.email]) == 2  # the breach, "assigned to you"
    assert any("SLA breached" in m["subject"] for m in mails)


def test_with_nobody_on_call_the_escalation_changes_nothing(
    policy, make_ticket, bob: User, support: Team
):
    EscalationRule.objects.create(
        policy=policy, threshold=Threshold.BREACH, action=EscalationAction.ASSIGN_ON_CALL
    )
    ticket: Ticket = make_ticket(bob)
    assert sweep(now=ticket.created_at + 121 * MIN).breaches == 1
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_the_on_call_person_at_the_moment_of_the_escalation_is_used(
    policy, make_rotation, make_ticket, bob: User, alice: User, erik: User, support: Team
):
    # Hourly handover from the start of today: who is on call depends on the sweep's instant.
    now = timezone.now()
    rotation = make_rotation(
        [alice, erik],
        time_zone="UTC",
        start_date=now.date(),
        handover="every_hours",
        every=1,
        handover_time=datetime.min.time(),
    )
    EscalationRule.objects.create(
        policy=policy, threshold=Threshold.BREACH, action=EscalationAction.ASSIGN_ON_CALL
    )
    ticket: Ticket = make_ticket(bob)
    Ticket.objects.filter(pk=ticket.pk).update(team=support)
    at = ticket.created_at + 121 * MIN
    start = datetime.combine(rotation.start_date, rotation.handover_time, tzinfo=now.tzinfo)
    expected = [alice, erik][int((at - start) // timedelta(hours=1)) % 2]
    sweep(now=at)
    ticket.refresh_from_db()
    assert ticket.assignee == expected
