"""Business-time arithmetic: pure functions over a calendar value object, no database.

A :class:`Calendar` says when work happens: working intervals per weekday (several per day,
in local wall time), an IANA time zone, and holidays (single dates, yearly dates and the public
holidays of a country/subdivision from the ``holidays`` package). All instants given to and
returned by this module are timezone-aware; results are in UTC.

The maths walks working periods day by day (never minute by minute): each local day becomes a
few ``(start, end)`` UTC pairs, converted through the zone so that DST changes in either
direction are exact (a working day of 09:00-17:00 is 8 hours on the DST Sunday too, and a 24-hour
calendar in Europe/Berlin has a 23-hour day in March and a 25-hour day in October).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays as holidays_lib

MINUTES_PER_DAY = 24 * 60
# A calendar with no working time in ten years is a configuration error, not a due date.
MAX_DAYS = 3660
ZERO = timedelta(0)

# (start, end) in minutes since local midnight; end may be 1440 (24:00).
Interval = tuple[int, int]
# A paused span; an open pause (still paused) has no end.
Pause = tuple[datetime, datetime | None]


class CalendarError(ValueError):
    """The calendar cannot be used (bad zone, overlapping intervals, no working time…)."""


@dataclass(frozen=True)
class Calendar:
    """When work happens. Build it with :func:`make_calendar` to have it validated."""

    zone: str = "UTC"
    # Seven entries, Monday first; each a sorted tuple of non-overlapping intervals.
    week: tuple[tuple[Interval, ...], ...] = ((),) * 7
    dates: frozenset[date] = frozenset()
    # (month, day) pairs that are holidays every year.
    yearly: frozenset[tuple[int, int]] = frozenset()
    country: str = ""
    subdivision: str = ""
    tzinfo: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    is_24x7: bool = field(init=False, repr=False, compare=False, hash=False)
    _hash: int = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tzinfo", _zone(self.zone))
        always = self.zone == "UTC" and self.week == ((((0, MINUTES_PER_DAY),),) * 7)
        always = always and not (self.dates or self.yearly or self.country)
        object.__setattr__(self, "is_24x7", always)
        # Calendars key the caches below on every call: hash the fields once.
        fields = (self.zone, self.week, self.dates, self.yearly, self.country, self.subdivision)
        object.__setattr__(self, "_hash", hash(fields))

    def __hash__(self) -> int:
        return self._hash

    def is_holiday(self, day: date) -> bool:
        if day in self.dates or (day.month, day.day) in self.yearly:
            return True
        return bool(self.country) and day in _public_holidays(
            self.country, self.subdivision, day.year
        )

    def periods_of_day(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working periods of one local day as UTC pairs (cached: clocks share days)."""
        return _day_periods(self, day)


def _zone(name: str) -> ZoneInfo:
    if not name or name not in _zone_names():
        raise CalendarError(f"Unknown time zone '{name}'; use an IANA name like Europe/Berlin.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed but broken
        raise CalendarError(f"Unknown time zone '{name}'.") from exc


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def is_known_zone(name: str) -> bool:
    return name in _zone_names()


@lru_cache(maxsize=1)
def supported_countries() -> dict[str, list[str]]:
    return dict(holidays_lib.list_supported_countries())


@lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    found = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(found.keys())


def make_calendar(
    *,
    zone: str,
    week: Sequence[Iterable[tuple[time | int, time | int]]],
    dates: Iterable[date] = (),
    yearly: Iterable[tuple[int, int]] = (),
    country: str = "",
    subdivision: str = "",
) -> Calendar:
    """A validated calendar. ``week`` has seven entries (Monday first) of ``(start, end)`` pairs
    given as :class:`time` or minutes; an end of ``time(0)`` or 1440 means midnight (24:00)."""
    if len(week) != 7:
        raise CalendarError("A week has seven days (Monday first).")
    days = tuple(_check_day(index, day) for index, day in enumerate(week))
    if not any(days):
        raise CalendarError("The calendar has no working hours; add at least one interval.")
    country = country.strip().upper()
    if subdivision and not country:
        raise CalendarError("A subdivision needs a country.")
    if country:
        known = supported_countries()
        if country not in known:
            raise CalendarError(f"The holidays package does not know the country '{country}'.")
        if subdivision and subdivision not in known[country]:
            raise CalendarError(f"'{subdivision}' is not a subdivision of {country}.")
    for month, day in yearly:
        try:
            date(2024, month, day)  # a leap year, so 29 February is allowed
        except ValueError as exc:
            raise CalendarError(f"{month}-{day} is not a date.") from exc
    return Calendar(
        zone=zone,
        week=days,
        dates=frozenset(dates),
        yearly=frozenset(yearly),
        country=country,
        subdivision=subdivision,
    )


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _minutes(value: time | int, *, is_end: bool) -> int:
    if isinstance(value, time):
        minutes = value.hour * 60 + value.minute
        return MINUTES_PER_DAY if is_end and minutes == 0 else minutes
    return value


def _check_day(index: int, day: Iterable[tuple[time | int, time | int]]) -> tuple[Interval, ...]:
    intervals = sorted(
        (_minutes(start, is_end=False), _minutes(end, is_end=True)) for start, end in day
    )
    name = DAY_NAMES[index]
    for start, end in intervals:
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise CalendarError(f"{name}: {_hhmm(start)}-{_hhmm(end)} is not a valid interval.")
    for (s1, e1), (s2, e2) in pairwise(intervals):
        if s2 < e1:
            raise CalendarError(
                f"{name}: {_hhmm(s1)}-{_hhmm(e1)} overlaps {_hhmm(s2)}-{_hhmm(e2)}."
            )
    return tuple(intervals)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


ALWAYS = Calendar(zone="UTC", week=(((0, MINUTES_PER_DAY),),) * 7)
assert ALWAYS.is_24x7


# --- periods ------------------------------------------------------------------------------
def _local_instant(cal: Calendar, day: date, minutes: int) -> datetime:
    """The UTC instant of a local wall time; a wall time skipped by DST (02:30 on the spring
    Sunday) is the instant the clocks jump, so no working time is invented or lost."""
    if minutes == MINUTES_PER_DAY:
        day, minutes = day + timedelta(days=1), 0
    wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=cal.tzinfo)
    instant = wall.astimezone(UTC)
    if instant.astimezone(cal.tzinfo).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    return _transition_before(cal, instant)


def _transition_before(cal: Calendar, instant: datetime) -> datetime:
    # The gap lies less than a day before ``instant``: bisect to the minute where the UTC
    # offset changes. Only wall times inside a DST gap get here.
    low, high = instant - timedelta(days=1), instant
    offset_high = high.astimezone(cal.tzinfo).utcoffset()
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        if middle.astimezone(cal.tzinfo).utcoffset() == offset_high:
            high = middle
        else:
            low = middle
    return high.replace(second=0, microsecond=0)


@lru_cache(maxsize=65536)
def _day_periods(cal: Calendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    if cal.is_holiday(day):
        return ()
    periods = []
    for start, end in cal.week[day.weekday()]:
        begin, finish = _local_instant(cal, day, start), _local_instant(cal, day, end)
        if finish > begin:
            periods.append((begin, finish))
    return tuple(periods)


@dataclass(frozen=True)
class _Year:
    """Business time of one local calendar year as prefix sums over its days, so that any
    span costs a lookup and a bisection instead of a walk over its days."""

    first: date
    # prefix[i]: business time from the year's first local midnight to the start of day i.
    prefix: tuple[timedelta, ...]

    @property
    def total(self) -> timedelta:
        return self.prefix[-1]


@lru_cache(maxsize=1024)
def _year(cal: Calendar, year: int) -> _Year:
    first = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - first).days
    prefix = [ZERO]
    for offset in range(days):
        day_periods = cal.periods_of_day(first + timedelta(days=offset))
        prefix.append(prefix[-1] + sum((e - b for b, e in day_periods), ZERO))
    return _Year(first, tuple(prefix))


def _position(cal: Calendar, instant: datetime) -> tuple[int, timedelta]:
    """(local year, business time from that year's start to ``instant``)."""
    day = instant.astimezone(cal.tzinfo).date()
    table = _year(cal, day.year)
    within = ZERO
    for begin, finish in cal.periods_of_day(day):
        if instant <= begin:
            break
        within += min(finish, instant) - begin
    return day.year, table.prefix[(day - table.first).days] + within


def _plain_elapsed(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    (year_a, at_a), (year_b, at_b) = _position(cal, start), _position(cal, end)
    if year_a == year_b:
        return at_b - at_a
    between = sum((_year(cal, y).total for y in range(year_a, year_b)), ZERO)
    return between - at_a + at_b


def _instant_at(cal: Calendar, year: int, target: timedelta) -> datetime:
    """The instant at which the year's business time reaches ``target`` (0 < target <= total);
    a target at the end of a working period is that end, not the next period's start."""
    table = _year(cal, year)
    index = bisect_left(table.prefix, target) - 1
    day = table.first + timedelta(days=index)
    remaining = target - table.prefix[index]
    for begin, finish in cal.periods_of_day(day):
        if remaining <= finish - begin:
            return begin + remaining
        remaining -= finish - begin
    raise AssertionError("prefix sums disagree with the day's periods")  # pragma: no cover


# --- the two operations -------------------------------------------------------------------
def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware.")
    return value.astimezone(UTC)


def add(start: datetime, duration: timedelta, calendar: Calendar) -> datetime:
    """The instant when ``duration`` of business time has passed after ``start``.

    A duration that ends exactly at the end of a working period ends there (17:00), not at the
    start of the next one.
    """
    start = _aware(start, "start")
    if duration < ZERO:
        raise ValueError("duration must not be negative.")
    if duration == ZERO:
        return start
    if calendar.is_24x7:
        return start + duration
    year, position = _position(calendar, start)
    remaining = duration
    for _ in range(MAX_DAYS // 365 + 1):
        available = _year(calendar, year).total - position
        if remaining <= available:
            return _instant_at(calendar, year, position + remaining)
        remaining -= available
        year, position = year + 1, ZERO
    raise CalendarError(f"No working time within {MAX_DAYS} days of {start.isoformat()}.")


def merge_pauses(
    pauses: Iterable[Pause], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Pauses clipped to ``[start, end]``, sorted and merged; an open pause runs to ``end``."""
    clipped = []
    for begin, finish in pauses:
        begin = max(_aware(begin, "pause start"), start)
        finish = end if finish is None else min(_aware(finish, "pause end"), end)
        if finish > begin:
            clipped.append((begin, finish))
    clipped.sort()
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in clipped:
        if merged and begin <= merged[-1][1]:
            if finish > merged[-1][1]:
                merged[-1] = (merged[-1][0], finish)
        else:
            merged.append((begin, finish))
    return merged


def elapsed(
    start: datetime, end: datetime, calendar: Calendar, pauses: Iterable[Pause] = ()
) -> timedelta:
    """Business time between ``start`` and ``end`` that is not inside any pause."""
    start, end = _aware(start, "start"), _aware(end, "end")
    if end <= start:
        return ZERO
    stops = merge_pauses(pauses, start, end)
    if calendar.is_24x7:
        return end - start - sum((f - b for b, f in stops), ZERO)
    total = _plain_elapsed(calendar, start, end)
    for begin, finish in stops:
        total -= _plain_elapsed(calendar, begin, finish)
    return total
