"""On-call through the API: who is on call (now or at an instant), a team's schedule,
rotations, overrides and shift swaps. Staff read; leads and administrators change rotations
and overrides; any staff member of a team asks for and answers swaps. Customers get 403."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Status

from sustain.accounts import away
from sustain.accounts.api import actor_of
from sustain.accounts.models import Team, User
from sustain.accounts.schemas import UserRef
from sustain.core.errors import ValidationFailed
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.schemas import Id, Ref
from sustain.oncall import fairness, ical, selectors, services, workload
from sustain.oncall.schemas import (
    OnCallAt,
    OnCallAwayFilters,
    OnCallAwayIn,
    OnCallAwayOut,
    OnCallAwayPage,
    OnCallCapacityIn,
    OnCallFairnessOut,
    OnCallFairnessQuery,
    OnCallFairnessRow,
    OnCallFeedIn,
    OnCallFeedOut,
    OnCallNowOut,
    OnCallOverrideFilters,
    OnCallOverrideIn,
    OnCallOverrideOut,
    OnCallOverridePage,
    OnCallPeriod,
    OnCallPersonLoad,
    OnCallPieceOut,
    OnCallRotationIn,
    OnCallRotationOut,
    OnCallSwapDecisionIn,
    OnCallSwapFilters,
    OnCallSwapIn,
    OnCallSwapOut,
    OnCallSwapPage,
    OnCallTeamLoad,
    OnCallWorkloadQuery,
)

router = Router(tags=["on-call"])
# The longest schedule one request computes.
MAX_PERIOD = timedelta(days=92)


def _team(actor: User, team_id: int, field: str = "team_id") -> Team:
    selectors.require_view(actor)
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ValidationFailed.field(field, f"No team with id {team_id}.")
    return team


def _member(team_id_field: str, user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise ValidationFailed.field(team_id_field, f"No user with id {user_id}.")
    return user


@router.get(
    "/oncall/now",
    response={200: list[OnCallNowOut], 403: Problem},
    summary="Who is on call for every team, now or at `at`",
)
def now_all(request: HttpRequest, query: Query[OnCallAt]) -> list[OnCallNowOut]:
    actor = actor_of(request)
    selectors.require_view(actor)
    at = services.check_instant(query.at, "at") if query.at else timezone.now()
    return [OnCallNowOut.of(row) for row in selectors.current(Team.objects.order_by("name"), at)]


@router.get(
    "/oncall/teams/{team_id}/now",
    response={200: OnCallNowOut, 403: Problem},
    summary="Who is on call for a team, now or at `at`",
    description="The handover instant belongs to the incoming person.",
)
def now_team(request: HttpRequest, team_id: Id, query: Query[OnCallAt]) -> OnCallNowOut:
    team = selectors.get_team_for(actor_of(request), team_id)
    at = services.check_instant(query.at, "at") if query.at else timezone.now()
    return OnCallNowOut.of(selectors.current([team], at)[0])


@router.get(
    "/oncall/teams/{team_id}/schedule",
    response={200: list[OnCallPieceOut], 403: Problem},
    summary="A team's final schedule in [start, end): who, and which layer or override",
    description=(
        "At most 92 days; the coming week by default. Gaps (nobody on call) are left out."
    ),
)
def team_schedule(
    request: HttpRequest, team_id: Id, period: Query[OnCallPeriod]
) -> list[OnCallPieceOut]:
    team = selectors.get_team_for(actor_of(request), team_id)
    start = services.check_instant(period.start, "start") if period.start else timezone.now()
    end = services.check_instant(period.end, "end") if period.end else start + timedelta(days=7)
    if end <= start:
        raise ValidationFailed.field("end", "Must be after the start.")
    if end - start > MAX_PERIOD:
        raise ValidationFailed.field("end", "At most 92 days after the start.")
    pieces = selectors.team_schedule(team, start, end)
    users = User.objects.in_bulk({p.user_id for p in pieces})
    return [OnCallPieceOut.of(p, users) for p in pieces]


# --- rotations ------------------------------------------------------------------------------
def _rotation_data(payload: OnCallRotationIn) -> services.RotationData:
    return services.RotationData(
        name=payload.name,
        handover_time=payload.handover_time,
        start_date=payload.start_date,
        member_ids=list(payload.member_ids),
        time_zone=payload.time_zone,
        handover=payload.handover,
        every=payload.every,
        layer=payload.layer,
        restriction=payload.restriction,
        windows=[(w.weekday, w.start_minute, w.end_minute) for w in payload.windows],
    )


@router.get(
    "/oncall/rotations",
    response={200: list[OnCallRotationOut], 403: Problem},
    summary="Rotations (the layers of the teams' schedules), by team and highest layer first",
)
def list_rotations(request: HttpRequest, team_id: Id | None = None) -> list[OnCallRotationOut]:
    actor = actor_of(request)
    selectors.require_view(actor)
    return [OnCallRotationOut.of(r) for r in selectors.rotations_of([team_id] if team_id else None)]


@router.post(
    "/oncall/rotations",
    response={201: OnCallRotationOut, 403: Problem, 409: Problem},
    summary="Create a rotation (leads and administrators)",
)
def create_rotation(request: HttpRequest, payload: OnCallRotationIn) -> Status[OnCallRotationOut]:
    actor = actor_of(request)
    selectors.require_manage(actor)
    team = _team(actor, payload.team_id)
    rotation = services.create_rotation(actor=actor, team=team, data=_rotation_data(payload))
    return Status(201, OnCallRotationOut.of(selectors.get_rotation_for(actor, rotation.pk)))


@router.get(
    "/oncall/rotations/{rotation_id}",
    response={200: OnCallRotationOut, 403: Problem},
    summary="One rotation",
)
def get_rotation(request: HttpRequest, rotation_id: Id) -> OnCallRotationOut:
    return OnCallRotationOut.of(selectors.get_rotation_for(actor_of(request), rotation_id))


@router.put(
    "/oncall/rotations/{rotation_id}",
    response={200: OnCallRotationOut, 403: Problem, 409: Problem},
    summary="Change a rotation (leads and administrators); `team_id` must stay the same",
)
def update_rotation(
    request: HttpRequest, rotation_id: Id, payload: OnCallRotationIn
) -> OnCallRotationOut:
    actor = actor_of(request)
    selectors.require_manage(actor)
    rotation = selectors.get_rotation_for(actor, rotation_id)
    if rotation.team_id != payload.team_id:
        raise ValidationFailed.field("team_id", "A rotation stays in its team.")
    services.update_rotation(actor=actor, rotation_id=rotation_id, data=_rotation_data(payload))
    return OnCallRotationOut.of(selectors.get_rotation_for(actor, rotation_id))


@router.delete(
    "/oncall/rotations/{rotation_id}",
    response={204: None, 403: Problem},
    summary="Delete a rotation (leads and administrators)",
)
def delete_rotation(request: HttpRequest, rotation_id: Id) -> Status[None]:
    services.delete_rotation(actor=actor_of(request), rotation_id=rotation_id)
    return Status(204, None)


# --- overrides ------------------------------------------------------------------------------
@router.get(
    "/oncall/overrides",
    response={200: OnCallOverridePage, 403: Problem},
    summary="Overrides (swaps included) that end after `ending_after` (now), soonest first",
)
def list_overrides(
    request: HttpRequest, filters: Query[OnCallOverrideFilters]
) -> OnCallOverridePage:
    selectors.require_view(actor_of(request))
    after = filters.ending_after or timezone.now()
    rows = selectors.overrides_ending_after(after, filters.team_id)
    page = paginate(rows, order="starts_at", cursor=filters.cursor, limit=filters.limit)
    return OnCallOverridePage(
        items=[OnCallOverrideOut.of(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/oncall/overrides",
    response={201: OnCallOverrideOut, 403: Problem},
    summary="Put somebody on call for a period, whatever the rotations say (leads)",
)
def create_override(request: HttpRequest, payload: OnCallOverrideIn) -> Status[OnCallOverrideOut]:
    actor = actor_of(request)
    selectors.require_manage(actor)
    team = _team(actor, payload.team_id)
    override = services.create_override(
        actor=actor,
        team=team,
        user=_member("user_id", payload.user_id),
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
    )
    return Status(201, OnCallOverrideOut.of(selectors.get_override_for(actor, override.pk)))


@router.delete(
    "/oncall/overrides/{override_id}",
    response={204: None, 403: Problem},
    summary="Remove an override (leads and administrators)",
)
def delete_override(request: HttpRequest, override_id: Id) -> Status[None]:
    services.delete_override(actor=actor_of(request), override_id=override_id)
    return Status(204, None)


# --- swaps ----------------------------------------------------------------------------------
@router.get(
    "/oncall/swaps",
    response={200: OnCallSwapPage, 403: Problem},
    summary="Shift swaps, newest first",
)
def list_swaps(request: HttpRequest, filters: Query[OnCallSwapFilters]) -> OnCallSwapPage:
    selectors.require_view(actor_of(request))
    rows = selectors.swaps(filters.status)
    page = paginate(rows, order="-created_at", cursor=filters.cursor, limit=filters.limit)
    return OnCallSwapPage(
        items=[OnCallSwapOut.of(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/oncall/swaps",
    response={201: OnCallSwapOut, 403: Problem},
    summary="Ask a teammate to take your shift (and give you theirs)",
    description=(
        "`give_*` must be wholly the requester's on the schedule, `take_*` (optional: "
        "without it, a plain cover) wholly the partner's. Nothing changes until the partner "
        "(or a lead) accepts."
    ),
)
def request_swap(request: HttpRequest, payload: OnCallSwapIn) -> Status[OnCallSwapOut]:
    actor = actor_of(request)
    team = _team(actor, payload.team_id)
    swap = services.request_swap(
        actor=actor,
        request=services.SwapRequest(
            team=team,
            partner=_member("partner_id", payload.partner_id),
            give_start=payload.give_start,
            give_end=payload.give_end,
            take_start=payload.take_start,
            take_end=payload.take_end,
            note=payload.note,
            requester=(
                _member("requester_id", payload.requester_id) if payload.requester_id else None
            ),
        ),
    )
    return Status(201, OnCallSwapOut.of(selectors.get_swap_for(actor, swap.pk)))


@router.post(
    "/oncall/swaps/{swap_id}/decision",
    response={200: OnCallSwapOut, 403: Problem, 409: Problem},
    summary="Accept or decline a swap (the partner or a lead), or cancel it (the requester)",
)
def decide_swap(request: HttpRequest, swap_id: Id, payload: OnCallSwapDecisionIn) -> OnCallSwapOut:
    actor = actor_of(request)
    services.decide_swap(actor=actor, swap_id=swap_id, status=payload.status)
    return OnCallSwapOut.of(selectors.get_swap_for(actor, swap_id))


@router.get(
    "/oncall/fairness",
    response={200: OnCallFairnessOut, 403: Problem},
    summary="On-call hours per person and team in a month (weekend and night hours apart)",
)
def fairness_report(request: HttpRequest, query: Query[OnCallFairnessQuery]) -> OnCallFairnessOut:
    selectors.require_view(actor_of(request))
    first = fairness.parse_month(query.month)
    rows = fairness.monthly_hours(first, [query.team_id] if query.team_id else None)
    return OnCallFairnessOut(
        month=f"{first:%Y-%m}",
        rows=[
            OnCallFairnessRow(
                team=Ref(id=r.team.pk, name=r.team.name),
                user=UserRef(id=r.user.pk, name=r.user.display_name, email=r.user.email),
                hours=round(r.hours, 2),
                weekend_hours=round(r.weekend_hours, 2),
                night_hours=round(r.night_hours, 2),
                stretches=r.shifts,
            )
            for r in rows
        ],
    )


@router.get(
    "/oncall/workload",
    response={200: list[OnCallTeamLoad], 403: Problem},
    summary="Open tickets, SLA risk and planned hours this week, per team and person",
    description="Capacity is hours per member per week times the members who are not away.",
)
def workload_report(
    request: HttpRequest, query: Query[OnCallWorkloadQuery]
) -> list[OnCallTeamLoad]:
    selectors.require_view(actor_of(request))
    teams = Team.objects.order_by("name")
    if query.team_id is not None:
        teams = teams.filter(pk=query.team_id)
    return [_team_load(load) for load in workload.workload(list(teams))]


def _team_load(load: workload.TeamLoad) -> OnCallTeamLoad:
    return OnCallTeamLoad(
        team=Ref(id=load.team.pk, name=load.team.name),
        open_tickets=load.open_tickets,
        sla_near=load.sla_near,
        sla_over=load.sla_over,
        hours_per_member=load.hours_per_member,
        available_members=load.available,
        capacity_hours=load.capacity,
        on_call_hours=round(load.on_call_hours, 2),
        planned={k: round(v, 2) for k, v in load.planned.items()},
        planned_hours=round(load.planned_hours, 2),
        people=[
            OnCallPersonLoad(
                user=UserRef(id=p.user.pk, name=p.user.display_name, email=p.user.email),
                open_tickets=p.open_tickets,
                sla_near=p.sla_near,
                sla_over=p.sla_over,
                on_call_hours=round(p.on_call_hours, 2),
                planned={k: round(v, 2) for k, v in p.planned.items()},
            )
            for p in load.people
        ],
    )


@router.put(
    "/oncall/teams/{team_id}/capacity",
    response={200: OnCallTeamLoad, 403: Problem},
    summary="Set a team's hours per member per week (leads and administrators)",
)
def set_capacity(request: HttpRequest, team_id: Id, payload: OnCallCapacityIn) -> OnCallTeamLoad:
    actor = actor_of(request)
    team = selectors.get_team_for(actor, team_id)
    services.set_capacity(
        actor=actor, team=team, hours_per_member_week=payload.hours_per_member_week
    )
    return _team_load(workload.workload([team])[0])


# --- away periods and calendar addresses ----------------------------------------------------
@router.get(
    "/oncall/away",
    response={200: OnCallAwayPage, 403: Problem},
    summary="Away periods that have not ended, soonest first",
)
def list_away(request: HttpRequest, filters: Query[OnCallAwayFilters]) -> OnCallAwayPage:
    selectors.require_view(actor_of(request))
    rows = selectors.away_periods_ending_after(timezone.now(), filters.user_id)
    page = paginate(rows, order="starts_at", cursor=filters.cursor, limit=filters.limit)
    return OnCallAwayPage(
        items=[OnCallAwayOut.of(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/oncall/away",
    response={201: OnCallAwayOut, 403: Problem},
    summary="Record an away period (yours; leads and administrators: anyone's)",
    description="Automatic assignment passes over people while they are away.",
)
def add_away(request: HttpRequest, payload: OnCallAwayIn) -> Status[OnCallAwayOut]:
    actor = actor_of(request)
    selectors.require_view(actor)
    user = _member("user_id", payload.user_id) if payload.user_id else actor
    period = away.add_away_period(
        actor=actor,
        user=user,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
    )
    return Status(201, OnCallAwayOut.of(period))


@router.delete(
    "/oncall/away/{period_id}",
    response={204: None, 403: Problem},
    summary="Remove an away period (yours; leads and administrators: anyone's)",
)
def delete_away(request: HttpRequest, period_id: Id) -> Status[None]:
    away.delete_away_period(actor=actor_of(request), period_id=period_id)
    return Status(204, None)


@router.post(
    "/oncall/feeds",
    response={201: OnCallFeedOut, 403: Problem},
    summary="Make a secret iCalendar address of your shifts, or of a team's schedule",
    description=(
        "The address is shown only in this answer (only a digest is kept); a new one revokes "
        "your previous address for the same target."
    ),
)
def create_feed(request: HttpRequest, payload: OnCallFeedIn) -> Status[OnCallFeedOut]:
    actor = actor_of(request)
    team = _team(actor, payload.team_id) if payload.team_id else None
    made = ical.create_feed(actor=actor, team=team)
    address = request.build_absolute_uri(reverse("oncall:feed", args=[made.key]))
    return Status(
        201,
        OnCallFeedOut(
            id=made.feed.pk,
            team=Ref(id=team.pk, name=team.name) if team else None,
            address=address,
            created_at=made.feed.created_at,
        ),
    )
