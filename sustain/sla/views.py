"""SLA pages: policies and calendars (leads change them), and the SLA report with a chart."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from sustain.accounts.access import capability_required, signed_in_user, staff_required
from sustain.core.errors import Conflict, ValidationFailed
from sustain.core.htmx import render_page
from sustain.core.permissions import Capability
from sustain.core.web_errors import add_service_error
from sustain.sla import services
from sustain.sla.forms import CalendarForm, PolicyForm, ReportForm
from sustain.sla.models import BusinessCalendar
from sustain.sla.selectors import ReportRow, duration_text, sla_report

# Service field names as the forms call them.
_FORM_FIELDS = {
    "intervals": "hours",
    "warning_share": "warning_percent",
    "calendar_id": "calendar",
    "organisation_id": "organisation",
    "product_id": "product",
}


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    context = {
        "nav": "sla",
        "policies": services.policy_queryset(),
        "calendars": BusinessCalendar.objects.prefetch_related("intervals", "holidays"),
        "can_edit": actor.can(Capability.SLA_MANAGE),
    }
    return render_page(request, "sla/index.html", context)


# --- calendars ----------------------------------------------------------------------------
@capability_required(Capability.SLA_MANAGE)
def calendar_form(request: HttpRequest, calendar_id: int | None = None) -> HttpResponse:
    actor = signed_in_user(request)
    calendar = services.get_calendar_for(actor, calendar_id) if calendar_id else None
    initial = CalendarForm.initial_for(calendar) if calendar else {}
    form = CalendarForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if calendar is None:
                calendar = services.create_calendar(actor=actor, data=form.data_for_service())
            else:
                services.update_calendar(
                    actor=actor, calendar_id=calendar.pk, data=form.data_for_service()
                )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc, _FORM_FIELDS)
        else:
            messages.success(request, f"Saved the calendar {calendar.name}.")
            return redirect("sla:index")
    context = {"nav": "sla", "form": form, "calendar": calendar}
    status = 422 if form.errors else 200
    return render_page(request, "sla/calendar_form.html", context, status=status)


@capability_required(Capability.SLA_MANAGE)
@require_POST
def calendar_delete(request: HttpRequest, calendar_id: int) -> HttpResponse:
    try:
        services.delete_calendar(actor=signed_in_user(request), calendar_id=calendar_id)
    except Conflict as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Deleted the calendar.")
    return redirect("sla:index")


# --- policies -----------------------------------------------------------------------------
@capability_required(Capability.SLA_MANAGE)
def policy_form(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    actor = signed_in_user(request)
    policy = services.get_policy_for(actor, policy_id) if policy_id else None
    initial = PolicyForm.initial_for(policy) if policy else {}
    form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if policy is None:
                policy = services.create_policy(actor=actor, data=form.data_for_service())
            else:
                services.update_policy(
                    actor=actor, policy_id=policy.pk, data=form.data_for_service()
                )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc, _FORM_FIELDS)
        else:
            messages.success(
                request,
                f"Saved the policy {policy.name}. New ticket changes use it at once; run "
                "'sustain sla recompute' to move the clocks of open tickets.",
            )
            return redirect("sla:index")
    target_fields = [f for f in form if f.name[:1] == "p" and f.name[1:2].isdigit()]
    other_fields = [f for f in form if f not in target_fields]
    context = {
        "nav": "sla",
        "form": form,
        "policy": policy,
        "target_fields": target_fields,
        "other_fields": other_fields,
    }
    status = 422 if form.errors else 200
    return render_page(request, "sla/policy_form.html", context, status=status)


@capability_required(Capability.SLA_MANAGE)
@require_POST
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    services.delete_policy(actor=signed_in_user(request), policy_id=policy_id)
    messages.success(request, "Deleted the policy.")
    return redirect("sla:index")


# --- report -------------------------------------------------------------------------------
BAR_HEIGHT = 22
CHART_WIDTH = 640
LABEL_WIDTH = 220


def chart_bars(rows: list[ReportRow]) -> list[dict[str, object]]:
    """Geometry of a horizontal bar chart of compliance, drawn as SVG by the template."""
    bars = []
    scale = (CHART_WIDTH - LABEL_WIDTH - 60) / 100
    for index, row in enumerate(r for r in rows if r.compliance is not None):
        compliance = row.compliance or 0.0
        bars.append(
            {
                "y": index * BAR_HEIGHT,
                "label": f"{row.key} · {row.target.replace('_', ' ')}",
                "width": round(compliance * scale, 1),
                "value": compliance,
                "level": "ok"
                if compliance >= 95
                else "warning"
                if compliance >= 80
                else "breached",
            }
        )
    return bars


@staff_required
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.GET or None)
    result = None
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        try:
            result = sla_report(
                actor=signed_in_user(request),
                since=data.get("since"),
                until=data.get("until"),
                group_by=data.get("group_by") or "policy",
            )
        except ValidationFailed as exc:
            add_service_error(form, exc, _FORM_FIELDS)
    bars = chart_bars(result.rows) if result else []
    context = {
        "nav": "sla",
        "form": form,
        "report": result,
        "rows": [
            {
                "row": row,
                "median": duration_text(row.median_seconds)
                if row.median_seconds is not None
                else "",
                "p90": duration_text(row.p90_seconds) if row.p90_seconds is not None else "",
            }
            for row in (result.rows if result else [])
        ],
        "bars": bars,
        "chart_height": max(len(bars), 1) * BAR_HEIGHT,
        "chart_width": CHART_WIDTH,
        "label_width": LABEL_WIDTH,
        "csv_query": request.GET.urlencode(),
    }
    return render_page(request, "sla/report.html", context, status=422 if form.errors else 200)
