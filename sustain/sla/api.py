"""SLA endpoints: calendars, policies, the clocks of a ticket and the SLA report (thin)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from sustain.accounts.api import actor_of
from sustain.core.openapi import Problem
from sustain.core.schemas import Id, In, Text
from sustain.sla import services
from sustain.sla.models import BusinessCalendar, SlaPolicy
from sustain.sla.schemas import (
    CalendarIn,
    CalendarOut,
    ClockOut,
    EscalationOut,
    HolidayOut,
    IntervalOut,
    PolicyIn,
    PolicyOut,
    ReportRowOut,
    SlaReportOut,
    TargetOut,
)
from sustain.sla.selectors import Report, clocks_for, sla_report
from sustain.tickets.selectors import get_ticket_for

router = Router(tags=["sla"])


# --- shaping ------------------------------------------------------------------------------
def calendar_out(calendar: BusinessCalendar) -> CalendarOut:
    return CalendarOut(
        id=calendar.pk,
        name=calendar.name,
        time_zone=calendar.time_zone,
        country=calendar.country,
        subdivision=calendar.subdivision,
        intervals=[
            IntervalOut(weekday=i.weekday, start=i.start, end=i.end)
            for i in calendar.intervals.all()
        ],
        holidays=[
            HolidayOut(date=h.date, yearly=h.yearly, name=h.name) for h in calendar.holidays.all()
        ],
    )


def policy_out(policy: SlaPolicy) -> PolicyOut:
    return PolicyOut(
        id=policy.pk,
        name=policy.name,
        position=policy.position,
        is_active=policy.is_active,
        calendar_id=policy.calendar_id,
        calendar=policy.calendar.name if policy.calendar else "24x7",
        organisation_id=policy.organisation_id,
        customer_tier=policy.customer_tier,
        product_id=policy.product_id,
        tag=policy.tag.name if policy.tag else "",
        kinds=policy.kinds,
        priorities=policy.priorities,
        channels=policy.channels,
        warning_share=policy.warning_share,
        pause_statuses=policy.pause_statuses,
        targets=[
            TargetOut(
                priority=t.priority,
                first_response_minutes=t.first_response_minutes,
                next_response_minutes=t.next_response_minutes,
                resolution_minutes=t.resolution_minutes,
            )
            for t in policy.targets.all()
        ],
        escalations=[
            EscalationOut(
                threshold=r.threshold,  # type: ignore[arg-type]
                action=r.action,  # type: ignore[arg-type]
                target=r.target,  # type: ignore[arg-type]
                user_id=r.user_id,
            )
            for r in policy.escalations.all()
        ],
    )


def calendar_data(payload: CalendarIn) -> services.CalendarData:
    return services.CalendarData(
        name=payload.name,
        time_zone=payload.time_zone,
        intervals=[(i.weekday, i.start, i.end) for i in payload.intervals],
        holidays=[(h.date, h.yearly, h.name) for h in payload.holidays],
        country=payload.country,
        subdivision=payload.subdivision,
    )


def policy_data(payload: PolicyIn) -> services.PolicyData:
    return services.PolicyData(
        name=payload.name,
        position=payload.position,
        is_active=payload.is_active,
        calendar_id=payload.calendar_id,
        organisation_id=payload.organisation_id,
        customer_tier=payload.customer_tier,
        product_id=payload.product_id,
        tag=payload.tag,
        kinds=[str(k) for k in payload.kinds],
        priorities=payload.priorities,
        channels=[str(c) for c in payload.channels],
        warning_share=payload.warning_share,
        pause_statuses=[str(s) for s in payload.pause_statuses],
        targets=[services.TargetData(**t.dict()) for t in payload.targets],
        escalations=[
            services.EscalationData(
                threshold=str(e.threshold),
                action=str(e.action),
                target=str(e.target),
                user_id=e.user_id,
            )
            for e in payload.escalations
        ],
    )


# --- calendars ----------------------------------------------------------------------------
@router.get(
    "/sla/calendars",
    response={200: list[CalendarOut], 403: Problem},
    summary="Business calendars (staff)",
)
def list_calendars(request: HttpRequest) -> list[CalendarOut]:
    services.require_sla_reader(actor_of(request))
    calendars = BusinessCalendar.objects.prefetch_related("intervals", "holidays")[:500]
    return [calendar_out(c) for c in calendars]


@router.post(
    "/sla/calendars", response={201: CalendarOut, 409: Problem}, summary="Create a calendar (leads)"
)
def create_calendar(request: HttpRequest, payload: CalendarIn) -> Status[CalendarOut]:
    calendar = services.create_calendar(actor=actor_of(request), data=calendar_data(payload))
    return Status(201, calendar_out(calendar))


@router.get("/sla/calendars/{calendar_id}", response={200: CalendarOut, 403: Problem})
def get_calendar(request: HttpRequest, calendar_id: Id) -> CalendarOut:
    return calendar_out(services.get_calendar_for(actor_of(request), calendar_id))


@router.put(
    "/sla/calendars/{calendar_id}",
    response={200: CalendarOut, 409: Problem},
    summary="Replace a calendar",
)
def update_calendar(request: HttpRequest, calendar_id: Id, payload: CalendarIn) -> CalendarOut:
    actor = actor_of(request)
    services.update_calendar(actor=actor, calendar_id=calendar_id, data=calendar_data(payload))
    return calendar_out(services.get_calendar_for(actor, calendar_id))


@router.delete("/sla/calendars/{calendar_id}", response={204: None, 409: Problem})
def delete_calendar(request: HttpRequest, calendar_id: Id) -> Status[None]:
    services.delete_calendar(actor=actor_of(request), calendar_id=calendar_id)
    return Status(204, None)


# --- policies -----------------------------------------------------------------------------
@router.get(
    "/sla/policies",
    response={200: list[PolicyOut], 403: Problem},
    summary="SLA policies in order (staff)",
)
def list_policies(request: HttpRequest) -> list[PolicyOut]:
    services.require_sla_reader(actor_of(request))
    return [policy_out(p) for p in services.policy_queryset()[:500]]


@router.post(
    "/sla/policies", response={201: PolicyOut, 409: Problem}, summary="Create a policy (leads)"
)
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status[PolicyOut]:
    actor = actor_of(request)
    policy = services.create_policy(actor=actor, data=policy_data(payload))
    return Status(201, policy_out(services.get_policy_for(actor, policy.pk)))


@router.get("/sla/policies/{policy_id}", response={200: PolicyOut, 403: Problem})
def get_policy(request: HttpRequest, policy_id: Id) -> PolicyOut:
    return policy_out(services.get_policy_for(actor_of(request), policy_id))


@router.put(
    "/sla/policies/{policy_id}", response={200: PolicyOut, 409: Problem}, summary="Replace a policy"
)
def update_policy(request: HttpRequest, policy_id: Id, payload: PolicyIn) -> PolicyOut:
    actor = actor_of(request)
    services.update_policy(actor=actor, policy_id=policy_id, data=policy_data(payload))
    return policy_out(services.get_policy_for(actor, policy_id))


@router.delete("/sla/policies/{policy_id}", response={204: None})
def delete_policy(request: HttpRequest, policy_id: Id) -> Status[None]:
    services.delete_policy(actor=actor_of(request), policy_id=policy_id)
    return Status(204, None)


# --- clocks and report --------------------------------------------------------------------
@router.get("/tickets/{ref}/sla", response=list[ClockOut], summary="SLA clocks of a ticket")
def ticket_clocks(request: HttpRequest, ref: Text) -> list[ClockOut]:
    ticket = get_ticket_for(actor_of(request), ref)
    return [
        ClockOut(
            target=c.target,  # type: ignore[arg-type]
            state=c.state,  # type: ignore[arg-type]
            level=c.level,
            policy_id=c.policy_id,
            reason=c.reason,
            target_minutes=c.target_minutes,
            started_at=c.started_at,
            warning_at=c.warning_at,
            due_at=c.due_at,
            met_at=c.met_at,
            breached_at=c.breached_at,
            seconds_left=c.seconds_left,
            elapsed_seconds=c.elapsed_seconds,
        )
        for c in clocks_for([ticket.pk])[ticket.pk]
    ]


class ReportParams(In):
    since: date | None = None
    until: date | None = None
    group_by: Literal["policy", "team", "priority", "period"] = "policy"
    format: Literal["json", "csv"] = "json"


CSV_COLUMNS = [
    "group",
    "key",
    "target",
    "clocks",
    "met",
    "breached",
    "open",
    "compliance_percent",
    "median_seconds",
    "p90_seconds",
]


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow(
            [
                report.group_by,
                row.key,
                row.target,
                row.clocks,
                row.met,
                row.breached,
                row.open,
                "" if row.compliance is None else row.compliance,
                "" if row.median_seconds is None else row.median_seconds,
                "" if row.p90_seconds is None else row.p90_seconds,
            ]
        )
    return out.getvalue()


@router.get(
    "/sla/report",
    response={200: SlaReportOut, 403: Problem},
    summary="SLA compliance and business-time distributions (JSON or CSV)",
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def report(request: HttpRequest, params: Query[ReportParams]) -> SlaReportOut | HttpResponse:
    result = sla_report(
        actor=actor_of(request), since=params.since, until=params.until, group_by=params.group_by
    )
    if params.format == "csv":
        response = HttpResponse(report_csv(result), content_type="text/csv; charset=utf-8")
        name = f"sla-{result.group_by}-{result.since}-{result.until}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return SlaReportOut(
        since=result.since,
        until=result.until,
        group_by=result.group_by,
        rows=[ReportRowOut(**row.__dict__) for row in result.rows],
    )
