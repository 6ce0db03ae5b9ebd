"""The periodic sweep (``sustain/schedule.py``, every minute): open the tickets whose lead
time has come, and escalate occurrences past due and still unresolved.

**Exactly once.** The sweep reads the schedules due to open through the partial index on
``next_open_at`` (only those need work, however many schedules exist) and opens each one's
occurrence in its own transaction, after claiming it with a conditional UPDATE on
``next_due`` (``services.claim``): of several workers sweeping at once, one moves the
schedule on and opens the ticket; the others' UPDATE changes no row and they go on. The
ticket, its checklist and the history row commit with the claim or not at all, and the
history's unique (schedule, due) row is a second guard.

**Missed occurrences** (due, ticket still open) are escalated once each: a conditional UPDATE
sets ``escalated_at``; the worker that set it tells the ticket's assignee and the team lead
(outbox e-mail) and notes it on the ticket's timeline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from sustain.accounts.actors import PREVENTIVE
from sustain.core import outbox
from sustain.core.errors import Conflict, ServiceError
from sustain.core.permissions import Capability
from sustain.core.recurrence import zone_named
from sustain.preventive.choices import Outcome
from sustain.preventive.models import Occurrence, Schedule
from sustain.preventive.services import claim, following_due
from sustain.tickets.checklists import NewItem, add_checklist_items
from sustain.tickets.choices import Channel, Kind, MaintenanceType
from sustain.tickets.creation import NewTicket, create_ticket
from sustain.tickets.models import ticket_url
from sustain.tickets.system import TicketEvent, record_events

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    opened: int = 0
    escalated: int = 0
    failed: int = 0


def sweep(*, now: datetime | None = None, limit: int = 1000) -> SweepResult:
    """Open up to ``limit`` due occurrences and escalate up to ``limit`` missed ones."""
    now = now or timezone.now()
    result = SweepResult()
    due = list(
        Schedule.objects.filter(next_open_at__lte=now)
        .order_by("next_open_at")
        .values_list("pk", "next_due")[:limit]
    )
    for schedule_id, next_due in due:
        if next_due is None:  # not planned: next_open_at is set only with next_due
            continue
        try:
            if open_occurrence(schedule_id, next_due, now) is not None:
                result.opened += 1
        except ServiceError as exc:
            # The schedule cannot open its ticket (its owner left, its team changed): said on
            # the schedule's page, tried again at the next sweep.
            logger.warning("Preventive schedule %s: %s", schedule_id, exc.detail)
            Schedule.objects.filter(pk=schedule_id).update(last_error=exc.detail[:500])
            result.failed += 1
    result.escalated = escalate_missed(now=now, limit=limit)
    return result


def open_occurrence(schedule_id: int, due: datetime, now: datetime) -> Occurrence | None:
    """Claim ``due`` of the schedule and open its ticket; None if another worker (or a skip)
    claimed it first."""
    with transaction.atomic():
        schedule = (
            Schedule.objects.select_related("owner", "team", "assignee", "product", "component")
            .filter(pk=schedule_id, next_due=due, active=True)
            .first()
        )
        if schedule is None:
            return None
        if not claim(schedule, due, following_due(schedule, due, now), now):
            return None
        if Occurrence.objects.filter(schedule=schedule, due_at=due).exists():
            return None  # already opened or skipped (a replanned schedule): moved past it
        owner = schedule.owner
        if not (owner.is_active and owner.can(Capability.TICKETS_WRITE)):
            raise Conflict(
                f"{owner.email} opens this schedule's tickets but may no longer: "
                "save the schedule as someone who may."
            )
        ticket = create_ticket(
            actor=owner,
            data=NewTicket(
                title=_title(schedule, due),
                description=_description(schedule, due),
                kind=Kind.MAINTENANCE_TASK,
                maintenance_type=MaintenanceType.PREVENTIVE,
                priority=schedule.priority,
                priority_reason=f"Set by preventive schedule {schedule.name}"[:500],
                organisation=schedule.organisation,
                team=schedule.team,
                assignee=schedule.assignee,
                product=schedule.product,
                component=schedule.component,
            ),
            channel=Channel.SYSTEM,
        )
        if schedule.checklist:
            add_checklist_items(
                actor=PREVENTIVE,
                ref=ticket.pk,
                items=[NewItem(i["text"], bool(i.get("mandatory"))) for i in schedule.checklist],
                channel=Channel.SYSTEM,
            )
        return Occurrence.objects.create(
            schedule=schedule, due_at=due, ticket=ticket, opened_at=now, created_at=now
        )


def _local(schedule: Schedule, due: datetime) -> str:
    return due.astimezone(zone_named(schedule.time_zone)).strftime("%Y-%m-%d %H:%M")


def _title(schedule: Schedule, due: datetime) -> str:
    return f"{schedule.name} (due {_local(schedule, due)})"[:250]


def _description(schedule: Schedule, due: datetime) -> str:
    text = schedule.description or schedule.name
    return (
        f"{text}\n\nPreventive maintenance: due {_local(schedule, due)} {schedule.time_zone}. "
        f"Opened by the schedule '{schedule.name}'."
    )


# --- missed occurrences ---------------------------------------------------------------------
def escalate_missed(*, now: datetime, limit: int = 1000) -> int:
    """Escalate each open occurrence whose due time has passed, once."""
    missed = list(
        Occurrence.objects.filter(outcome=Outcome.OPEN, escalated_at__isnull=True, due_at__lt=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    escalated = 0
    for occurrence_id in missed:
        with transaction.atomic():
            claimed = Occurrence.objects.filter(
                pk=occurrence_id, outcome=Outcome.OPEN, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue
            occurrence = Occurrence.objects.select_related(
                "schedule", "ticket__assignee", "ticket__team__lead"
            ).get(pk=occurrence_id)
            _tell(occurrence)
            escalated += 1
    return escalated


def _tell(occurrence: Occurrence) -> None:
    ticket = occurrence.ticket
    if ticket is None:
        return
    schedule = occurrence.schedule
    text = (
        f"Preventive maintenance '{schedule.name}' was due {_local(schedule, occurrence.due_at)} "
        f"{schedule.time_zone} and is not done."
    )
    record_events(actor=PREVENTIVE, events=[TicketEvent(ticket.pk, "preventive_missed", text)])
    people = [ticket.assignee, ticket.team.lead if ticket.team else None]
    to = sorted({p.email for p in people if p is not None and p.is_active})
    if to:
        outbox.record_emails(
            [
                outbox.Email(
                    key=f"preventive:occurrence:{occurrence.pk}:missed",
                    to=to,
                    subject=f"[{ticket.number}] Missed: {schedule.name}",
                    body=f"{text}\n\n{ticket_url(ticket.number)}",
                )
            ]
        )
