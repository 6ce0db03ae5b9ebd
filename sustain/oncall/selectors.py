"""Reading the on-call schedule: a team's layers and overrides from the database, put
through ``shifts.schedule``; who is on call now and until when; who may see and change it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet

from sustain.accounts.models import AwayPeriod, Team, User
from sustain.core.errors import NotFound, PermissionDenied
from sustain.core.permissions import Capability
from sustain.oncall.choices import Restriction, SwapStatus
from sustain.oncall.models import Override, Rotation, RotationMember, ShiftSwap
from sustain.oncall.shifts import BUSINESS_HOURS, Cover, Layer, Piece, schedule

# How far around an instant "now" looks to tell since when and until when somebody is on call.
AROUND = timedelta(days=35)
STAFF_ONLY = "Only staff see on-call schedules."
NOT_MANAGER = "Only leads and administrators change on-call rotations and overrides."


def may_view(user: User) -> bool:
    return user.is_active and user.is_staff_member


def may_manage(user: User) -> bool:
    return user.is_active and user.can(Capability.ONCALL_MANAGE)


def require_view(user: User) -> None:
    if not may_view(user):
        raise PermissionDenied(STAFF_ONLY)


def require_manage(user: User) -> None:
    if not may_manage(user):
        raise PermissionDenied(NOT_MANAGER)


def get_team_for(user: User, team_id: int) -> Team:
    require_view(user)
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound(f"No team with id {team_id}.")
    return team


def rotations_of(team_ids: Iterable[int] | None) -> QuerySet[Rotation]:
    """Rotations of the teams (all teams: None) with their turns, highest layer first."""
    turns = RotationMember.objects.select_related("user").order_by("position")
    rows = (
        Rotation.objects.all()
        if team_ids is None
        else Rotation.objects.filter(team_id__in=list(team_ids))
    )
    return (
        rows.select_related("team")
        .prefetch_related(Prefetch("turns", queryset=turns))
        .order_by("team_id", "-layer", "id")
    )


def get_rotation_for(user: User, rotation_id: int) -> Rotation:
    require_view(user)
    found = rotations_of(None).filter(pk=rotation_id).first()
    if found is None:
        raise NotFound(f"No rotation with id {rotation_id}.")
    return found


def get_override_for(user: User, override_id: int) -> Override:
    require_view(user)
    found = Override.objects.select_related("team", "user").filter(pk=override_id).first()
    if found is None:
        raise NotFound(f"No override with id {override_id}.")
    return found


def get_swap_for(user: User, swap_id: int) -> ShiftSwap:
    require_view(user)
    found = (
        ShiftSwap.objects.select_related("team", "requester", "partner").filter(pk=swap_id).first()
    )
    if found is None:
        raise NotFound(f"No shift swap with id {swap_id}.")
    return found


def as_layer(rotation: Rotation) -> Layer:
    """The rotation as ``shifts`` computes it (its turns prefetched)."""
    if rotation.restriction == Restriction.BUSINESS_HOURS:
        windows: tuple[tuple[int, int, int], ...] = BUSINESS_HOURS
    elif rotation.restriction == Restriction.CUSTOM:
        windows = tuple((int(d), int(a), int(b)) for d, a, b in rotation.windows)
    else:
        windows = ()
    return Layer(
        key=rotation.pk,
        name=rotation.name,
        zone=rotation.time_zone,
        handover=rotation.handover,
        every=rotation.every,
        at=rotation.handover_time,
        start=rotation.start_date,
        members=tuple(turn.user_id for turn in rotation.turns.all()),
        windows=windows,
        level=rotation.layer,
    )


def as_cover(override: Override) -> Cover:
    label = "Shift swap" if override.swap_id else "Override"
    return Cover(override.pk, override.user_id, override.starts_at, override.ends_at, label)


@dataclass(frozen=True)
class TeamPlan:
    """What the schedule of several teams needs, read in three queries."""

    layers: dict[int, list[Layer]]
    covers: dict[int, list[Cover]]

    def schedule(self, team_id: int, start: datetime, end: datetime) -> list[Piece]:
        return schedule(self.layers.get(team_id, []), self.covers.get(team_id, []), start, end)


def plan_of(team_ids: Iterable[int], start: datetime, end: datetime) -> TeamPlan:
    ids = list(team_ids)
    layers: dict[int, list[Layer]] = {}
    for rotation in rotations_of(ids):
        layers.setdefault(rotation.team_id, []).append(as_layer(rotation))
    covers: dict[int, list[Cover]] = {}
    overrides = Override.objects.filter(
        team_id__in=ids, starts_at__lt=end, ends_at__gt=start
    ).order_by("id")
    for override in overrides:
        covers.setdefault(override.team_id, []).append(as_cover(override))
    return TeamPlan(layers, covers)


def team_schedule(team: Team, start: datetime, end: datetime) -> list[Piece]:
    return plan_of([team.pk], start, end).schedule(team.pk, start, end)


def on_call(team: Team | int, at: datetime) -> User | None:
    """The person on call for ``team`` at ``at`` (None: nobody)."""
    team_id = team if isinstance(team, int) else team.pk
    end = at + timedelta(microseconds=1)
    pieces = plan_of([team_id], at, end).schedule(team_id, at, end)
    if not pieces:
        return None
    return User.objects.filter(pk=pieces[0].user_id, is_active=True).first()


@dataclass(frozen=True)
class Current:
    """Who is on call for a team at an instant: since when, until when, and who is next."""

    team: Team
    piece: Piece | None
    user: User | None
    next_piece: Piece | None
    next_user: User | None


def current(teams: Iterable[Team], at: datetime) -> list[Current]:
    """Who is on call for each of ``teams`` at ``at``, with the stretch's true start and end
    (looked for up to ``AROUND`` either side) and the next person."""
    teams = list(teams)
    start, end = at - AROUND, at + AROUND
    plan = plan_of([t.pk for t in teams], start, end)
    found: list[tuple[Team, Piece | None, Piece | None]] = []
    for team in teams:
        pieces = plan.schedule(team.pk, start, end)
        now = next((p for p in pieces if p.start <= at < p.end), None)
        later = next(
            (p for p in pieces if p.start > at and (now is None or p.user_id != now.user_id)), None
        )
        found.append((team, now, later))
    ids = {p.user_id for _, *ps in found for p in ps if p is not None}
    users = User.objects.in_bulk(ids)
    return [
        Current(
            team=team,
            piece=now,
            user=users.get(now.user_id) if now else None,
            next_piece=later,
            next_user=users.get(later.user_id) if later else None,
        )
        for team, now, later in found
    ]


# --- lists the pages and the API share --------------------------------------------------------
def overrides_ending_after(after: datetime, team_id: int | None = None) -> QuerySet[Override]:
    """Overrides (swaps included) still to come or running at ``after``, soonest first."""
    rows = Override.objects.select_related(
        "team", "user", "replaces", "agreed_by", "created_by"
    ).filter(ends_at__gt=after)
    if team_id is not None:
        rows = rows.filter(team_id=team_id)
    return rows.order_by("starts_at", "pk")


def swaps(status: str | None = None, team_id: int | None = None) -> QuerySet[ShiftSwap]:
    rows = ShiftSwap.objects.select_related("team", "requester", "partner", "decided_by")
    if status is not None:
        rows = rows.filter(status=status)
    if team_id is not None:
        rows = rows.filter(team_id=team_id)
    return rows


def waiting_swaps(team_id: int) -> QuerySet[ShiftSwap]:
    """The swaps of a team that wait for an answer, the soonest given shift first."""
    return swaps(SwapStatus.REQUESTED, team_id).order_by("give_start", "pk")


def away_periods_ending_after(after: datetime, user_id: int | None = None) -> QuerySet[AwayPeriod]:
    rows = AwayPeriod.objects.select_related("user", "created_by").filter(ends_at__gt=after)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    return rows.order_by("starts_at", "pk")
