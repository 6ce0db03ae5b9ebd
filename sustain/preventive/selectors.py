"""Reading schedules and their history: staff read every schedule (they are a team's
routine work, not a customer's); customers see none."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from sustain.accounts.models import User
from sustain.core.errors import NotFound, PermissionDenied
from sustain.preventive.choices import Outcome
from sustain.preventive.models import Occurrence, Schedule

STAFF_ONLY = "Preventive maintenance schedules are for staff."


def visible_schedules(viewer: User) -> QuerySet[Schedule]:
    if not viewer.is_staff_member:
        raise PermissionDenied(STAFF_ONLY)
    return Schedule.objects.select_related(
        "team", "assignee", "owner", "organisation", "product", "component"
    )


def listed(rows: QuerySet[Schedule]) -> QuerySet[Schedule]:
    """With the counts of its history that the list shows."""
    return rows.annotate(
        open_count=Count("occurrences", filter=Q(occurrences__outcome=Outcome.OPEN)),
        late_count=Count("occurrences", filter=Q(occurrences__outcome=Outcome.LATE)),
    )


def get_schedule_for(viewer: User, schedule_id: int) -> Schedule:
    schedule = visible_schedules(viewer).filter(pk=schedule_id).first()
    if schedule is None:
        raise NotFound(f"No preventive schedule {schedule_id}.")
    return schedule


def history_of(schedule: Schedule) -> QuerySet[Occurrence]:
    """The schedule's occurrences, newest due first, with their tickets and skippers."""
    return Occurrence.objects.filter(schedule=schedule).select_related("ticket", "skipped_by")
