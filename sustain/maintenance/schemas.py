"""Input and output of the maintenance API (names start with ``Maintenance``: ninja files a
schema under its class name, and every name is the document's once)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field

from sustain.accounts.schemas import UserRef, user_ref
from sustain.core.schemas import Id, In, Out, Ref, Text
from sustain.maintenance.choices import ConflictKind, WindowStatus
from sustain.maintenance.conflicts import Found
from sustain.maintenance.models import (
    ACTIVITY_MAX_LENGTH,
    MAX_ACTIVITIES,
    TITLE_MAX_LENGTH,
    FeedKey,
    FreezePeriod,
    MaintenanceWindow,
)
from sustain.maintenance.selectors import Entry
from sustain.maintenance.timing import exdates_of

# A local wall time in a window's own zone: no offset (JSON Schema's date-time requires one).
LocalTime = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$",
        examples=["2027-03-07T02:00"],
    ),
]


def local_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


class MaintenanceWindowIn(In):
    title: Text = Field(..., max_length=TITLE_MAX_LENGTH)
    description: Text = Field("", max_length=10_000)
    start: LocalTime = Field(
        ..., description="The first start as a local wall time in `time_zone`, no offset."
    )
    time_zone: Text = Field(..., max_length=64, examples=["Europe/Berlin"])
    duration: Text = Field(
        ...,
        max_length=40,
        description="RFC 5545: PT2H is elapsed time; P1D and P1W follow the wall clock.",
        examples=["PT2H"],
    )
    rrule: Text = Field(
        "",
        max_length=500,
        description="RFC 5545 RRULE (UNTIL in UTC); empty for a one-off window.",
        examples=["FREQ=WEEKLY;BYDAY=SU"],
    )
    exdates: list[LocalTime] = Field(
        default_factory=list, max_length=500, description="Local starts left out."
    )
    product_ids: list[Id] = Field(default_factory=list, max_length=200)
    component_ids: list[Id] = Field(default_factory=list, max_length=200)
    organisation_ids: list[Id] = Field(
        default_factory=list,
        max_length=500,
        description="Customers told and shown; none: those deploying an affected product.",
    )
    activities: list[Text] = Field(
        default_factory=list,
        max_length=MAX_ACTIVITIES,
        description=f"Planned activities, each at most {ACTIVITY_MAX_LENGTH} characters.",
    )
    owner_id: Id | None = None
    team_id: Id | None = None


class MaintenanceAdhocIn(In):
    hours: int = Field(..., ge=1, le=72, description="Maintenance from now for this many hours.")
    title: Text = Field("", max_length=TITLE_MAX_LENGTH)
    product_ids: list[Id] = Field(default_factory=list, max_length=200)
    component_ids: list[Id] = Field(default_factory=list, max_length=200)
    organisation_ids: list[Id] = Field(default_factory=list, max_length=500)


class MaintenanceConflictOut(Out):
    kind: ConflictKind
    message: str
    at: datetime | None
    window_id: int | None
    rollout_id: int | None
    freeze_id: int | None

    @classmethod
    def of(cls, found: Found) -> MaintenanceConflictOut:
        return cls(
            kind=ConflictKind(found.kind),
            message=found.message,
            at=found.at,
            window_id=found.window_id,
            rollout_id=found.rollout_id,
            freeze_id=found.freeze_id,
        )


class MaintenanceConflictsOut(Out):
    conflicts: list[MaintenanceConflictOut]
    refused: list[ConflictKind] = Field(
        ..., description="The kinds the policy refuses (SUSTAIN_MAINTENANCE_REFUSE)."
    )


class MaintenanceWindowOut(Out):
    """A window; owner, team and planned activities are empty for customers."""

    id: int
    title: str
    description: str
    status: WindowStatus
    start: LocalTime = Field(..., description="Local wall time of the first start.")
    time_zone: str
    duration: str
    rrule: str
    exdates: list[LocalTime]
    first_start: datetime
    last_end: datetime | None
    adhoc: bool
    products: list[Ref]
    components: list[Ref]
    organisations: list[Ref]
    activities: list[str]
    owner: UserRef | None
    team: Ref | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: MaintenanceWindow, *, staff: bool) -> MaintenanceWindowOut:
        return cls(
            id=row.pk,
            title=row.title,
            description=row.description,
            status=WindowStatus(row.status),
            start=local_text(row.start_local),
            time_zone=row.time_zone,
            duration=row.duration,
            rrule=row.rrule,
            exdates=[local_text(moment) for moment in exdates_of(row)],
            first_start=row.first_start,
            last_end=row.last_end,
            adhoc=row.adhoc,
            products=[Ref(id=p.pk, name=p.name) for p in row.products.all()],
            components=[
                Ref(id=c.pk, name=f"{c.product.name} / {c.name}") for c in row.components.all()
            ],
            organisations=(
                [Ref(id=o.pk, name=o.name) for o in row.organisations.all()] if staff else []
            ),
            activities=list(row.activities) if staff else [],
            owner=user_ref(row.owner) if staff else None,
            team=Ref(id=row.team.pk, name=row.team.name) if staff and row.team else None,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class MaintenancePlannedOut(Out):
    window: MaintenanceWindowOut
    warnings: list[MaintenanceConflictOut] = Field(
        ..., description="Conflicts the policy lets through; refused ones are a 409."
    )


class MaintenanceWindowPage(Out):
    items: list[MaintenanceWindowOut]
    next_cursor: str | None


class MaintenanceWindowFilters(In):
    status: WindowStatus | None = None
    product_id: Id | None = None
    component_id: Id | None = None
    organisation_id: Id | None = None


class MaintenancePageParams(In):
    cursor: Text | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class MaintenanceRange(In):
    start: AwareDatetime | None = Field(None, description="Now if left out.")
    end: AwareDatetime | None = Field(
        None, description="Excluded; 31 days after `start` if left out, at most 400 after it."
    )


class MaintenanceOccurrenceOut(Out):
    window_id: int
    title: str
    start: datetime
    end: datetime

    @classmethod
    def of(cls, entry: Entry) -> MaintenanceOccurrenceOut:
        return cls(
            window_id=entry.window.pk, title=entry.window.title, start=entry.start, end=entry.end
        )


class MaintenanceStatusQuery(In):
    product_id: list[Id] = Field(default_factory=list, max_length=500)
    component_id: list[Id] = Field(default_factory=list, max_length=500)
    at: AwareDatetime | None = Field(None, description="The instant asked about; now if left out.")


class MaintenanceStatusOut(Out):
    at: datetime
    products: list[int] = Field(..., description="Those asked about that are in maintenance.")
    components: list[int]


class MaintenanceFreezeIn(In):
    title: Text = Field(..., max_length=TITLE_MAX_LENGTH)
    reason: Text = Field("", max_length=5000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    product_ids: list[Id] = Field(
        default_factory=list, max_length=200, description="None: a freeze of everything."
    )


class MaintenanceFreezeOut(Out):
    id: int
    title: str
    reason: str
    starts_at: datetime
    ends_at: datetime
    products: list[Ref]

    @classmethod
    def of(cls, row: FreezePeriod) -> MaintenanceFreezeOut:
        return cls(
            id=row.pk,
            title=row.title,
            reason=row.reason,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            products=[Ref(id=p.pk, name=p.name) for p in row.products.all()],
        )


class MaintenanceFeedIn(In):
    team_id: Id | None = Field(None, description="A team's windows (staff).")
    organisation_id: Id | None = Field(
        None, description="An organisation's windows (its customers, or staff)."
    )


class MaintenanceFeedOut(Out):
    id: int
    prefix: str
    team: Ref | None
    organisation: Ref | None
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: FeedKey) -> MaintenanceFeedOut:
        return cls(
            id=row.pk,
            prefix=row.prefix,
            team=Ref(id=row.team.pk, name=row.team.name) if row.team else None,
            organisation=(
                Ref(id=row.organisation.pk, name=row.organisation.name)
                if row.organisation
                else None
            ),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
        )


class MaintenanceFeedCreatedOut(MaintenanceFeedOut):
    url: str = Field(..., description="The calendar's address with its key: shown only now.")
