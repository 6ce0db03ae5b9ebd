"""The sweep: tickets open once per occurrence, lead time before the due time, at the same
local time across DST; completion, missed escalation, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sustain.core.models import OutboxMessage
from sustain.preventive.choices import Mode, Outcome
from sustain.preventive.models import Occurrence, Schedule
from sustain.preventive.sweep import open_occurrence, sweep
from sustain.preventive.tests.conftest import HOUR, MONDAY
from sustain.tickets.choices import Kind, MaintenanceType, Status
from sustain.tickets.models import Activity, ChecklistItem, Ticket
from sustain.tickets.services import transition_ticket

pytestmark = pytest.mark.django_db


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_calendar_occurrences_stay_at_nine_berlin_time_across_dst(make_schedule):
    schedule = make_schedule()
    # 09:00 CEST is 07:00 UTC before 25 October, 09:00 CET is 08:00 UTC after.
    assert schedule.next_due == utc(2026, 10, 19, 7, 0)
    sweep(now=utc(2026, 10, 19, 7, 0))
    schedule.refresh_from_db()
    assert schedule.next_due == utc(2026, 10, 26, 8, 0)
    sweep(now=utc(2026, 10, 26, 8, 0))
    dues = sorted(Occurrence.objects.values_list("due_at", flat=True))
    assert dues == [utc(2026, 10, 19, 7, 0), utc(2026, 10, 26, 8, 0)]
    titles = sorted(Ticket.objects.values_list("title", flat=True))
    assert titles == [
        "Rotate backup disks (due 2026-10-19 09:00)",
        "Rotate backup disks (due 2026-10-26 09:00)",
    ]


def test_the_ticket_opens_lead_time_before_due_as_a_preventive_task(make_schedule, support):
    schedule = make_schedule(lead_time=timedelta(days=2), priority=2)
    assert schedule.next_open_at == utc(2026, 10, 17, 7, 0)
    # The schedule was created after its open time: the sweep opens it at once.
    assert sweep(now=MONDAY).opened == 1
    schedule.refresh_from_db()
    # 09:00 CET on 26 October is 08:00 UTC; two days (48 hours) before.
    assert schedule.next_open_at == utc(2026, 10, 24, 8, 0)
    assert sweep(now=utc(2026, 10, 24, 7, 59)).opened == 0
    assert sweep(now=utc(2026, 10, 24, 8, 0)).opened == 1
    ticket: Any = Ticket.objects.order_by("pk").last()
    assert ticket.kind == Kind.MAINTENANCE_TASK
    assert ticket.maintenance_type == MaintenanceType.PREVENTIVE
    assert ticket.team == support
    assert ticket.priority == 2
    items = list(ChecklistItem.objects.filter(ticket=ticket).values_list("text", "mandatory"))
    assert items == [("Swap the disk", True), ("Label it", False)]
    added: Any = Activity.objects.filter(ticket=ticket, field="checklist_added").first()
    assert added.system_actor == "preventive"


def test_an_occurrence_is_claimed_once(make_schedule):
    schedule = make_schedule()
    due = schedule.next_due
    assert open_occurrence(schedule.pk, due, MONDAY) is not None
    # A second worker that read the same due occurrence opens nothing.
    assert open_occurrence(schedule.pk, due, MONDAY) is None
    assert sweep(now=MONDAY + HOUR).opened == 0
    assert Ticket.objects.count() == 1


def test_completion_records_on_time_or_late(make_schedule, alice, support):
    make_schedule(assignee=alice)
    sweep(now=MONDAY)
    occurrence = Occurrence.objects.get()
    ticket: Any = occurrence.ticket
    item = ChecklistItem.objects.get(ticket=ticket, mandatory=True)
    from sustain.tickets.checklists import tick_checklist_item

    tick_checklist_item(actor=alice, ref=ticket.pk, item_id=item.pk)
    transition_ticket(actor=alice, ref=ticket.pk, status=Status.RESOLVED)
    occurrence.refresh_from_db()
    # Resolved now, after 07:00 UTC on 19 October 2026 (the tests run later): late.
    assert occurrence.outcome == Outcome.LATE
    assert occurrence.completed_at is not None
    transition_ticket(actor=alice, ref=ticket.pk, status=Status.OPEN)
    occurrence.refresh_from_db()
    assert occurrence.outcome == Outcome.OPEN


def test_after_completion_mode_plans_the_next_from_the_completion(make_schedule, alice):
    now = datetime.now(UTC)
    schedule = make_schedule(
        mode=Mode.AFTER_COMPLETION,
        rrule="",
        interval_days=10,
        start_date=now.date() + timedelta(days=1),
        lead_time=timedelta(days=2),
        checklist=[],
        now=now,
    )
    assert sweep(now=now).opened == 1
    schedule.refresh_from_db()
    assert schedule.next_due is None  # waits for the completion
    assert sweep(now=now + timedelta(days=30)).opened == 0
    occurrence: Any = Occurrence.objects.get()
    transition_ticket(actor=alice, ref=occurrence.ticket_id, status=Status.RESOLVED)
    occurrence.refresh_from_db()
    assert occurrence.outcome == Outcome.ON_TIME
    schedule.refresh_from_db()
    berlin = ZoneInfo("Europe/Berlin")
    local_day = occurrence.completed_at.astimezone(berlin).date()
    next_due: Any = schedule.next_due
    assert next_due.astimezone(berlin).date() == local_day + timedelta(days=10)
    assert schedule.next_open_at == next_due - timedelta(days=2)


def test_a_missed_occurrence_escalates_once_to_assignee_and_lead(
    make_schedule, alice, lead, support
):
    support.lead = lead
    support.save()
    make_schedule(assignee=alice)
    sweep(now=MONDAY)
    occurrence = Occurrence.objects.get()
    assert sweep(now=utc(2026, 10, 19, 7, 0)).escalated == 0  # due, not yet missed
    assert sweep(now=utc(2026, 10, 19, 7, 1)).escalated == 1
    assert sweep(now=utc(2026, 10, 19, 8, 0)).escalated == 0
    occurrence.refresh_from_db()
    assert occurrence.escalated_at == utc(2026, 10, 19, 7, 1)
    mail = OutboxMessage.objects.get(idempotency_key__startswith="preventive:")
    assert sorted(mail.payload["to"]) == sorted([alice.email, lead.email])
    logged = Activity.objects.filter(ticket=occurrence.ticket, field="preventive_missed")
    assert logged.count() == 1


def test_a_schedule_whose_owner_left_reports_and_retries(make_schedule, engineer):
    schedule = make_schedule()
    engineer.is_active = False
    engineer.save()
    result = sweep(now=MONDAY)
    assert (result.opened, result.failed) == (0, 1)
    schedule.refresh_from_db()
    assert "may no longer" in schedule.last_error
    assert schedule.next_due == utc(2026, 10, 19, 7, 0)  # nothing claimed
    assert not Ticket.objects.exists()


def test_a_paused_schedule_opens_nothing(make_schedule, engineer):
    from sustain.preventive.services import set_schedule_active

    schedule = make_schedule()
    set_schedule_active(actor=engineer, schedule_id=schedule.pk, active=False, now=MONDAY)
    assert Schedule.objects.get().next_open_at is None
    assert sweep(now=MONDAY + 30 * 24 * HOUR).opened == 0
    set_schedule_active(
        actor=engineer, schedule_id=schedule.pk, active=True, now=utc(2026, 11, 3, 12)
    )
    assert Schedule.objects.get().next_due == utc(2026, 11, 9, 8, 0)
