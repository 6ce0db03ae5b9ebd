"""On-call pages of the agent workspace: who is on call now (all teams), a team's schedule
with its rotations, overrides and swaps, and the rotation editor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sustain.accounts import away
from sustain.accounts.access import capability_required, signed_in_user, staff_required
from sustain.accounts.models import Team, User
from sustain.accounts.planned_work import planned_work_sources
from sustain.core.errors import NotFound, ServiceError, ValidationFailed
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error
from sustain.oncall import fairness, ical, selectors, services, workload
from sustain.oncall.choices import SwapStatus
from sustain.oncall.forms import AwayForm, CapacityForm, OverrideForm, RotationForm, SwapForm

# How far ahead a team's page shows the schedule.
AHEAD = timedelta(days=14)


@staff_required
def now(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    at = timezone.now()
    rows = selectors.current(Team.objects.order_by("name"), at)
    mine = [row for row in rows if row.user is not None and row.user.pk == actor.pk]
    context = {"nav": "oncall", "rows": rows, "at": at, "mine": mine}
    return render_page(request, "oncall/now.html", context)


def _team_context(actor: User, team: Team, **extra: Any) -> dict[str, Any]:
    at = timezone.now()
    pieces = selectors.team_schedule(team, at, at + AHEAD)
    overrides = list(selectors.overrides_ending_after(at, team.pk)[:50])
    swaps = list(selectors.waiting_swaps(team.pk)[:50])
    users = User.objects.in_bulk({p.user_id for p in pieces})
    is_member = team.members.filter(pk=actor.pk).exists()
    return {
        "nav": "oncall",
        "team": team,
        "current": selectors.current([team], at)[0],
        "pieces": [(p, users.get(p.user_id)) for p in pieces],
        "rotations": list(selectors.rotations_of([team.pk])),
        "overrides": overrides,
        "swaps": swaps,
        "may_manage": selectors.may_manage(actor),
        "is_member": is_member,
        "override_form": extra.pop("override_form", None) or OverrideForm(team=team),
        "swap_form": extra.pop("swap_form", None) or SwapForm(team=team, actor=actor),
        **extra,
    }


@staff_required
def team_page(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    team = selectors.get_team_for(actor, team_id)
    return render_page(request, "oncall/team.html", _team_context(actor, team))


# --- the rotation editor --------------------------------------------------------------------
@capability_required(Capability.ONCALL_MANAGE)
def rotation_new(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    team = selectors.get_team_for(actor, team_id)
    if request.method == "POST":
        form = RotationForm(request.POST, team=team)
        if form.is_valid():
            try:
                services.create_rotation(actor=actor, team=team, data=form.data_for_service())
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "Rotation created.")
                return redirect(reverse("oncall:team", args=[team.pk]))
    else:
        form = RotationForm(
            team=team,
            initial={"time_zone": actor.time_zone, "start_date": timezone.localdate()},
        )
    context = {"nav": "oncall", "team": team, "form": form, "rotation": None}
    return render_page(
        request, "oncall/rotation_form.html", context, status=422 if form.errors else 200
    )


@capability_required(Capability.ONCALL_MANAGE)
def rotation_edit(request: HttpRequest, rotation_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    rotation = selectors.get_rotation_for(actor, rotation_id)
    team = rotation.team
    if request.method == "POST":
        form = RotationForm(request.POST, team=team)
        if form.is_valid():
            try:
                services.update_rotation(
                    actor=actor, rotation_id=rotation.pk, data=form.data_for_service()
                )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "Rotation saved.")
                return redirect(reverse("oncall:team", args=[team.pk]))
    else:
        form = RotationForm(team=team, initial=RotationForm.initial_of(rotation))
    context = {"nav": "oncall", "team": team, "form": form, "rotation": rotation}
    return render_page(
        request, "oncall/rotation_form.html", context, status=422 if form.errors else 200
    )


@capability_required(Capability.ONCALL_MANAGE)
@require_POST
def rotation_delete(request: HttpRequest, rotation_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    rotation = selectors.get_rotation_for(actor, rotation_id)
    services.delete_rotation(actor=actor, rotation_id=rotation.pk)
    messages.success(request, f"Rotation “{rotation.name}” deleted.")
    return redirect(reverse("oncall:team", args=[rotation.team_id]))


# --- overrides and swaps --------------------------------------------------------------------
@capability_required(Capability.ONCALL_MANAGE)
@require_POST
def override_create(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    team = selectors.get_team_for(actor, team_id)
    form = OverrideForm(request.POST, team=team)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.create_override(
                actor=actor,
                team=team,
                user=data["user"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
            )
        except ServiceError as exc:
            add_service_error(form, exc, {"user_id": "user"})
            status = exc.status
        else:
            messages.success(request, f"{data['user'].display_name} covers that period.")
            return redirect(reverse("oncall:team", args=[team.pk]))
    context = _team_context(actor, team, override_form=form)
    return render_page(request, "oncall/team.html", context, status=status)


@capability_required(Capability.ONCALL_MANAGE)
@require_POST
def override_delete(request: HttpRequest, override_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    override = selectors.get_override_for(actor, override_id)
    services.delete_override(actor=actor, override_id=override.pk)
    messages.success(request, "Override removed.")
    return redirect(reverse("oncall:team", args=[override.team_id]))


@staff_required
@require_POST
def swap_create(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    team = selectors.get_team_for(actor, team_id)
    form = SwapForm(request.POST, team=team, actor=actor)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_swap(
                actor=actor,
                request=services.SwapRequest(
                    team=team,
                    partner=data["partner"],
                    give_start=data["give_start"],
                    give_end=data["give_end"],
                    take_start=data["take_start"],
                    take_end=data["take_end"],
                    note=data["note"],
                ),
            )
        except ServiceError as exc:
            add_service_error(form, exc, {"partner_id": "partner"})
            status = exc.status
        else:
            messages.success(request, f"Asked {data['partner'].display_name} to swap.")
            return redirect(reverse("oncall:team", args=[team.pk]))
    context = _team_context(actor, team, swap_form=form)
    return render_page(request, "oncall/team.html", context, status=status)


@staff_required
@require_POST
def swap_decide(request: HttpRequest, swap_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    swap = selectors.get_swap_for(actor, swap_id)
    status = request.POST.get("status", "")
    try:
        if status not in SwapStatus.values:
            raise ValidationFailed("Accept, decline or cancel the swap.")
        services.decide_swap(actor=actor, swap_id=swap.pk, status=status)
    except ServiceError as exc:
        context = _team_context(actor, swap.team, swap_error=exc.detail)
        return render_page(request, "oncall/team.html", context, status=exc.status)
    messages.success(request, f"Swap {SwapStatus(status).label.lower()}.")
    return redirect(reverse("oncall:team", args=[swap.team_id]))


# --- calendar feeds -------------------------------------------------------------------------
@staff_required
@require_POST
def feed_create(request: HttpRequest) -> HttpResponse:
    """A new calendar address (the actor's shifts, or a team's with ``team``), shown once."""
    actor = signed_in_user(request)
    team_id = request.POST.get("team", "")
    team = selectors.get_team_for(actor, int(team_id)) if team_id.isdigit() else None
    made = ical.create_feed(actor=actor, team=team)
    address = request.build_absolute_uri(reverse("oncall:feed", args=[made.key]))
    messages.success(
        request,
        f"Subscribe to this address in your calendar app; it is shown only now: {address}",
    )
    back = reverse("oncall:team", args=[team.pk]) if team else reverse("oncall:now")
    return redirect(back)


def feed(request: HttpRequest, key: str) -> HttpResponse:
    """A calendar feed, opened by its secret key (calendar apps cannot sign in)."""
    try:
        found = ical.feed_for_key(key)
    except NotFound:
        raise Http404("No such calendar.") from None
    body = ical.feed_calendar(found, domain=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="on-call.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- fairness -------------------------------------------------------------------------------
@staff_required
def fairness_page(request: HttpRequest) -> HttpResponse:
    error = ""
    try:
        first = fairness.parse_month(request.GET.get("month"))
    except ValidationFailed as exc:
        error, first = exc.detail, fairness.parse_month(None)
    rows = fairness.monthly_hours(first)
    most = max((r.hours for r in rows), default=0.0)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    context = {
        "nav": "oncall",
        "month": first,
        "rows": [(r, round(100 * r.hours / most) if most else 0) for r in rows],
        "previous": f"{previous:%Y-%m}",
        "following": f"{following:%Y-%m}",
        "error": error,
    }
    return render_page(request, "oncall/fairness.html", context, status=422 if error else 200)


@staff_required
def fairness_csv(request: HttpRequest) -> HttpResponse:
    first = fairness.parse_month(request.GET.get("month"))
    body = fairness.as_csv(first, fairness.monthly_hours(first))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="on-call-hours-{first:%Y-%m}.csv"'
    return response


# --- workload -------------------------------------------------------------------------------
@staff_required
def workload_page(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = CapacityForm(request.POST or None)
    status = 200
    if request.method == "POST":
        team = selectors.get_team_for(actor, _id(request.POST.get("team")))
        try:
            if not form.is_valid():
                raise ValidationFailed.field("hours_per_member_week", "From 0 to 168.")
            services.set_capacity(
                actor=actor,
                team=team,
                hours_per_member_week=form.cleaned_data["hours_per_member_week"],
            )
        except ServiceError as exc:
            messages.error(request, f"{team.name}: {exc.detail}")
            status = exc.status
        else:
            messages.success(request, f"{team.name}: capacity saved.")
            return redirect(reverse("oncall:workload"))
    loads = workload.workload(list(Team.objects.order_by("name")))
    sources = [s.name for s in planned_work_sources()]
    context = {
        "nav": "oncall",
        "loads": loads,
        "sources": sources,
        "may_manage": selectors.may_manage(actor),
    }
    return render_page(request, "oncall/workload.html", context, status=status)


def _id(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else 0


# --- away periods ---------------------------------------------------------------------------
@staff_required
def away_page(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    everyone = selectors.may_manage(actor) or actor.can(Capability.PEOPLE_MANAGE)
    form = AwayForm(request.POST or None, actor=actor, everyone=everyone)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                away.add_away_period(
                    actor=actor,
                    user=data["user"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    reason=data["reason"],
                )
            except ServiceError as exc:
                add_service_error(form, exc, {"user_id": "user"})
                status = exc.status
            else:
                messages.success(request, f"{data['user'].display_name} is marked away.")
                return redirect(reverse("oncall:away"))
    periods = selectors.away_periods_ending_after(timezone.now())[:200]
    context = {
        "nav": "oncall",
        "form": form,
        "periods": [(p, away.may_record_for(actor, p.user)) for p in periods],
    }
    return render_page(request, "oncall/away.html", context, status=status)


@staff_required
@require_POST
def away_delete(request: HttpRequest, period_id: int) -> HttpResponse:
    away.delete_away_period(actor=signed_in_user(request), period_id=period_id)
    messages.success(request, "Away period removed.")
    return redirect(reverse("oncall:away"))
