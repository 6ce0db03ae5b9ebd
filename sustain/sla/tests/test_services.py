"""The SLA services: calendars and policies change through them, and the engine sees it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

import pytest

from sustain.accounts.models import User
from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.sla import services
from sustain.sla.engine import active_policies
from sustain.sla.models import BusinessCalendar, SlaPolicy, TicketClock
from sustain.tickets.models import Ticket

pytestmark = pytest.mark.django_db

OFFICE_WEEK = [(day, time(9), time(17)) for day in range(5)]


def test_a_policy_changed_through_the_services_is_used_at_once(
    standard_policy: SlaPolicy, make_ticket: Callable[..., Ticket], bob: User, admin: User
) -> None:
    assert [rule.name for rule in active_policies()] == ["Standard"]
    services.update_policy(
        actor=admin,
        policy_id=standard_policy.pk,
        data=services.PolicyData(
            name="Standard", targets=[services.TargetData(3, resolution_minutes=60)]
        ),
    )
    # No cache to clear: the change bumped updated_at, which the engine checks on every use.
    ticket = make_ticket(bob)
    clock = TicketClock.objects.get(ticket=ticket, target="resolution")
    assert clock.target_minutes == 60
    assert not TicketClock.objects.filter(ticket=ticket, target="first_response").exists()


def test_updating_a_calendar_replaces_its_week_and_holidays(admin: User) -> None:
    data = services.CalendarData(
        name="Berlin office",
        time_zone="Europe/Berlin",
        intervals=OFFICE_WEEK,
        holidays=[(date(2026, 12, 25), True, "Christmas")],
    )
    calendar = services.create_calendar(actor=admin, data=data)
    data.intervals = [(0, time(8), time(12))]
    data.holidays = []
    services.update_calendar(actor=admin, calendar_id=calendar.pk, data=data)
    calendar = BusinessCalendar.objects.get(pk=calendar.pk)
    assert [(i.weekday, i.start, i.end) for i in calendar.intervals.all()] == data.intervals
    assert not calendar.holidays.exists()

    with pytest.raises(Conflict):
        services.create_calendar(actor=admin, data=data)


def test_only_leads_and_administrators_change_and_only_valid_settings(
    alice: User, admin: User
) -> None:
    data = services.CalendarData(name="Office", time_zone="Europe/Berlin", intervals=OFFICE_WEEK)
    with pytest.raises(PermissionDenied):
        services.create_calendar(actor=alice, data=data)
    data.holidays = [(date(2026, 12, 25), True, "Christmas"), (date(2027, 12, 25), True, "")]
    with pytest.raises(ValidationFailed):
        services.create_calendar(actor=admin, data=data)
    rule = services.EscalationData(threshold="breach", action="reassign")
    policy = services.PolicyData(
        name="Gold", targets=[services.TargetData(1, first_response_minutes=30)], escalations=[rule]
    )
    with pytest.raises(ValidationFailed):
        services.create_policy(actor=admin, data=policy)
    assert not BusinessCalendar.objects.exists()
    assert not SlaPolicy.objects.exists()
