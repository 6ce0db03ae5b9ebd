"""Changing on-call schedules: rotations, overrides, shift swaps and team capacity. One
transaction each, the acting person checked.

Leads and administrators (``oncall.manage``) change rotations, overrides and capacity and may
record a swap for anyone. Any staff member of a team may ask a teammate to swap shifts; the
teammate accepts or declines, the asker may cancel. An accepted swap is two overrides (or one,
for a plain cover) that name who agreed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import available_timezones

from django.db import IntegrityError, transaction
from django.utils import timezone

from sustain.accounts.models import Team, User
from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.oncall.choices import Handover, Restriction, SwapStatus
from sustain.oncall.models import (
    NAME_MAX_LENGTH,
    REASON_MAX_LENGTH,
    Override,
    Rotation,
    RotationMember,
    ShiftSwap,
    TeamCapacity,
)
from sustain.oncall.selectors import (
    get_override_for,
    get_rotation_for,
    get_swap_for,
    may_manage,
    require_manage,
    require_view,
    team_schedule,
)
from sustain.oncall.shifts import EARLIEST, LATEST, MINUTES_PER_DAY

MAX_MEMBERS = 100
MAX_EVERY_DAYS = 366
MAX_EVERY_HOURS = 24 * 31
MAX_WINDOWS = 50
# Overrides and swaps are about shifts, not years.
MAX_SPAN = timedelta(days=366)


@cache
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def check_zone(name: str) -> str:
    if name not in zone_names():
        raise ValidationFailed.field("time_zone", f"'{name}' is not an IANA time zone.")
    return name


@dataclass(frozen=True)
class RotationData:
    name: str
    handover_time: time
    start_date: date
    member_ids: list[int]
    time_zone: str = "UTC"
    handover: str = Handover.WEEKLY
    every: int = 1
    layer: int = 0
    restriction: str = Restriction.ALWAYS
    # (weekday 0-6, start minute, end minute 1-1440) for a custom restriction.
    windows: list[tuple[int, int, int]] = field(default_factory=list)


def check_instant(value: datetime, name: str) -> datetime:
    """An aware instant within the years a schedule is computed for (422 otherwise)."""
    if timezone.is_naive(value):
        raise ValidationFailed.field(name, "Give a time zone (or UTC).")
    if not EARLIEST <= value < LATEST:
        raise ValidationFailed.field(name, "Give a time between 1971 and 2199.")
    return value


def _clean(data: RotationData, team: Team) -> tuple[RotationData, list[User]]:
    name = data.name.strip()
    if not name:
        raise ValidationFailed.field("name", "Give the rotation a name.")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed.field("name", f"At most {NAME_MAX_LENGTH} characters.")
    check_zone(data.time_zone)
    if not EARLIEST.date() <= data.start_date < LATEST.date() - timedelta(days=3 * 366):
        raise ValidationFailed.field("start_date", "Give a date between 1971 and 2196.")
    if data.handover not in Handover.values:
        raise ValidationFailed.field("handover", f"One of: {', '.join(Handover.values)}.")
    if data.restriction not in Restriction.values:
        raise ValidationFailed.field("restriction", f"One of: {', '.join(Restriction.values)}.")
    every = data.every if data.handover in (Handover.EVERY_DAYS, Handover.EVERY_HOURS) else 1
    limit = MAX_EVERY_HOURS if data.handover == Handover.EVERY_HOURS else MAX_EVERY_DAYS
    if not 1 <= every <= limit:
        raise ValidationFailed.field("every", f"From 1 to {limit}.")
    if not 0 <= data.layer <= 100:
        raise ValidationFailed.field("layer", "From 0 to 100.")
    windows = _clean_windows(data) if data.restriction == Restriction.CUSTOM else []
    members = _clean_members(data.member_ids, team)
    cleaned = RotationData(
        name=name,
        handover_time=data.handover_time.replace(second=0, microsecond=0, tzinfo=None),
        start_date=data.start_date,
        member_ids=[m.pk for m in members],
        time_zone=data.time_zone,
        handover=data.handover,
        every=every,
        layer=data.layer,
        restriction=data.restriction,
        windows=windows,
    )
    return cleaned, members


def _clean_windows(data: RotationData) -> list[tuple[int, int, int]]:
    if not data.windows:
        raise ValidationFailed.field("windows", "A custom restriction needs at least one interval.")
    if len(data.windows) > MAX_WINDOWS:
        raise ValidationFailed.field("windows", f"At most {MAX_WINDOWS} intervals.")
    cleaned = []
    for day, start, end in data.windows:
        if not (0 <= day <= 6 and 0 <= start < end <= MINUTES_PER_DAY):
            raise ValidationFailed.field(
                "windows",
                "Each interval is a weekday (0 = Monday … 6) and a start before its end, "
                "in minutes of the day (0–1440).",
            )
        cleaned.append((day, start, end))
    return sorted(cleaned)


def _clean_members(member_ids: list[int], team: Team) -> list[User]:
    if not member_ids:
        raise ValidationFailed.field("member_ids", "Name at least one member.")
    if len(member_ids) > MAX_MEMBERS:
        raise ValidationFailed.field("member_ids", f"At most {MAX_MEMBERS} members.")
    if len(set(member_ids)) != len(member_ids):
        raise ValidationFailed.field("member_ids", "Each member appears once.")
    found = team.members.filter(pk__in=member_ids, is_active=True).in_bulk()
    missing = [pk for pk in member_ids if pk not in found or not found[pk].is_staff_member]
    if missing:
        raise ValidationFailed.field(
            "member_ids",
            f"Not active staff members of {team.name}: {', '.join(map(str, missing))}.",
        )
    return [found[pk] for pk in member_ids]


def create_rotation(*, actor: User, team: Team, data: RotationData) -> Rotation:
    require_manage(actor)
    cleaned, members = _clean(data, team)
    with transaction.atomic():
        rotation = Rotation(team=team)
        _apply(rotation, cleaned)
        _save_unique(rotation)
        _set_members(rotation, members)
    return rotation


def update_rotation(*, actor: User, rotation_id: int, data: RotationData) -> Rotation:
    require_manage(actor)
    with transaction.atomic():
        rotation = get_rotation_for(actor, rotation_id)
        cleaned, members = _clean(data, rotation.team)
        _apply(rotation, cleaned)
        rotation.updated_at = timezone.now()
        _save_unique(rotation)
        rotation.turns.all().delete()
        _set_members(rotation, members)
    return rotation


def delete_rotation(*, actor: User, rotation_id: int) -> None:
    require_manage(actor)
    get_rotation_for(actor, rotation_id).delete()


def _apply(rotation: Rotation, data: RotationData) -> None:
    rotation.name = data.name
    rotation.time_zone = data.time_zone
    rotation.handover = data.handover
    rotation.every = data.every
    rotation.handover_time = data.handover_time
    rotation.start_date = data.start_date
    rotation.layer = data.layer
    rotation.restriction = data.restriction
    rotation.windows = [list(w) for w in data.windows]


def _save_unique(rotation: Rotation) -> None:
    try:
        with transaction.atomic():
            rotation.save()
    except IntegrityError:
        raise Conflict(
            f"The team already has a rotation named '{rotation.name}'.",
            errors={"name": ["already used by another rotation of the team"]},
        ) from None


def _set_members(rotation: Rotation, members: list[User]) -> None:
    RotationMember.objects.bulk_create(
        RotationMember(rotation=rotation, user=user, position=i) for i, user in enumerate(members)
    )
    # The caller's copy lists the new turns.
    rotation._prefetched_objects_cache = {}  # type: ignore[attr-defined]


# --- overrides ------------------------------------------------------------------------------
def _check_period(start: datetime, end: datetime, names: tuple[str, str]) -> None:
    for value, name in zip((start, end), names, strict=True):
        check_instant(value, name)
    if end <= start:
        raise ValidationFailed.field(names[1], "Must be after the start.")
    if end - start > MAX_SPAN:
        raise ValidationFailed.field(names[1], "At most a year after the start.")


def _team_member(team: Team, user: User, name: str) -> User:
    if not (user.is_active and user.is_staff_member and team.members.filter(pk=user.pk).exists()):
        raise ValidationFailed.field(name, f"{user.display_name} is not on the team {team.name}.")
    return user


def _on_call_then(team: Team, start: datetime, end: datetime) -> int | None:
    """Who the schedule has on call over all of ``[start, end)`` (one person), else None."""
    pieces = team_schedule(team, start, end)
    users = {p.user_id for p in pieces}
    covered = sum((p.end - p.start for p in pieces), timedelta())
    return users.pop() if len(users) == 1 and covered == end - start else None


def create_override(
    *,
    actor: User,
    team: Team,
    user: User,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
) -> Override:
    require_manage(actor)
    _check_period(starts_at, ends_at, ("starts_at", "ends_at"))
    _team_member(team, user, "user_id")
    reason = _clean_reason(reason, "reason")
    with transaction.atomic():
        replaced = _on_call_then(team, starts_at, ends_at)
        return Override.objects.create(
            team=team,
            user=user,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            replaces_id=replaced if replaced != user.pk else None,
            created_by=actor,
        )


def delete_override(*, actor: User, override_id: int) -> None:
    require_manage(actor)
    get_override_for(actor, override_id).delete()


def _clean_reason(text: str, name: str) -> str:
    text = (text or "").strip()
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationFailed.field(name, f"At most {REASON_MAX_LENGTH} characters.")
    return text


# --- shift swaps ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SwapRequest:
    team: Team
    partner: User
    give_start: datetime
    give_end: datetime
    take_start: datetime | None = None
    take_end: datetime | None = None
    note: str = ""
    # A lead may ask on someone's behalf; otherwise the actor gives their own shift.
    requester: User | None = None


def request_swap(*, actor: User, request: SwapRequest) -> ShiftSwap:
    """Ask ``partner`` to take the requester's shift ``give`` (and, for a swap, to give theirs
    ``take`` in return). Both stretches must be wholly the person's on the schedule now."""
    require_view(actor)
    requester = request.requester or actor
    if requester.pk != actor.pk and not may_manage(actor):
        raise PermissionDenied("Only leads and administrators ask for swaps on others' behalf.")
    team = request.team
    _team_member(team, requester, "requester_id")
    _team_member(team, request.partner, "partner_id")
    if request.partner.pk == requester.pk:
        raise ValidationFailed.field("partner_id", "Swap with somebody else.")
    _check_period(request.give_start, request.give_end, ("give_start", "give_end"))
    if (request.take_start is None) != (request.take_end is None):
        raise ValidationFailed.field("take_end", "Give both ends of the shift taken, or neither.")
    if request.take_start is not None and request.take_end is not None:
        _check_period(request.take_start, request.take_end, ("take_start", "take_end"))
        if request.take_start < request.give_end and request.give_start < request.take_end:
            raise ValidationFailed.field("take_start", "The two shifts must not overlap.")
    note = _clean_reason(request.note, "note")
    with transaction.atomic():
        if _on_call_then(team, request.give_start, request.give_end) != requester.pk:
            raise ValidationFailed.field(
                "give_start", f"{requester.display_name} is not on call for all of that shift."
            )
        if (
            request.take_start is not None
            and request.take_end is not None
            and _on_call_then(team, request.take_start, request.take_end) != request.partner.pk
        ):
            raise ValidationFailed.field(
                "take_start",
                f"{request.partner.display_name} is not on call for all of that shift.",
            )
        return ShiftSwap.objects.create(
            team=team,
            requester=requester,
            partner=request.partner,
            give_start=request.give_start,
            give_end=request.give_end,
            take_start=request.take_start,
            take_end=request.take_end,
            note=note,
        )


def decide_swap(*, actor: User, swap_id: int, status: str) -> ShiftSwap:
    """Accept or decline (the partner, or a lead), or cancel (the requester, or a lead)."""
    require_view(actor)
    if status not in (SwapStatus.ACCEPTED, SwapStatus.DECLINED, SwapStatus.CANCELLED):
        raise ValidationFailed.field("status", "One of: accepted, declined, cancelled.")
    with transaction.atomic():
        found = get_swap_for(actor, swap_id)
        swap = ShiftSwap.objects.select_for_update().select_related("team").get(pk=found.pk)
        deciding = swap.requester_id if status == SwapStatus.CANCELLED else swap.partner_id
        if actor.pk != deciding and not may_manage(actor):
            who = "who asked" if status == SwapStatus.CANCELLED else "who was asked"
            raise PermissionDenied(f"Only the person {who}, or a lead, may do that.")
        if swap.status != SwapStatus.REQUESTED:
            raise Conflict(
                f"The swap is already {swap.get_status_display().lower()}.",
                errors={"status": ["the swap was decided already"]},
            )
        now = timezone.now()
        swap.status, swap.decided_at, swap.decided_by = status, now, actor
        swap.save(update_fields=["status", "decided_at", "decided_by"])
        if status == SwapStatus.ACCEPTED:
            _swap_overrides(swap, actor)
    return swap


def _swap_overrides(swap: ShiftSwap, actor: User) -> None:
    reason = f"Shift swap {swap.pk}" + (f": {swap.note}" if swap.note else "")
    rows = [
        Override(
            team=swap.team,
            user_id=swap.partner_id,
            starts_at=swap.give_start,
            ends_at=swap.give_end,
            replaces_id=swap.requester_id,
        )
    ]
    if swap.take_start is not None and swap.take_end is not None:
        rows.append(
            Override(
                team=swap.team,
                user_id=swap.requester_id,
                starts_at=swap.take_start,
                ends_at=swap.take_end,
                replaces_id=swap.partner_id,
            )
        )
    for row in rows:
        row.swap, row.agreed_by, row.created_by, row.reason = swap, actor, actor, reason[:500]
        row.save()


# --- capacity -------------------------------------------------------------------------------
def set_capacity(*, actor: User, team: Team, hours_per_member_week: int) -> TeamCapacity:
    require_manage(actor)
    if not 0 <= hours_per_member_week <= 168:
        raise ValidationFailed.field("hours_per_member_week", "From 0 to 168.")
    capacity, _ = TeamCapacity.objects.update_or_create(
        team=team,
        defaults={"hours_per_member_week": hours_per_member_week, "updated_at": timezone.now()},
    )
    return capacity
