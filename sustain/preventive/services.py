"""Preventive-maintenance schedules: create, change, pause, resume, delete; skip the next
occurrence. One transaction each; the actor needs ``preventive.manage`` (leads,
administrators, maintenance engineers). Opening the tickets is the sweep's (``sweep``);
completing an occurrence is the ticket's (``completion``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product
from sustain.core.errors import Conflict, NotFound, ValidationFailed
from sustain.core.permissions import Capability, require
from sustain.core.recurrence import parse_rule, zone_named
from sustain.preventive.choices import Mode, Outcome
from sustain.preventive.dues import due_after_completion, first_due, next_calendar_due
from sustain.preventive.models import SKIP_REASON_MAX_LENGTH, Occurrence, Schedule
from sustain.tickets.checklists import NewItem, check_items
from sustain.tickets.choices import Priority
from sustain.tickets.validation import check_assignee, check_catalogue, check_text

MANAGE_REFUSED = "Only leads, administrators and maintenance engineers manage schedules."
MAX_LEAD_TIME = timedelta(days=365)
MAX_INTERVAL_DAYS = 3650


@dataclass
class ScheduleData:
    name: str
    start_date: date
    start_time: time
    mode: str = Mode.CALENDAR
    rrule: str = ""
    time_zone: str = "UTC"
    interval_days: int | None = None
    lead_time: timedelta = timedelta(0)
    description: str = ""
    organisation: Organisation | None = None
    team: Team | None = None
    assignee: User | None = None
    product: Product | None = None
    component: Component | None = None
    priority: int = Priority.P3
    checklist: list[NewItem] = field(default_factory=list)
    active: bool = True


_TIMING = ("mode", "rrule", "start_date", "start_time", "time_zone", "interval_days")


def _clean(data: ScheduleData) -> dict[str, Any]:
    """The checked fields of a schedule, every refusal a 422 naming its field."""
    name = check_text("name", data.name, max_length=200, single_line=True)
    if data.mode not in Mode.values:
        raise ValidationFailed.field("mode", f"Mode is one of {', '.join(Mode.values)}.")
    zone_named(data.time_zone)
    rrule, interval = "", None
    if data.mode == Mode.CALENDAR:
        rrule = parse_rule(data.rrule).text
    else:
        interval = data.interval_days
        if interval is None or not 1 <= interval <= MAX_INTERVAL_DAYS:
            raise ValidationFailed.field(
                "interval_days", f"Give the days between completions (1 to {MAX_INTERVAL_DAYS})."
            )
    if not timedelta(0) <= data.lead_time <= MAX_LEAD_TIME:
        raise ValidationFailed.field("lead_time", "The lead time is 0 to 365 days.")
    if data.priority not in Priority.values:
        raise ValidationFailed.field("priority", "Priority is 1 (critical) to 4 (low).")
    if data.assignee is not None:
        check_assignee(data.assignee, data.team)
    product = check_catalogue(data.product, data.component, None)
    checklist = check_items(data.checklist, field="checklist")
    return {
        "name": name,
        "description": data.description.strip(),
        "active": data.active,
        "mode": data.mode,
        "rrule": rrule,
        "start_date": data.start_date,
        "start_time": data.start_time.replace(microsecond=0),
        "time_zone": data.time_zone,
        "interval_days": interval,
        "lead_time": data.lead_time,
        "organisation": data.organisation,
        "team": data.team,
        "assignee": data.assignee,
        "product": product,
        "component": data.component,
        "priority": data.priority,
        "checklist": [{"text": i.text, "mandatory": i.mandatory} for i in checklist],
    }


def _plan(schedule: Schedule, now: datetime) -> None:
    """Set the next occurrence of a schedule whose timing changed (or that was resumed)."""
    waiting = (
        schedule.mode == Mode.AFTER_COMPLETION
        and schedule.pk is not None
        and schedule.occurrences.filter(outcome=Outcome.OPEN).exists()
    )
    if waiting:
        schedule.next_due = None  # the open occurrence's completion sets it
        _set_open_at(schedule)
        return
    # Never an occurrence the history already holds (opened early by the lead time, or
    # skipped): the next one after the latest of them.
    latest = (
        schedule.occurrences.aggregate(latest=Max("due_at"))["latest"]
        if schedule.pk is not None
        else None
    )
    if schedule.mode == Mode.CALENDAR and latest is not None and latest >= now:
        schedule.next_due = next_calendar_due(
            schedule.rrule, schedule.start_date, schedule.start_time, schedule.time_zone, latest
        )
    else:
        schedule.next_due = first_due(
            schedule.mode,
            schedule.rrule,
            schedule.start_date,
            schedule.start_time,
            schedule.time_zone,
            now,
        )
    _set_open_at(schedule)


def _set_open_at(schedule: Schedule) -> None:
    if schedule.active and schedule.next_due is not None:
        schedule.next_open_at = schedule.next_due - schedule.lead_time
    else:
        schedule.next_open_at = None


def create_schedule(*, actor: User, data: ScheduleData, now: datetime | None = None) -> Schedule:
    require(actor, Capability.PREVENTIVE_MANAGE, MANAGE_REFUSED)
    values = _clean(data)
    now = now or timezone.now()
    with transaction.atomic():
        schedule = Schedule(**values, owner=actor, created_at=now, updated_at=now)
        _plan(schedule, now)
        schedule.save()
    return schedule


def update_schedule(
    *, actor: User, schedule_id: int, data: ScheduleData, now: datetime | None = None
) -> Schedule:
    require(actor, Capability.PREVENTIVE_MANAGE, MANAGE_REFUSED)
    values = _clean(data)
    now = now or timezone.now()
    with transaction.atomic():
        schedule = _locked(schedule_id)
        timing = any(getattr(schedule, name) != values[name] for name in _TIMING)
        resumed = values["active"] and not schedule.active
        for name, value in values.items():
            setattr(schedule, name, value)
        if timing or resumed:
            _plan(schedule, now)
        else:
            _set_open_at(schedule)
        schedule.updated_at = now
        schedule.last_error = ""
        schedule.save()
    return schedule


def set_schedule_active(
    *, actor: User, schedule_id: int, active: bool, now: datetime | None = None
) -> Schedule:
    """Pause (nothing opens) or resume (from the next occurrence after now)."""
    require(actor, Capability.PREVENTIVE_MANAGE, MANAGE_REFUSED)
    now = now or timezone.now()
    with transaction.atomic():
        schedule = _locked(schedule_id)
        if schedule.active == active:
            return schedule
        schedule.active = active
        if active:
            _plan(schedule, now)
        else:
            _set_open_at(schedule)
        schedule.updated_at = now
        schedule.save()
    return schedule


def delete_schedule(*, actor: User, schedule_id: int) -> None:
    """Delete a schedule and its history; the tickets it opened stay."""
    require(actor, Capability.PREVENTIVE_MANAGE, MANAGE_REFUSED)
    with transaction.atomic():
        _locked(schedule_id).delete()


def skip_next_occurrence(
    *, actor: User, schedule_id: int, reason: str, now: datetime | None = None
) -> Occurrence:
    """Skip the schedule's next occurrence before its ticket opens, with a reason that the
    history keeps. Claimed like the sweep's opening (the same conditional UPDATE), so an
    occurrence is either opened or skipped, never both."""
    require(actor, Capability.PREVENTIVE_MANAGE, MANAGE_REFUSED)
    reason = check_text("reason", reason, max_length=SKIP_REASON_MAX_LENGTH)
    now = now or timezone.now()
    with transaction.atomic():
        schedule = _locked(schedule_id)
        due = schedule.next_due
        if due is None:
            raise Conflict(
                f"{schedule.name} has no upcoming occurrence to skip"
                + (
                    " (its open occurrence must be completed first)."
                    if schedule.mode == Mode.AFTER_COMPLETION
                    else "."
                )
            )
        if schedule.mode == Mode.CALENDAR:
            following = following_due(schedule, due, now)
        else:
            following = skip_following(schedule, due)
        if not claim(schedule, due, following, now):
            raise Conflict("The occurrence was opened or skipped meanwhile; reload the schedule.")
        return Occurrence.objects.create(
            schedule=schedule,
            due_at=due,
            outcome=Outcome.SKIPPED,
            skip_reason=reason,
            skipped_by=actor,
            created_at=now,
        )


# --- the claim, shared with the sweep -------------------------------------------------------
def following_due(schedule: Schedule, due: datetime, now: datetime) -> datetime | None:
    """The occurrence after ``due`` once ``due`` is opened: the next of the rule after both
    ``due`` and ``now`` (occurrences that passed while no sweep ran are not opened one by
    one); in "after completion" mode none until the ticket is done."""
    if schedule.mode == Mode.CALENDAR:
        return next_calendar_due(
            schedule.rrule,
            schedule.start_date,
            schedule.start_time,
            schedule.time_zone,
            max(due, now),
        )
    return None


def claim(schedule: Schedule, due: datetime, following: datetime | None, now: datetime) -> bool:
    """Move the schedule from ``due`` to ``following`` if it still waits for ``due``: one
    conditional UPDATE, so of several workers exactly one moves it (and opens or skips
    ``due``). PostgreSQL re-checks the WHERE on the row a concurrent claim committed."""
    open_at = following - schedule.lead_time if following is not None else None
    moved = Schedule.objects.filter(pk=schedule.pk, next_due=due, active=True).update(
        next_due=following, next_open_at=open_at, updated_at=now, last_error=""
    )
    if moved:
        schedule.next_due, schedule.next_open_at = following, open_at
    return moved == 1


def skip_following(schedule: Schedule, skipped: datetime) -> datetime:
    """After-completion mode: the occurrence after a skipped one."""
    assert schedule.interval_days is not None
    return due_after_completion(
        skipped, schedule.interval_days, schedule.start_time, schedule.time_zone
    )


def _locked(schedule_id: int) -> Schedule:
    schedule = Schedule.objects.select_for_update().filter(pk=schedule_id).first()
    if schedule is None:
        raise NotFound(f"No preventive schedule {schedule_id}.")
    return schedule
