"""Request and response schemas of the SLA API (inputs and outputs kept apart)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from sustain.core.schemas import Id, In, Out, Quantity, WallTime
from sustain.sla.choices import ClockState, EscalationAction, Target, Threshold
from sustain.tickets.choices import Channel, Kind, Status


class IntervalIn(In):
    weekday: int = Field(..., ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start: WallTime
    end: WallTime = Field(..., description="Wall-clock time; 00:00 means midnight (24:00)")


class HolidayIn(In):
    date: date
    yearly: bool = False
    name: str = ""


class CalendarIn(In):
    name: str
    time_zone: str = Field(..., description="IANA time zone, e.g. Europe/Berlin")
    intervals: list[IntervalIn]
    holidays: list[HolidayIn] = []
    country: str = Field("", description="ISO code: public holidays from the holidays package")
    subdivision: str = ""


class IntervalOut(Out):
    weekday: int
    start: WallTime
    end: WallTime


class HolidayOut(Out):
    date: date
    yearly: bool
    name: str


class CalendarOut(Out):
    id: int
    name: str
    time_zone: str
    country: str
    subdivision: str
    intervals: list[IntervalOut]
    holidays: list[HolidayOut]


class TargetIn(In):
    priority: int = Field(..., ge=1, le=4)
    first_response_minutes: Quantity | None = None
    next_response_minutes: Quantity | None = None
    resolution_minutes: Quantity | None = None


class EscalationIn(In):
    threshold: Threshold
    action: EscalationAction
    target: Target | Literal[""] = ""
    user_id: Id | None = None


class PolicyIn(In):
    name: str
    position: Quantity = 0
    is_active: bool = True
    calendar_id: Id | None = Field(None, description="none: the built-in 24x7 calendar")
    organisation_id: Id | None = None
    customer_tier: str = ""
    product_id: Id | None = None
    tag: str = ""
    kinds: list[Kind] = []
    priorities: list[Quantity] = []
    channels: list[Channel] = []
    warning_share: float = 0.75
    pause_statuses: list[Status] = [Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY]
    targets: list[TargetIn]
    escalations: list[EscalationIn] = []


class TargetOut(Out):
    priority: int
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None


class EscalationOut(Out):
    threshold: Threshold
    action: EscalationAction
    target: Target | Literal[""]
    user_id: int | None


class PolicyOut(Out):
    id: int
    name: str
    position: int
    is_active: bool
    calendar_id: int | None
    calendar: str
    organisation_id: int | None
    customer_tier: str
    product_id: int | None
    tag: str
    kinds: list[str]
    priorities: list[int]
    channels: list[str]
    warning_share: float
    pause_statuses: list[str]
    targets: list[TargetOut]
    escalations: list[EscalationOut]


class ClockOut(Out):
    target: Target
    state: ClockState
    level: str = Field(..., description="ok, warning, breached, paused, met or cancelled")
    policy_id: int | None
    reason: str = Field(..., description="which policy applies and why")
    target_minutes: int
    started_at: datetime
    warning_at: datetime | None
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    seconds_left: int | None = Field(..., description="wall-clock seconds until due")
    elapsed_seconds: int = Field(..., description="business time used")


class ReportRowOut(Out):
    key: str
    target: Target
    clocks: int
    met: int
    breached: int
    open: int
    compliance: float | None = Field(..., description="percent met on time of met + breached")
    median_seconds: int | None = Field(..., description="business time to the event")
    p90_seconds: int | None


class SlaReportOut(Out):
    since: date
    until: date
    group_by: str
    rows: list[ReportRowOut]
