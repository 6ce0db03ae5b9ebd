"""An occurrence is done when its ticket is resolved or closed: on time if by its due time,
late otherwise. In "after completion" mode that also sets the schedule's next due date,
``interval_days`` after the completion (Salesforce's ``GenerateUponCompletion``).

Registered with ``tickets.hooks.on_ticket_changed`` (``PreventiveConfig.ready``): it runs in
the transaction of the ticket's change, so the history moves with the status or not at all.
A reopened ticket makes its occurrence open again.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.utils import timezone

from sustain.preventive.choices import DONE_OUTCOMES, Mode, Outcome
from sustain.preventive.dues import due_after_completion
from sustain.preventive.models import Occurrence, Schedule
from sustain.tickets.choices import FINISHED_STATUSES


def ticket_changed(ticket_ids: Collection[int], *, created: bool = False) -> None:
    if created:
        return  # a new ticket is no occurrence's yet
    rows = Occurrence.objects.filter(ticket_id__in=ticket_ids).select_related("ticket", "schedule")
    for occurrence in rows:
        ticket = occurrence.ticket
        assert ticket is not None
        finished = ticket.status in FINISHED_STATUSES
        if finished and occurrence.outcome == Outcome.OPEN:
            _complete(occurrence, ticket.resolved_at or timezone.now())
        elif not finished and occurrence.outcome in DONE_OUTCOMES:
            occurrence.outcome, occurrence.completed_at = Outcome.OPEN, None
            occurrence.save(update_fields=["outcome", "completed_at"])


def _complete(occurrence: Occurrence, done_at: datetime) -> None:
    occurrence.completed_at = done_at
    occurrence.outcome = Outcome.ON_TIME if done_at <= occurrence.due_at else Outcome.LATE
    occurrence.save(update_fields=["outcome", "completed_at"])
    schedule = occurrence.schedule
    if schedule.mode != Mode.AFTER_COMPLETION or schedule.interval_days is None:
        return
    due = due_after_completion(
        done_at, schedule.interval_days, schedule.start_time, schedule.time_zone
    )
    open_at = due - schedule.lead_time if schedule.active else None
    # Only a schedule that waits for this completion moves (not one already planned again).
    Schedule.objects.filter(pk=schedule.pk, next_due__isnull=True).update(
        next_due=due, next_open_at=open_at, updated_at=timezone.now()
    )
