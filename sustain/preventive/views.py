"""Preventive-maintenance pages of the agent workspace: the schedule list, the editor, and one
schedule with its history (skip the next occurrence, pause, resume, delete)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sustain.accounts.access import capability_required, signed_in_user, staff_required
from sustain.core.errors import ServiceError, ValidationFailed
from sustain.core.htmx import render_page
from sustain.core.pagination import paginate
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error
from sustain.preventive import selectors, services
from sustain.preventive.forms import ScheduleForm, SkipForm
from sustain.preventive.models import Schedule

PAGE = 50
_RENAME = {"timezone": "time_zone", "lead_time": "lead_days"}


def _page_of(rows: Any, order: str, cursor: str | None) -> Any:
    try:
        return paginate(rows, order=order, cursor=cursor, limit=PAGE)
    except ValidationFailed:
        return paginate(rows, order=order, cursor=None, limit=PAGE)


def lead_text(lead: timedelta) -> str:
    """A lead time as people say it: "2 days 6 hours before", "at the due time"."""
    days, hours = lead.days, lead.seconds // 3600
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((days, "day"), (hours, "hour"))]
    said = " ".join(p for p, n in zip(parts, (days, hours), strict=True) if n)
    return f"{said} before due" if said else "at the due time"


@staff_required
def schedule_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    rows = selectors.listed(selectors.visible_schedules(actor))
    context = {
        "nav": "preventive",
        "page": _page_of(rows, "name", request.GET.get("cursor")),
        "may_manage": actor.can(Capability.PREVENTIVE_MANAGE),
    }
    return render_page(request, "preventive/list.html", context)


@capability_required(Capability.PREVENTIVE_MANAGE)
def edit(request: HttpRequest, schedule_id: int | None = None) -> HttpResponse:
    actor = signed_in_user(request)
    schedule = selectors.get_schedule_for(actor, schedule_id) if schedule_id else None
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            saved = _save(form, actor, schedule)
            if saved is not None:
                messages.success(request, f"Saved {saved.name}.")
                return redirect("preventive:detail", schedule_id=saved.pk)
    else:
        form = ScheduleForm(initial=ScheduleForm.initial_of(schedule) if schedule else None)
    context = {"nav": "preventive", "form": form, "schedule": schedule}
    return render(request, "preventive/edit.html", context, status=422 if form.errors else 200)


def _save(form: ScheduleForm, actor: Any, schedule: Schedule | None) -> Schedule | None:
    try:
        if schedule is None:
            return services.create_schedule(actor=actor, data=form.data_for_service())
        return services.update_schedule(
            actor=actor, schedule_id=schedule.pk, data=form.data_for_service()
        )
    except ServiceError as exc:
        add_service_error(form, exc, rename=_RENAME)
        return None


@staff_required
def detail(request: HttpRequest, schedule_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    schedule = selectors.get_schedule_for(actor, schedule_id)
    return _detail(request, actor, schedule, SkipForm())


def _detail(
    request: HttpRequest, actor: Any, schedule: Schedule, skip_form: SkipForm, status: int = 200
) -> HttpResponse:
    history = _page_of(selectors.history_of(schedule), "-due_at", request.GET.get("cursor"))
    context = {
        "nav": "preventive",
        "schedule": schedule,
        "history": history,
        "skip_form": skip_form,
        "lead_text": lead_text(schedule.lead_time),
        "may_manage": actor.can(Capability.PREVENTIVE_MANAGE),
    }
    return render(request, "preventive/detail.html", context, status=status)


@require_POST
@capability_required(Capability.PREVENTIVE_MANAGE)
def skip(request: HttpRequest, schedule_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    schedule = selectors.get_schedule_for(actor, schedule_id)
    form = SkipForm(request.POST)
    if form.is_valid():
        try:
            skipped = services.skip_next_occurrence(
                actor=actor, schedule_id=schedule.pk, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Skipped the occurrence due {skipped.due_at:%Y-%m-%d}.")
            return redirect("preventive:detail", schedule_id=schedule.pk)
    return _detail(request, actor, schedule, form, status=422 if form.errors else 409)


@require_POST
@capability_required(Capability.PREVENTIVE_MANAGE)
def set_active(request: HttpRequest, schedule_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    selectors.get_schedule_for(actor, schedule_id)
    active = request.POST.get("active") == "1"
    services.set_schedule_active(actor=actor, schedule_id=schedule_id, active=active)
    messages.success(request, "Resumed." if active else "Paused: nothing opens until resumed.")
    return redirect("preventive:detail", schedule_id=schedule_id)


@require_POST
@capability_required(Capability.PREVENTIVE_MANAGE)
def delete(request: HttpRequest, schedule_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    schedule = selectors.get_schedule_for(actor, schedule_id)
    services.delete_schedule(actor=actor, schedule_id=schedule.pk)
    messages.success(request, f"Deleted {schedule.name}; the tickets it opened stay.")
    return redirect("preventive:list")
