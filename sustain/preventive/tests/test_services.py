"""Schedules: who may manage them, what is refused, skipping an occurrence with a reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from sustain.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sustain.preventive.choices import Mode, Outcome
from sustain.preventive.models import Occurrence, Schedule
from sustain.preventive.services import (
    ScheduleData,
    create_schedule,
    delete_schedule,
    skip_next_occurrence,
    update_schedule,
)
from sustain.preventive.sweep import sweep
from sustain.preventive.tests.conftest import MONDAY
from sustain.tickets.checklists import NewItem
from sustain.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def data(**fields):
    fields.setdefault("name", "Check certificates")
    fields.setdefault("start_date", date(2026, 10, 19))
    fields.setdefault("start_time", time(9, 0))
    fields.setdefault("rrule", "FREQ=MONTHLY;BYMONTHDAY=1")
    return ScheduleData(**fields)


def test_leads_admins_and_engineers_manage_agents_do_not(lead, admin, engineer, alice, viewer):
    for person in (lead, admin, engineer):
        create_schedule(actor=person, data=data(), now=MONDAY)
    for person in (alice, viewer):
        with pytest.raises(PermissionDenied):
            create_schedule(actor=person, data=data(), now=MONDAY)
    assert Schedule.objects.count() == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"rrule": "FREQ=MINUTELY"}, "rrule"),
        ({"time_zone": "Mars/Olympus"}, "timezone"),
        ({"mode": Mode.AFTER_COMPLETION, "interval_days": None}, "interval_days"),
        ({"mode": Mode.AFTER_COMPLETION, "interval_days": 0}, "interval_days"),
        ({"mode": "weekly"}, "mode"),
        ({"lead_time": timedelta(days=400)}, "lead_time"),
        ({"lead_time": timedelta(hours=-1)}, "lead_time"),
        ({"priority": 7}, "priority"),
        ({"checklist": [NewItem("  ")]}, "checklist"),
    ],
)
def test_bad_schedules_are_refused_naming_the_field(engineer, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        create_schedule(actor=engineer, data=data(**fields), now=MONDAY)
    assert field in refused.value.errors
    assert not Schedule.objects.exists()


def test_an_assignee_outside_the_team_is_refused(engineer, dave, support):
    with pytest.raises(ValidationFailed) as refused:
        create_schedule(actor=engineer, data=data(team=support, assignee=dave), now=MONDAY)
    assert "assignee" in refused.value.errors


def test_a_lead_skips_the_next_occurrence_with_a_reason(make_schedule, lead):
    schedule = make_schedule()
    skipped = skip_next_occurrence(
        actor=lead, schedule_id=schedule.pk, reason="Customer site closed", now=MONDAY
    )
    assert skipped.outcome == Outcome.SKIPPED
    assert skipped.due_at == datetime(2026, 10, 19, 7, tzinfo=UTC)
    assert skipped.skipped_by == lead
    schedule.refresh_from_db()
    assert schedule.next_due == datetime(2026, 10, 26, 8, tzinfo=UTC)
    # The skipped occurrence never opens.
    assert sweep(now=MONDAY + timedelta(hours=2)).opened == 0
    assert not Ticket.objects.exists()


def test_skipping_needs_a_reason_and_a_manager(make_schedule, alice, lead):
    schedule = make_schedule()
    with pytest.raises(ValidationFailed):
        skip_next_occurrence(actor=lead, schedule_id=schedule.pk, reason=" ", now=MONDAY)
    with pytest.raises(PermissionDenied):
        skip_next_occurrence(actor=alice, schedule_id=schedule.pk, reason="no", now=MONDAY)
    with pytest.raises(NotFound):
        skip_next_occurrence(actor=lead, schedule_id=999999, reason="no", now=MONDAY)


def test_after_completion_skip_counts_from_the_skipped_one(make_schedule, lead):
    schedule = make_schedule(mode=Mode.AFTER_COMPLETION, rrule="", interval_days=7, checklist=[])
    skip_next_occurrence(actor=lead, schedule_id=schedule.pk, reason="Holiday", now=MONDAY)
    schedule.refresh_from_db()
    assert schedule.next_due == datetime(2026, 10, 26, 8, tzinfo=UTC)  # 09:00 CET
    sweep(now=datetime(2026, 10, 26, 7, tzinfo=UTC))
    schedule.refresh_from_db()
    assert schedule.next_due is None
    with pytest.raises(Conflict):
        skip_next_occurrence(actor=lead, schedule_id=schedule.pk, reason="again", now=MONDAY)


def test_changing_the_rule_replans_and_history_stays(make_schedule, engineer):
    schedule = make_schedule()
    sweep(now=MONDAY)
    changed = update_schedule(
        actor=engineer,
        schedule_id=schedule.pk,
        data=data(rrule="FREQ=DAILY", time_zone="Europe/Berlin"),
        now=MONDAY + timedelta(hours=2),
    )
    assert changed.next_due == datetime(2026, 10, 20, 7, tzinfo=UTC)
    assert Occurrence.objects.filter(schedule=schedule).count() == 1
    delete_schedule(actor=engineer, schedule_id=schedule.pk)
    assert not Schedule.objects.exists()
    assert Ticket.objects.count() == 1  # the ticket it opened stays


def test_replanning_never_reopens_an_occurrence_the_history_holds(make_schedule, engineer):
    # Opened two days early; then the rule changes to one that still holds that day.
    schedule = make_schedule(lead_time=timedelta(days=2))
    sweep(now=MONDAY - timedelta(days=1))
    assert Occurrence.objects.count() == 1
    changed = update_schedule(
        actor=engineer,
        schedule_id=schedule.pk,
        data=data(rrule="FREQ=WEEKLY;BYDAY=MO,TH", time_zone="Europe/Berlin"),
        now=MONDAY - timedelta(days=1),
    )
    assert changed.next_due == datetime(2026, 10, 22, 7, tzinfo=UTC)  # Thursday, not Monday
    # Even a schedule pointed back at a held occurrence moves past it without a second ticket.
    Schedule.objects.filter(pk=schedule.pk).update(
        next_due=datetime(2026, 10, 19, 7, tzinfo=UTC), next_open_at=MONDAY
    )
    assert sweep(now=MONDAY).opened == 0
    assert Ticket.objects.count() == 1
    assert Schedule.objects.get().next_due == datetime(2026, 10, 22, 7, tzinfo=UTC)
