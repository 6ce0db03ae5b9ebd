"""Input and output of the on-call API (names start with ``OnCall``: ninja files a schema under
its class name, and every name is the document's once)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, Field

from sustain.accounts.models import AwayPeriod, User
from sustain.accounts.schemas import UserRef, user_ref
from sustain.core.schemas import Id, In, Out, Ref, Text, WallTime
from sustain.oncall.choices import Handover, Restriction, SwapStatus
from sustain.oncall.models import NAME_MAX_LENGTH, REASON_MAX_LENGTH, Override, Rotation, ShiftSwap
from sustain.oncall.selectors import Current
from sustain.oncall.shifts import Piece


class OnCallWindow(Out):
    weekday: int = Field(..., description="0 = Monday … 6 = Sunday")
    start_minute: int
    end_minute: int


class OnCallWindowIn(In):
    weekday: int = Field(..., ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start_minute: int = Field(..., ge=0, le=1440)
    end_minute: int = Field(..., ge=0, le=1440)


class OnCallRotationOut(Out):
    id: int
    team: Ref
    name: str
    time_zone: str
    handover: Handover
    every: int
    handover_time: WallTime
    start_date: date
    layer: int
    restriction: Restriction
    windows: list[OnCallWindow]
    members: list[UserRef]

    @classmethod
    def of(cls, row: Rotation) -> OnCallRotationOut:
        return cls(
            id=row.pk,
            team=Ref(id=row.team.pk, name=row.team.name),
            name=row.name,
            time_zone=row.time_zone,
            handover=Handover(row.handover),
            every=row.every,
            handover_time=row.handover_time,
            start_date=row.start_date,
            layer=row.layer,
            restriction=Restriction(row.restriction),
            windows=[
                OnCallWindow(weekday=d, start_minute=a, end_minute=b) for d, a, b in row.windows
            ],
            members=[
                UserRef(id=t.user.pk, name=t.user.display_name, email=t.user.email)
                for t in row.turns.all()
            ],
        )


class OnCallRotationIn(In):
    team_id: Id
    name: Text = Field(..., max_length=NAME_MAX_LENGTH)
    time_zone: Text = Field("UTC", max_length=64, description="An IANA time zone")
    handover: Handover = Handover.WEEKLY
    every: int = Field(1, ge=1, le=744, description="N of every_days / every_hours")
    handover_time: WallTime = Field(..., description="Local time of the handover, e.g. 09:00")
    start_date: date = Field(..., description="Local date of the first shift's start")
    layer: int = Field(0, ge=0, le=100, description="Higher layers win where they have someone")
    restriction: Restriction = Restriction.ALWAYS
    windows: list[OnCallWindowIn] = Field(default_factory=list, max_length=50)
    member_ids: list[Id] = Field(..., min_length=1, max_length=100, description="In turn order")


class OnCallPieceOut(Out):
    start: datetime
    end: datetime
    user: UserRef | None
    source: str = Field(..., description="layer or override")
    source_id: int = Field(..., description="The rotation's or the override's id")
    label: str

    @classmethod
    def of(cls, piece: Piece, users: dict[int, User]) -> OnCallPieceOut:
        return cls(
            start=piece.start,
            end=piece.end,
            user=user_ref(users.get(piece.user_id)),
            source=piece.source,
            source_id=piece.source_id,
            label=piece.label,
        )


class OnCallNowOut(Out):
    team: Ref
    user: UserRef | None = Field(..., description="Null: nobody is on call")
    since: datetime | None
    until: datetime | None
    source: str | None
    next_user: UserRef | None
    next_from: datetime | None

    @classmethod
    def of(cls, row: Current) -> OnCallNowOut:
        piece, later = row.piece, row.next_piece
        return cls(
            team=Ref(id=row.team.pk, name=row.team.name),
            user=user_ref(row.user),
            since=piece.start if piece else None,
            until=piece.end if piece else None,
            source=piece.label if piece else None,
            next_user=user_ref(row.next_user),
            next_from=later.start if later else None,
        )


class OnCallAt(In):
    at: AwareDatetime | None = Field(None, description="The instant; now when left out")


class OnCallPeriod(In):
    start: AwareDatetime | None = Field(None, description="Now when left out")
    end: AwareDatetime | None = Field(None, description="A week after the start when left out")


class OnCallOverrideOut(Out):
    id: int
    team: Ref
    user: UserRef | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    replaces: UserRef | None
    swap_id: int | None
    agreed_by: UserRef | None
    created_by: UserRef | None
    created_at: datetime

    @classmethod
    def of(cls, row: Override) -> OnCallOverrideOut:
        return cls(
            id=row.pk,
            team=Ref(id=row.team.pk, name=row.team.name),
            user=user_ref(row.user),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            reason=row.reason,
            replaces=user_ref(row.replaces),
            swap_id=row.swap_id,
            agreed_by=user_ref(row.agreed_by),
            created_by=user_ref(row.created_by),
            created_at=row.created_at,
        )


class OnCallOverridePage(Out):
    items: list[OnCallOverrideOut]
    next_cursor: str | None


class OnCallOverrideFilters(In):
    team_id: Id | None = None
    ending_after: AwareDatetime | None = Field(
        None, description="Only overrides that end after this instant (default: now)"
    )
    cursor: Text | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class OnCallOverrideIn(In):
    team_id: Id
    user_id: Id
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Text = Field("", max_length=REASON_MAX_LENGTH)


class OnCallSwapOut(Out):
    id: int
    team: Ref
    requester: UserRef | None
    partner: UserRef | None
    give_start: datetime
    give_end: datetime
    take_start: datetime | None
    take_end: datetime | None
    note: str
    status: SwapStatus
    created_at: datetime
    decided_at: datetime | None
    decided_by: UserRef | None

    @classmethod
    def of(cls, row: ShiftSwap) -> OnCallSwapOut:
        return cls(
            id=row.pk,
            team=Ref(id=row.team.pk, name=row.team.name),
            requester=user_ref(row.requester),
            partner=user_ref(row.partner),
            give_start=row.give_start,
            give_end=row.give_end,
            take_start=row.take_start,
            take_end=row.take_end,
            note=row.note,
            status=SwapStatus(row.status),
            created_at=row.created_at,
            decided_at=row.decided_at,
            decided_by=user_ref(row.decided_by),
        )


class OnCallSwapPage(Out):
    items: list[OnCallSwapOut]
    next_cursor: str | None


class OnCallSwapFilters(In):
    status: SwapStatus | None = None
    cursor: Text | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class OnCallSwapIn(In):
    team_id: Id
    partner_id: Id
    give_start: AwareDatetime
    give_end: AwareDatetime
    take_start: AwareDatetime | None = None
    take_end: AwareDatetime | None = None
    note: Text = Field("", max_length=REASON_MAX_LENGTH)
    requester_id: Id | None = Field(None, description="Leads: ask on someone's behalf")


class OnCallSwapDecisionIn(In):
    status: SwapStatus = Field(..., description="accepted, declined or cancelled")


class OnCallFairnessRow(Out):
    team: Ref
    user: UserRef
    hours: float
    weekend_hours: float
    night_hours: float
    stretches: int = Field(..., description="Stretches of the schedule the person held")


class OnCallFairnessOut(Out):
    month: str = Field(..., description="YYYY-MM, in the site's time zone")
    rows: list[OnCallFairnessRow]


class OnCallFairnessQuery(In):
    month: Text | None = Field(None, description="YYYY-MM; the current month when left out")
    team_id: Id | None = None


class OnCallPersonLoad(Out):
    user: UserRef
    open_tickets: int
    sla_near: int = Field(..., description="Open tickets with a clock due within 4 hours")
    sla_over: int = Field(..., description="Open tickets with a breached clock")
    on_call_hours: float = Field(..., description="This week (Monday to Monday, site time)")
    planned: dict[str, float] = Field(
        ..., description="Hours of each other planned-work source (maintenance windows …)"
    )


class OnCallTeamLoad(Out):
    team: Ref
    open_tickets: int
    sla_near: int
    sla_over: int
    hours_per_member: int
    available_members: int
    capacity_hours: int
    on_call_hours: float
    planned: dict[str, float]
    planned_hours: float
    people: list[OnCallPersonLoad]


class OnCallWorkloadQuery(In):
    team_id: Id | None = None


class OnCallCapacityIn(In):
    hours_per_member_week: int = Field(..., ge=0, le=168)


class OnCallAwayOut(Out):
    id: int
    user: UserRef | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: UserRef | None

    @classmethod
    def of(cls, row: AwayPeriod) -> OnCallAwayOut:
        return cls(
            id=row.pk,
            user=user_ref(row.user),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            reason=row.reason,
            created_by=user_ref(row.created_by),
        )


class OnCallAwayPage(Out):
    items: list[OnCallAwayOut]
    next_cursor: str | None


class OnCallAwayFilters(In):
    user_id: Id | None = None
    cursor: Text | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(100, ge=1, le=500)


class OnCallAwayIn(In):
    user_id: Id | None = Field(None, description="Yourself when left out")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Text = Field("", max_length=200)


class OnCallFeedIn(In):
    team_id: Id | None = Field(None, description="A team's schedule; your own shifts if left out")


class OnCallFeedOut(Out):
    id: int
    team: Ref | None
    address: str = Field(..., description="The secret address; shown only in this answer")
    created_at: datetime
