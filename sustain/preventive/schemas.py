"""The API's schemas of preventive maintenance."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from sustain.accounts.schemas import UserRef, user_ref
from sustain.core.schemas import Id, In, Out, Ref, Text, WallTime
from sustain.preventive.choices import Mode, Outcome
from sustain.preventive.models import SKIP_REASON_MAX_LENGTH, Occurrence, Schedule
from sustain.tickets.models import CHECKLIST_ITEM_MAX_LENGTH, CHECKLIST_MAX_ITEMS


class ScheduleItemIn(In):
    text: Text = Field(..., min_length=1, max_length=CHECKLIST_ITEM_MAX_LENGTH)
    mandatory: bool = False


class ScheduleIn(In):
    name: Text = Field(..., min_length=1, max_length=200)
    description: Text = Field("", max_length=20000)
    mode: Mode = Mode.CALENDAR
    rrule: Text = Field(
        "",
        max_length=500,
        description="Calendar mode: an RFC 5545 RRULE, e.g. `FREQ=WEEKLY;BYDAY=MO`.",
    )
    start_date: date = Field(..., description="The first occurrence's local date.")
    start_time: WallTime
    time_zone: Text = Field("UTC", max_length=64, description="An IANA zone: Europe/Berlin.")
    interval_days: int | None = Field(
        None, ge=1, le=3650, description="After-completion mode: days after the last completion."
    )
    lead_time_hours: int = Field(
        0, ge=0, le=8760, description="The ticket opens this many hours before the due time."
    )
    organisation_id: Id | None = None
    team_id: Id | None = None
    assignee_id: Id | None = None
    product_id: Id | None = None
    component_id: Id | None = None
    priority: int = Field(3, ge=1, le=4)
    checklist: list[ScheduleItemIn] = Field(default_factory=list, max_length=CHECKLIST_MAX_ITEMS)
    active: bool = True


class ScheduleChecklistItemOut(Out):
    text: str
    mandatory: bool


class ScheduleOut(Out):
    id: int
    name: str
    description: str
    active: bool
    mode: Mode
    rrule: str
    start_date: date
    start_time: WallTime
    time_zone: str
    interval_days: int | None
    lead_time_hours: int
    organisation: Ref | None
    team: Ref | None
    assignee: UserRef | None
    product: Ref | None
    component: Ref | None
    priority: int
    checklist: list[ScheduleChecklistItemOut]
    owner: UserRef | None
    next_due: datetime | None = Field(..., description="The next occurrence to open.")
    next_open_at: datetime | None = Field(..., description="When its ticket opens.")
    last_error: str = Field(..., description="Why the last occurrence could not open.")

    @classmethod
    def of(cls, row: Schedule) -> ScheduleOut:
        def ref(obj: object) -> Ref | None:
            if obj is None:
                return None
            return Ref(id=obj.pk, name=str(getattr(obj, "name", obj)))  # type: ignore[attr-defined]

        return cls(
            id=row.pk,
            name=row.name,
            description=row.description,
            active=row.active,
            mode=Mode(row.mode),
            rrule=row.rrule,
            start_date=row.start_date,
            start_time=row.start_time,
            time_zone=row.time_zone,
            interval_days=row.interval_days,
            lead_time_hours=int(row.lead_time.total_seconds() // 3600),
            organisation=ref(row.organisation),
            team=ref(row.team),
            assignee=user_ref(row.assignee),
            product=ref(row.product),
            component=ref(row.component),
            priority=row.priority,
            checklist=[
                ScheduleChecklistItemOut(text=i["text"], mandatory=bool(i.get("mandatory")))
                for i in row.checklist
            ],
            owner=user_ref(row.owner),
            next_due=row.next_due,
            next_open_at=row.next_open_at,
            last_error=row.last_error,
        )


class SchedulePage(Out):
    items: list[ScheduleOut]
    next_cursor: str | None


class SchedulePageParams(In):
    cursor: Text | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class SkipIn(In):
    reason: Text = Field(..., min_length=1, max_length=SKIP_REASON_MAX_LENGTH)


class OccurrenceOut(Out):
    id: int
    due_at: datetime
    outcome: Outcome
    ticket: str | None = Field(..., description="The ticket's number, e.g. SUS-42.")
    opened_at: datetime | None
    completed_at: datetime | None
    escalated_at: datetime | None = Field(..., description="When the missed one was escalated.")
    skip_reason: str
    skipped_by: UserRef | None

    @classmethod
    def of(cls, row: Occurrence) -> OccurrenceOut:
        return cls(
            id=row.pk,
            due_at=row.due_at,
            outcome=Outcome(row.outcome),
            ticket=row.ticket.number if row.ticket else None,
            opened_at=row.opened_at,
            completed_at=row.completed_at,
            escalated_at=row.escalated_at,
            skip_reason=row.skip_reason,
            skipped_by=user_ref(row.skipped_by),
        )


class OccurrencePage(Out):
    items: list[OccurrenceOut]
    next_cursor: str | None
