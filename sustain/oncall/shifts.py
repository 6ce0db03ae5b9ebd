"""Who is on call when: the pure computation of a team's schedule (no database).

A team's schedule is its rotations stacked as layers, and its overrides on top:

- A **rotation** hands over from one member to the next at a local time in its own time zone.
  Daily, weekly and "every N days" rotations count *nominal* days: a 09:00 handover stays 09:00
  local across DST, so the shift that covers a change lasts 23 or 25 hours (23.5 or 24.5 on Lord
  Howe Island). "Every N hours" rotations count *elapsed* hours from the first handover. A local
  handover time that occurs twice (autumn) is its first occurrence; one that does not occur
  (inside the spring-forward gap) is read with the UTC offset from before the gap, as RFC 5545
  §3.3.5 reads such times: 02:30 on the Berlin transition day is 03:30 CEST. ``zoneinfo`` does
  both with ``fold=0``.
- A **restriction** limits a layer to weekly intervals in the rotation's zone (weekdays
  09:00–17:00, say); outside them the layer has nobody and lower layers show through.
- The **highest layer** that has somebody at an instant wins; an **override** (a person covering
  a period, shift swaps included) beats every layer, and of two overlapping overrides the newer
  one wins.

Every interval is half-open, ``[start, end)``: the handover instant belongs to the incoming
person.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sustain.oncall.choices import Handover

MINUTES_PER_DAY = 24 * 60
# Weekdays 09:00–17:00, Monday = 0.
BUSINESS_HOURS: tuple[tuple[int, int, int], ...] = tuple((day, 9 * 60, 17 * 60) for day in range(5))

# The instants and dates a schedule is computed for: far enough for any plan, near enough
# that a handover a few years on never leaves the range of ``datetime``.
EARLIEST = datetime(1971, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

LAYER = "layer"
OVERRIDE = "override"


@dataclass(frozen=True)
class Layer:
    """One rotation as the computation sees it."""

    key: int  # the rotation's id
    name: str
    zone: str
    handover: str  # a Handover value
    every: int  # N of "every N days/hours"; ignored for daily and weekly
    at: time  # local handover time
    start: date  # the first shift starts at ``at`` on this local date
    members: tuple[int, ...]  # user ids in turn order
    # (weekday, start minute, end minute) in the zone; empty: around the clock.
    windows: tuple[tuple[int, int, int], ...] = ()
    level: int = 0  # higher wins

    @property
    def step_days(self) -> int | None:
        if self.handover == Handover.DAILY:
            return 1
        if self.handover == Handover.WEEKLY:
            return 7
        if self.handover == Handover.EVERY_DAYS:
            return max(self.every, 1)
        return None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


@dataclass(frozen=True)
class Cover:
    """An override: ``user_id`` is on call in ``[start, end)`` whatever the layers say."""

    key: int  # the override's id: the newer (higher) wins where two overlap
    user_id: int
    start: datetime
    end: datetime
    label: str = "Override"


@dataclass(frozen=True)
class Piece:
    """A stretch of the final schedule: who, and which layer or override put them there."""

    start: datetime
    end: datetime
    user_id: int
    source: str  # LAYER or OVERRIDE
    source_id: int
    label: str

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


# --- one layer ------------------------------------------------------------------------------
def handover_at(layer: Layer, k: int) -> datetime:
    """The instant (UTC) at which shift ``k`` of the layer starts (shift 0 is the first)."""
    days = layer.step_days
    if days is None:
        origin = datetime.combine(layer.start, layer.at, tzinfo=layer.tz).astimezone(UTC)
        return origin + timedelta(hours=k * max(layer.every, 1))
    local = datetime.combine(layer.start + timedelta(days=k * days), layer.at, tzinfo=layer.tz)
    return local.astimezone(UTC)


def shift_index(layer: Layer, at: datetime) -> int:
    """The shift running at ``at`` (negative: before the rotation began)."""
    days = layer.step_days
    if days is None:
        origin = handover_at(layer, 0)
        return int((at - origin) // timedelta(hours=max(layer.every, 1)))
    k = (at.astimezone(layer.tz).date() - layer.start).days // days
    while handover_at(layer, k) > at:
        k -= 1
    while handover_at(layer, k + 1) <= at:
        k += 1
    return k


def shifts(
    layer: Layer, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime, int]]:
    """The layer's unrestricted shifts clipped to ``[start, end)``: (start, end, user id)."""
    if not layer.members:
        return
    k = max(shift_index(layer, start), 0)
    begin = handover_at(layer, k)
    while begin < end:
        finish = handover_at(layer, k + 1)
        if finish > start:
            yield max(begin, start), min(finish, end), layer.members[k % len(layer.members)]
        k, begin = k + 1, finish


def windows(layer: Layer, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The layer's restriction intervals within ``[start, end)`` as UTC instants, merged."""
    if not layer.windows:
        return [(start, end)]
    zone = layer.tz
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    found: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        for weekday, begin, finish in layer.windows:
            if weekday != day.weekday():
                continue
            a = _local(day, begin, zone)
            b = _local(day, finish, zone)
            a, b = max(a, start), min(b, end)
            if a < b:
                found.append((a, b))
        day += timedelta(days=1)
    return _merge(sorted(found))


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    day += timedelta(days=minute // MINUTES_PER_DAY)
    minute %= MINUTES_PER_DAY
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone).astimezone(UTC)


def _merge(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def layer_pieces(layer: Layer, start: datetime, end: datetime) -> list[Piece]:
    """Who the layer puts on call within ``[start, end)``, restrictions applied."""
    allowed = windows(layer, start, end)
    pieces: list[Piece] = []
    for a, b, user in shifts(layer, start, end):
        for wa, wb in allowed:
            lo, hi = max(a, wa), min(b, wb)
            if lo < hi:
                pieces.append(Piece(lo, hi, user, LAYER, layer.key, layer.name))
    return pieces


# --- the whole schedule ---------------------------------------------------------------------
def schedule(
    layers: Sequence[Layer], covers: Iterable[Cover], start: datetime, end: datetime
) -> list[Piece]:
    """The final schedule within ``[start, end)``: consecutive pieces, gaps left out."""
    if start >= end:
        return []
    # Highest layer first; of two at one level, the older rotation.
    ranked = sorted(layers, key=lambda layer: (-layer.level, layer.key))
    candidates: list[tuple[tuple[int, int], Piece]] = []
    for rank, layer in enumerate(ranked):
        candidates += [((1, -rank), p) for p in layer_pieces(layer, start, end)]
    for cover in covers:
        lo, hi = max(cover.start, start), min(cover.end, end)
        if lo < hi:
            piece = Piece(lo, hi, cover.user_id, OVERRIDE, cover.key, cover.label)
            candidates.append(((2, cover.key), piece))
    cuts = sorted({t for _, p in candidates for t in (p.start, p.end)})
    result: list[Piece] = []
    for a, b in pairwise(cuts):
        covering = [(rank, p) for rank, p in candidates if p.start <= a and p.end >= b]
        if not covering:
            continue
        _, best = max(covering, key=lambda item: item[0])
        last = result[-1] if result else None
        if (
            last is not None
            and last.end == a
            and (last.user_id, last.source, last.source_id)
            == (best.user_id, best.source, best.source_id)
        ):
            result[-1] = Piece(last.start, b, last.user_id, last.source, last.source_id, last.label)
        else:
            result.append(Piece(a, b, best.user_id, best.source, best.source_id, best.label))
    return result


def on_call_at(layers: Sequence[Layer], covers: Iterable[Cover], at: datetime) -> Piece | None:
    """The piece of the schedule running at ``at``, or None when nobody is on call."""
    found = schedule(layers, covers, at, at + timedelta(microseconds=1))
    return found[0] if found else None


def hours_by_user(pieces: Iterable[Piece]) -> dict[int, float]:
    """Elapsed on-call hours per person (a 25-hour DST shift counts 25)."""
    hours: dict[int, float] = {}
    for piece in pieces:
        hours[piece.user_id] = hours.get(piece.user_id, 0.0) + piece.hours
    return hours
