"""Maintenance pages of the agent workspace: the calendar (month, week, agenda) with ad-hoc
maintenance, the window editor with its conflicts, and freeze periods."""

from __future__ import annotations

import calendar as monthcal
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sustain.accounts.access import capability_required, signed_in_user, staff_required
from sustain.catalog.models import Product
from sustain.core.errors import ServiceError, ValidationFailed
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error
from sustain.maintenance import conflicts, ical, selectors, services
from sustain.maintenance.forms import RULE_PRESETS, AdhocForm, FeedForm, FreezeForm, WindowForm
from sustain.maintenance.models import FeedKey

VIEWS = ("month", "week", "agenda")
AGENDA_DAYS = 30
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Australia/Lord_Howe",
)


def _day(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        return timezone.localdate()


def _bounds(view: str, day: date) -> tuple[date, date]:
    if view == "month":
        first = day.replace(day=1)
        start = first - timedelta(days=first.weekday())
        last = first.replace(day=monthcal.monthrange(first.year, first.month)[1])
        end = last + timedelta(days=7 - last.weekday())
        return start, end
    if view == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    return day, day + timedelta(days=AGENDA_DAYS)


def _steps(view: str, day: date) -> tuple[date, date]:
    if view == "month":
        previous = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return previous, following
    step = timedelta(days=7 if view == "week" else AGENDA_DAYS)
    return day - step, day + step


def _instant(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()), timezone.get_current_timezone())


@staff_required
def calendar(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    asked = request.GET.get("view", "")
    view = asked if asked in VIEWS else "month"
    day = _day(request.GET.get("date"))
    start, end = _bounds(view, day)
    rows = selectors.visible_windows(actor)
    product = Product.objects.filter(pk=_int(request.GET.get("product")) or 0).first()
    if product is not None:
        rows = rows.filter(products=product) | rows.filter(components__product=product)
        rows = rows.distinct()
    found = selectors.entries(rows, _instant(start), _instant(end))
    by_day: dict[date, list[selectors.Entry]] = defaultdict(list)
    for entry in found:
        by_day[timezone.localtime(entry.start).date()].append(entry)
    days = [
        (d, by_day.get(d, []))
        for d in (start + timedelta(days=n) for n in range((end - start).days))
    ]
    previous, following = _steps(view, day)
    context = {
        "nav": "maintenance",
        "view": view,
        "day": day,
        "today": timezone.localdate(),
        "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
        "days": days,
        "entries": found,
        "previous": previous,
        "following": following,
        "products": Product.objects.order_by("name"),
        "product": product,
        "freezes": selectors.freezes_in(_instant(start), _instant(end)),
        "may_plan": services.may_plan(actor),
        "adhoc": AdhocForm(),
        "feeds": FeedKey.objects.filter(created_by=actor).select_related("team", "organisation"),
    }
    return render(request, "maintenance/calendar.html", context)


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


def _editor_context(form: WindowForm, **extra: Any) -> dict[str, Any]:
    return {
        "nav": "maintenance",
        "form": form,
        "zones": COMMON_ZONES,
        "presets": RULE_PRESETS,
        "refused": settings.SUSTAIN_MAINTENANCE_REFUSE,
        **extra,
    }


@capability_required(Capability.MAINTENANCE_WRITE)
def new_window(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    if request.method == "POST":
        form = WindowForm(request.POST)
        if form.is_valid():
            try:
                planned = services.plan_window(actor=actor, spec=form.spec(), creator=actor)
            except ServiceError as error:
                add_service_error(form, error, rename=_RENAME)
            else:
                _tell(request, planned, "Window planned.")
                return redirect(reverse("maintenance:window", args=[planned.window.pk]))
        return render(request, "maintenance/editor.html", _editor_context(form), status=422)
    sunday = timezone.localdate() + timedelta(days=6 - timezone.localdate().weekday())
    form = WindowForm(
        initial={
            "time_zone": actor.time_zone or "UTC",
            "start": datetime.combine(sunday, time(2)),
            "owner": actor,
            "duration": "PT2H",
        }
    )
    return render(request, "maintenance/editor.html", _editor_context(form))


_RENAME = {
    "product_ids": "products",
    "component_ids": "components",
    "organisation_ids": "organisations",
    "owner_id": "owner",
    "team_id": "team",
    "conflicts": "__all__",
}


def _tell(request: HttpRequest, planned: services.Planned, done: str) -> None:
    messages.success(request, done)
    for found in planned.warnings:
        messages.warning(request, found.message)


@staff_required
def window(request: HttpRequest, window_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    found = selectors.get_window_for(actor, window_id)
    may_plan = services.may_plan(actor)
    if request.method == "POST" and may_plan:
        form = WindowForm(request.POST)
        if form.is_valid():
            try:
                planned = services.update_window(actor=actor, window_id=found.pk, spec=form.spec())
            except ServiceError as error:
                add_service_error(form, error, rename=_RENAME)
            else:
                _tell(request, planned, "Window saved.")
                return redirect(reverse("maintenance:window", args=[found.pk]))
        status = 422
    else:
        form = WindowForm(initial=WindowForm.initial_of(found))
        status = 200
    now = timezone.now()
    upcoming = selectors.entries(
        selectors.visible_windows(actor).filter(pk=found.pk), now, now + timedelta(days=90), limit=8
    )
    current = conflicts.find(
        conflicts.timing_of(found), conflicts.Scope.of(found), exclude_window=found.pk
    )
    context = _editor_context(
        form, window=found, may_plan=may_plan, upcoming=upcoming, conflicts=current
    )
    return render(request, "maintenance/editor.html", context, status=status)


@capability_required(Capability.MAINTENANCE_WRITE)
@require_POST
def check(request: HttpRequest) -> HttpResponse:
    """The editor's conflicts panel, redrawn as the plan changes (htmx)."""
    data = request.POST.copy()
    data["title"] = data.get("title", "").strip() or "(untitled)"  # not needed to find clashes
    form = WindowForm(data)
    found: list[conflicts.Found] = []
    problem = ""
    if form.is_valid():
        try:
            window_id = _int(request.POST.get("window_id"))
            found = services.check_plan(services.clean(form.spec()), window_id=window_id)
        except ValidationFailed as error:
            problem = "; ".join(m for ms in error.errors.values() for m in ms) or error.detail
    else:
        problem = "Fill in the start, time zone and duration to see conflicts."
    context = {
        "conflicts": found,
        "problem": problem,
        "refused": settings.SUSTAIN_MAINTENANCE_REFUSE,
        "checked": True,
    }
    return render(request, "maintenance/partials/conflicts.html", context)


@capability_required(Capability.MAINTENANCE_WRITE)
@require_POST
def cancel(request: HttpRequest, window_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    selectors.get_window_for(actor, window_id)
    services.cancel_window(actor=actor, window_id=window_id)
    messages.success(request, "Window cancelled.")
    return redirect(reverse("maintenance:window", args=[window_id]))


@capability_required(Capability.MAINTENANCE_WRITE)
@require_POST
def adhoc(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = AdhocForm(request.POST)
    if form.is_valid():
        try:
            planned = services.start_adhoc(
                actor=actor,
                hours=form.cleaned_data["hours"],
                title=form.cleaned_data["title"],
                product_ids=[p.pk for p in form.cleaned_data["products"]],
                creator=actor,
            )
        except ServiceError as error:
            messages.error(request, error.detail)
        else:
            _tell(request, planned, f"Maintenance started for {form.cleaned_data['hours']} h.")
            return redirect(reverse("maintenance:window", args=[planned.window.pk]))
    else:
        messages.error(request, "Give a number of hours from 1 to 72.")
    return redirect(reverse("maintenance:calendar"))


@staff_required
def freezes(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    may_plan = services.may_plan(actor)
    form = FreezeForm(request.POST if request.method == "POST" and may_plan else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.create_freeze(
                    actor=actor,
                    title=data["title"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    reason=data["reason"],
                    product_ids=[p.pk for p in data["products"]],
                    creator=actor,
                )
            except ServiceError as error:
                add_service_error(form, error, rename={"product_ids": "products"})
            else:
                messages.success(request, "Freeze period declared.")
                return redirect(reverse("maintenance:freezes"))
        status = 422
    now = timezone.now()
    rows = selectors.freezes_in(now, now + timedelta(days=3660))
    context = {"nav": "maintenance", "form": form, "rows": rows, "may_plan": may_plan}
    return render(request, "maintenance/freezes.html", context, status=status)


@capability_required(Capability.MAINTENANCE_WRITE)
@require_POST
def delete_freeze(request: HttpRequest, freeze_id: int) -> HttpResponse:
    services.delete_freeze(actor=signed_in_user(request), freeze_id=freeze_id)
    messages.success(request, "Freeze period removed.")
    return redirect(reverse("maintenance:freezes"))


# --- calendar feeds --------------------------------------------------------------------------
def feed(request: HttpRequest, key: str) -> HttpResponse:
    """A team's or an organisation's windows for calendar apps, opened by the key alone."""
    row = ical.feed_of(key)
    if row is None:
        raise Http404("No such calendar.")
    rows, name, staff = ical.windows_of(row)
    body = ical.window_calendar(
        rows, name=name, domain=request.get_host().split(":")[0], staff=staff
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="maintenance.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


def feed_url(request: HttpRequest, raw: str) -> str:
    return request.build_absolute_uri(reverse("maintenance:feed", args=[raw]))


@staff_required
def feeds(request: HttpRequest) -> HttpResponse:
    """One's calendar keys: create one for a team or an organisation (shown once), revoke."""
    actor = signed_in_user(request)
    form = FeedForm(request.POST if request.method == "POST" else None)
    new_url = ""
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                _, raw = ical.create_feed_key(
                    actor=actor,
                    team=form.cleaned_data["team"],
                    organisation=form.cleaned_data["organisation"],
                )
            except ServiceError as error:
                add_service_error(form, error, rename={"team_id": "team"})
                status = 422
            else:
                new_url = feed_url(request, raw)
                form = FeedForm()
        else:
            status = 422
    context = {
        "nav": "maintenance",
        "form": form,
        "new_url": new_url,
        "keys": FeedKey.objects.filter(created_by=actor)
        .select_related("team", "organisation")
        .order_by("-created_at"),
    }
    return render(request, "maintenance/feeds.html", context, status=status)


@login_required
@require_POST
def revoke_feed(request: HttpRequest, key_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    ical.revoke_feed_key(actor=actor, key_id=key_id)
    messages.success(request, "Calendar key revoked.")
    target = "maintenance:feeds" if actor.is_staff_member else "portal:maintenance"
    return redirect(reverse(target))
