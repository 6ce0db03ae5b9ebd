"""Preventive maintenance through the API: schedules (list, create, read, replace, delete),
their history, and skipping the next occurrence. Staff read; leads, administrators and
maintenance engineers change (``preventive.manage``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from ninja import Query, Router
from ninja import Status as HttpStatus

from sustain.accounts.api import actor_of
from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product
from sustain.core.errors import ValidationFailed
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.schemas import Id
from sustain.preventive import selectors, services
from sustain.preventive.schemas import (
    OccurrenceOut,
    OccurrencePage,
    ScheduleIn,
    ScheduleOut,
    SchedulePage,
    SchedulePageParams,
    SkipIn,
)
from sustain.tickets.checklists import NewItem

router = Router(tags=["preventive"])
BASE = "/preventive/schedules"


def _one[M: Model](model: type[M], pk: int | None, name: str) -> M | None:
    if pk is None:
        return None
    found = model._default_manager.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed.field(name, f"No {name.removesuffix('_id')} {pk}.")
    return found


def _data(payload: ScheduleIn) -> services.ScheduleData:
    refs: dict[str, Any] = {
        "organisation": _one(Organisation, payload.organisation_id, "organisation_id"),
        "team": _one(Team, payload.team_id, "team_id"),
        "assignee": _one(User, payload.assignee_id, "assignee_id"),
        "product": _one(Product, payload.product_id, "product_id"),
        "component": _one(Component, payload.component_id, "component_id"),
    }
    return services.ScheduleData(
        name=payload.name,
        description=payload.description,
        mode=payload.mode,
        rrule=payload.rrule,
        start_date=payload.start_date,
        start_time=payload.start_time,
        time_zone=payload.time_zone,
        interval_days=payload.interval_days,
        lead_time=timedelta(hours=payload.lead_time_hours),
        priority=payload.priority,
        checklist=[NewItem(i.text, i.mandatory) for i in payload.checklist],
        active=payload.active,
        **refs,
    )


@router.get(
    BASE,
    response={200: SchedulePage, 403: Problem},
    summary="Preventive-maintenance schedules (staff)",
)
def list_schedules(request: HttpRequest, page: Query[SchedulePageParams]) -> SchedulePage:
    rows = selectors.visible_schedules(actor_of(request))
    found = paginate(rows, order="name", cursor=page.cursor, limit=page.limit)
    return SchedulePage(
        items=[ScheduleOut.of(row) for row in found.items], next_cursor=found.next_cursor
    )


@router.post(
    BASE,
    response={201: ScheduleOut},
    summary="Create a schedule (leads, administrators, engineers)",
    description=(
        "Calendar mode needs `rrule` (RFC 5545, in `time_zone`, from `start_date` "
        "`start_time`); after-completion mode needs `interval_days`. The ticket of each "
        "occurrence opens `lead_time_hours` before it is due, as a maintenance task of type "
        "preventive, with the checklist."
    ),
)
def create_schedule(request: HttpRequest, payload: ScheduleIn) -> HttpStatus[ScheduleOut]:
    row = services.create_schedule(actor=actor_of(request), data=_data(payload))
    return HttpStatus(201, ScheduleOut.of(row))


@router.get(
    f"{BASE}/{{schedule_id}}", response={200: ScheduleOut, 403: Problem}, summary="One schedule"
)
def get_schedule(request: HttpRequest, schedule_id: Id) -> ScheduleOut:
    return ScheduleOut.of(selectors.get_schedule_for(actor_of(request), schedule_id))


@router.put(
    f"{BASE}/{{schedule_id}}",
    response=ScheduleOut,
    summary="Replace a schedule (a new timing plans its next occurrence again)",
)
def replace_schedule(request: HttpRequest, schedule_id: Id, payload: ScheduleIn) -> ScheduleOut:
    actor = actor_of(request)
    selectors.get_schedule_for(actor, schedule_id)
    row = services.update_schedule(actor=actor, schedule_id=schedule_id, data=_data(payload))
    return ScheduleOut.of(selectors.get_schedule_for(actor, row.pk))


@router.delete(
    f"{BASE}/{{schedule_id}}",
    response={204: None},
    summary="Delete a schedule and its history (its tickets stay)",
)
def delete_schedule(request: HttpRequest, schedule_id: Id) -> HttpStatus[None]:
    actor = actor_of(request)
    selectors.get_schedule_for(actor, schedule_id)
    services.delete_schedule(actor=actor, schedule_id=schedule_id)
    return HttpStatus(204, None)


@router.get(
    f"{BASE}/{{schedule_id}}/occurrences",
    response={200: OccurrencePage, 403: Problem},
    summary="A schedule's history: each occurrence open, done on time, late, or skipped",
)
def list_occurrences(
    request: HttpRequest, schedule_id: Id, page: Query[SchedulePageParams]
) -> OccurrencePage:
    schedule = selectors.get_schedule_for(actor_of(request), schedule_id)
    found = paginate(
        selectors.history_of(schedule), order="-due_at", cursor=page.cursor, limit=page.limit
    )
    return OccurrencePage(
        items=[OccurrenceOut.of(row) for row in found.items], next_cursor=found.next_cursor
    )


@router.post(
    f"{BASE}/{{schedule_id}}/skip",
    response={201: OccurrenceOut, 409: Problem},
    summary="Skip the next occurrence, with a reason (before its ticket opens)",
    description="409 when there is no upcoming occurrence (one waiting for its completion).",
)
def skip_next(request: HttpRequest, schedule_id: Id, payload: SkipIn) -> HttpStatus[OccurrenceOut]:
    actor = actor_of(request)
    selectors.get_schedule_for(actor, schedule_id)
    row = services.skip_next_occurrence(actor=actor, schedule_id=schedule_id, reason=payload.reason)
    return HttpStatus(201, OccurrenceOut.of(row))
