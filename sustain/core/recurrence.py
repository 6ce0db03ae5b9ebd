"""RFC 5545 recurrence in a time zone: which instants a recurring event starts and ends at.

The rule is expanded in local wall-clock time (naive datetimes in the event's zone), and each
local time is then turned into an instant by this module, not by a library, because the RFC's
reading of the two DST discontinuities is not what every library does (``dateutil`` reads a gap
time with the offset after the gap):

* a local time that occurs twice (the autumn fold) is its first occurrence (§3.3.5);
* a local time that does not exist (the spring gap) is read with the UTC offset from before the
  gap, so 02:30 on Berlin's transition day is 03:30 CEST (§3.3.5).

``zoneinfo`` with ``fold=0`` gives exactly that (PEP 495: fold=0 uses the offset in force before
the transition, in a fold and in a gap alike).

Durations (§3.3.6, §3.8.5.3): the week and day parts are nominal — added to the local start on
the wall clock, so "P1D" from 09:00 ends at 09:00 the next day, 23 or 25 hours later across a
transition — while the hour, minute and second parts are exact, elapsed time added to the
instant. UNTIL is a UTC instant, compared with the instants; COUNT counts the instances the rule
generates, before EXDATE removes any.

Common rule shapes (daily, weekly by weekdays, monthly by day of month or by nth weekday) are
expanded with integer arithmetic on day numbers, jumping straight to the range asked for; every
other rule goes through ``dateutil.rrule``. Both give the same local times (a property test
holds them together).
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil import rrule as du

from sustain.core.errors import ValidationFailed

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY")
REFUSED_FREQUENCIES = ("MINUTELY", "SECONDLY")
KNOWN_PARTS = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
UNTIL_FORMAT = re.compile(r"^\d{8}T\d{6}Z$")
BYDAY_ITEM = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
# A monthly rule whose day never comes ends here (its months are still bounded by the range).
MAX_LOCAL_STEPS = 100_000


@dataclass(frozen=True, slots=True)
class Duration:
    """An RFC 5545 duration: nominal days (weeks are seven days) plus exact elapsed time."""

    days: int = 0
    exact: timedelta = timedelta(0)

    @classmethod
    def of(cls, *, weeks: int = 0, days: int = 0, hours: int = 0, minutes: int = 0) -> Duration:
        return cls(days=weeks * 7 + days, exact=timedelta(hours=hours, minutes=minutes))

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read "PT2H", "P1D", "P1W", "P1DT30M" (no negative or zero durations)."""
        match = re.fullmatch(
            r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?",
            (text or "").strip().upper(),
        )
        if not match or not any(match.groups()):
            raise ValidationFailed.field(
                "duration", f"'{text}' is not a duration such as PT2H, P1D or P1W."
            )
        weeks, days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
        duration = cls(
            days=weeks * 7 + days,
            exact=timedelta(hours=hours, minutes=minutes, seconds=seconds),
        )
        if duration.is_zero:
            raise ValidationFailed.field("duration", "A duration must be longer than zero.")
        return duration

    @property
    def is_zero(self) -> bool:
        return self.days == 0 and self.exact == timedelta(0)

    def to_text(self) -> str:
        text = "P"
        if self.days and self.days % 7 == 0 and not self.exact:
            return f"P{self.days // 7}W"
        if self.days:
            text += f"{self.days}D"
        seconds = int(self.exact.total_seconds())
        if seconds:
            hours, rest = divmod(seconds, 3600)
            minutes, secs = divmod(rest, 60)
            text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
            text += f"{secs}S" if secs else ""
        return text

    def end_of(self, local_start: datetime, zone: ZoneInfo, start: datetime) -> datetime:
        """The end instant of an instance that starts at ``local_start`` (``start`` as instant)."""
        if self.days:
            start = to_instant(local_start + timedelta(days=self.days), zone)
        return start + self.exact


@dataclass(frozen=True, slots=True)
class Occurrence:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Rule:
    """A checked RRULE, its parts as given (upper case), UNTIL read as a UTC instant."""

    text: str
    parts: tuple[tuple[str, str], ...]
    freq: str
    interval: int
    count: int | None
    until: datetime | None

    def part(self, name: str) -> str | None:
        return next((value for key, value in self.parts if key == name), None)


def zone_named(name: str) -> ZoneInfo:
    if name not in _zone_names():
        raise ValidationFailed.field("timezone", f"'{name}' is not a known time zone.")
    return _zone(name)


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationFailed.field("timezone", f"'{name}' is not a known time zone.") from error


def to_instant(local: datetime, zone: ZoneInfo) -> datetime:
    """A local wall time in ``zone`` as a UTC instant, the RFC's way (first of two, pre-gap)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def parse_rule(text: str) -> Rule:
    """Check an RRULE value and read it; every fault is a ``ValidationFailed`` on ``rrule``."""
    return _parse_rule(re.sub(r"\s+", "", text or "").upper().removeprefix("RRULE:"))


@lru_cache(maxsize=4096)
def _parse_rule(text: str) -> Rule:
    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed.field("rrule", message)

    if not text:
        raise refuse("A recurrence rule is required, such as FREQ=WEEKLY;BYDAY=SU.")
    parts: list[tuple[str, str]] = []
    for item in text.split(";"):
        key, sep, value = item.partition("=")
        if not sep or not value:
            raise refuse(f"'{item}' is not NAME=VALUE.")
        if key not in KNOWN_PARTS:
            raise refuse(f"'{key}' is not a part of a recurrence rule.")
        if any(key == seen for seen, _ in parts):
            raise refuse(f"{key} is given twice.")
        parts.append((key, value))
    given = dict(parts)
    freq = given.get("FREQ")
    if freq in REFUSED_FREQUENCIES:
        raise refuse(f"FREQ={freq} is not allowed: a window repeats at most hourly.")
    if freq not in FREQUENCIES:
        raise refuse("FREQ must be one of " + ", ".join(FREQUENCIES) + ".")
    if "COUNT" in given and "UNTIL" in given:
        raise refuse("COUNT and UNTIL cannot both be given.")
    until = None
    if "UNTIL" in given:
        if not UNTIL_FORMAT.match(given["UNTIL"]):
            raise refuse("UNTIL must be a UTC date-time such as 20271231T235959Z.")
        try:
            until = datetime.strptime(given["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError as error:
            raise refuse(f"UNTIL={given['UNTIL']} is not a real date-time.") from error
    count = _positive(given, "COUNT")
    interval = _positive(given, "INTERVAL") or 1
    try:  # dateutil knows every other constraint (ranges of BYxxx values, BYDAY forms)
        du.rrulestr(_without_until(parts), dtstart=datetime(2000, 1, 1))  # noqa: DTZ001
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise refuse(f"'{text}' is not a valid recurrence rule ({error}).") from error
    return Rule(text, tuple(parts), freq, interval, count, until)


def _positive(given: dict[str, str], key: str) -> int | None:
    if key not in given:
        return None
    value = given[key]
    if not value.isdigit() or int(value) < 1:
        raise ValidationFailed.field("rrule", f"{key} must be a whole number from 1.")
    return int(value)


def _without_until(parts: Iterable[tuple[str, str]]) -> str:
    return ";".join(f"{key}={value}" for key, value in parts if key != "UNTIL")


def occurrences(
    rrule: str | Rule | None,
    dtstart_local: datetime,
    zone: str | ZoneInfo,
    duration: Duration,
    window_start: datetime,
    window_end: datetime,
    exdates: Iterable[datetime] = (),
) -> Iterator[Occurrence]:
    """The instances that overlap ``[window_start, window_end)``, in order of start.

    ``dtstart_local`` is the naive wall time of the first instance in ``zone``; ``rrule`` None
    means a one-off event. An EXDATE is naive (a local start in ``zone``) or aware (an instant).
    """
    if dtstart_local.tzinfo is not None:
        raise ValueError("dtstart_local must be a naive local wall time")
    tz = zone if isinstance(zone, ZoneInfo) else _zone(zone)
    rule = parse_rule(rrule) if isinstance(rrule, str) else rrule
    excluded = {_instant(moment, tz) for moment in exdates}
    # Local times more than a day (plus the nominal part) before the range cannot overlap it.
    lookback = timedelta(days=duration.days + 2) + duration.exact
    local_from = window_start.astimezone(tz).replace(tzinfo=None) - lookback
    local_to = window_end.astimezone(tz).replace(tzinfo=None) + timedelta(days=2)
    if rule is not None and rule.until is not None:
        local_to = min(local_to, rule.until.astimezone(tz).replace(tzinfo=None) + timedelta(days=2))
    if rule is None:
        local_times: Iterable[datetime] = (dtstart_local,)
    else:
        local_times = _local_times(rule, dtstart_local, local_from, local_to)
    previous: datetime | None = None
    for local in local_times:
        if local > local_to:
            return
        start = to_instant(local, tz)
        if rule is not None and rule.until is not None and start > rule.until:
            continue
        if start == previous or start in excluded:
            continue  # two local times in a gap can share an instant; RFC keeps one
        previous = start
        if start >= window_end:
            continue
        end = duration.end_of(local, tz, start)
        if end > window_start:
            yield Occurrence(start, end)


def _instant(moment: datetime, tz: ZoneInfo) -> datetime:
    return to_instant(moment, tz) if moment.tzinfo is None else moment.astimezone(UTC)


def _local_times(
    rule: Rule, dtstart: datetime, local_from: datetime, local_to: datetime
) -> Iterator[datetime]:
    """Local wall times of the rule from ``dtstart``, possibly skipping some before
    ``local_from`` (only where COUNT does not need them)."""
    fast = _fast_days(rule, dtstart, local_from.date(), local_to.date())
    if fast is not None:
        moment = dtstart.time()
        for ordinal in fast:
            yield datetime.combine(date.fromordinal(ordinal), moment)
        return
    for local in _dateutil_rule(rule.text, dtstart):
        if local > local_to:
            return
        if local >= local_from:
            yield local


@lru_cache(maxsize=2048)
def _dateutil_rule(text: str, dtstart: datetime) -> du.rrule:
    rule = _parse_rule(text)
    built = du.rrulestr(_without_until(rule.parts), dtstart=dtstart)
    assert isinstance(built, du.rrule)
    return built


# --- the fast path: day numbers (proleptic Gregorian ordinals) of common rules ---------------

SIMPLE_PARTS = {
    "DAILY": {"FREQ", "INTERVAL", "COUNT", "UNTIL"},
    "WEEKLY": {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"},
    "MONTHLY": {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "WKST"},
    "YEARLY": {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"},
}


def _fast_days(rule: Rule, dtstart: datetime, first: date, last: date) -> Iterable[int] | None:
    allowed = SIMPLE_PARTS.get(rule.freq)
    if allowed is None or any(key not in allowed for key, _ in rule.parts):
        return None
    if rule.freq == "DAILY":
        return _daily(dtstart.date(), rule.interval, rule.count, first, last)
    if rule.freq == "WEEKLY":
        weekdays = _plain_weekdays(rule.part("BYDAY"), dtstart.weekday())
        if weekdays is None:
            return None
        wkst = WEEKDAYS.index(rule.part("WKST") or "MO")
        return _weekly(dtstart.date(), rule.interval, rule.count, weekdays, wkst, first, last)
    return _monthly_days(rule, dtstart.date(), first, last)


def _daily(start: date, interval: int, count: int | None, first: date, last: date) -> Iterator[int]:
    origin = start.toordinal()
    index = 0
    if count is None:
        index = max(0, (first.toordinal() - origin) // interval)
    end = last.toordinal()
    while count is None or index < count:
        ordinal = origin + index * interval
        if ordinal > end:
            return
        yield ordinal
        index += 1
    return


def _weekly(
    start: date,
    interval: int,
    count: int | None,
    weekdays: tuple[int, ...],
    wkst: int,
    first: date,
    last: date,
) -> Iterator[int]:
    origin = start.toordinal()
    week_start = origin - (start.weekday() - wkst) % 7
    offsets = sorted((weekday - wkst) % 7 for weekday in weekdays)
    period = 7 * interval
    week = 0
    if count is None:
        week = max(0, (first.toordinal() - week_start) // period - 1)
    end = last.toordinal()
    produced = 0
    while True:
        base = week_start + week * period
        if base > end:
            return
        for offset in offsets:
            ordinal = base + offset
            if ordinal < origin:
                continue
            if count is not None and produced >= count:
                return
            produced += 1
            yield ordinal
        week += 1


@lru_cache(maxsize=4096)
def _weekly_shape(rule: Rule, weekday: int) -> tuple[int, tuple[int, ...], int] | None:
    """(week start, day offsets in a period, period in days) of a daily or weekly rule
    without COUNT whose instances a range() gives; a daily rule is a one-day "week"."""
    if rule.count is not None or rule.freq not in ("DAILY", "WEEKLY"):
        return None
    if any(key not in SIMPLE_PARTS[rule.freq] for key, _ in rule.parts):
        return None
    if rule.freq == "DAILY":
        return weekday, (0,), rule.interval
    weekdays = _plain_weekdays(rule.part("BYDAY"), weekday)
    if weekdays is None:
        return None
    wkst = WEEKDAYS.index(rule.part("WKST") or "MO")
    offsets = tuple(sorted({(day - wkst) % 7 for day in weekdays}))
    return wkst, offsets, 7 * rule.interval


def _plain_weekdays(byday: str | None, default: int) -> tuple[int, ...] | None:
    if byday is None:
        return (default,)
    days = byday.split(",")
    if any(day not in WEEKDAYS for day in days):
        return None  # ordinals in a weekly rule: leave them to dateutil
    return tuple(WEEKDAYS.index(day) for day in days)


def _monthly_days(rule: Rule, start: date, first: date, last: date) -> list[int] | None:
    shape = _monthly_shape(rule, start.month, start.day)
    if shape is None:
        return None
    pickers, months = shape
    return _monthly(start, rule.interval, rule.count, pickers, months, first, last)


@lru_cache(maxsize=4096)
def _monthly_shape(
    rule: Rule, month: int, day: int
) -> tuple[tuple[tuple[int, int | None], ...], frozenset[int] | None] | None:
    """The day pickers and months of monthly rules, and of yearly ones that pick days within
    given months (a yearly BYDAY without BYMONTH counts weekdays of the year: dateutil's)."""
    byday, bymonthday = rule.part("BYDAY"), rule.part("BYMONTHDAY")
    if byday and bymonthday:
        return None
    months: frozenset[int] | None = None
    if rule.freq == "YEARLY":
        bymonth = rule.part("BYMONTH")
        if byday and not bymonth:
            return None
        if bymonth:
            months = frozenset(int(month) for month in bymonth.split(","))
        else:  # a yearly BYMONTHDAY alone runs through every month, as in dateutil
            months = frozenset(range(1, 13)) if bymonthday else frozenset({month})
    pickers: list[tuple[int, int | None]] = []  # (monthday, None) or (nth, weekday)
    if byday:
        for item in byday.split(","):
            match = BYDAY_ITEM.match(item)
            if not match or not match.group(1) or int(match.group(1)) == 0:
                return None  # "every Tuesday of the month": dateutil
            pickers.append((int(match.group(1)), WEEKDAYS.index(match.group(2))))
    else:
        days = [int(number) for number in (bymonthday or str(day)).split(",")]
        if any(not 1 <= abs(number) <= 31 for number in days):
            return None
        pickers = [(number, None) for number in days]
    return tuple(pickers), months


MONTH_LENGTHS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _monthly(
    start: date,
    interval: int,
    count: int | None,
    pickers: tuple[tuple[int, int | None], ...],
    months: frozenset[int] | None,
    first: date,
    last: date,
) -> list[int]:
    origin, end = start.toordinal(), last.toordinal()
    month_index = start.year * 12 + start.month - 1
    found: list[int] = []
    # Monthly rules step by INTERVAL months; yearly ones walk every month of every
    # INTERVAL-th year and keep the months named.
    step = interval if months is None else 1
    if count is None and months is None:  # jump to the period before the range, in phase
        wanted = first.year * 12 + first.month - 2
        month_index += max(0, (wanted - month_index) // interval) * interval
    elif count is None and first.year - 1 > start.year:
        month_index = (start.year + (first.year - 1 - start.year) // interval * interval) * 12
    produced = 0
    for _ in range(MAX_LOCAL_STEPS):
        year, month0 = divmod(month_index, 12)
        month_index += step
        month_start, first_weekday, length = _month(year, month0)
        if month_start > end:
            break
        if months is not None and (month0 + 1 not in months or (year - start.year) % interval):
            continue
        for ordinal in _month_days(month_start, first_weekday, length, pickers):
            if ordinal < origin:
                continue
            if count is not None and produced >= count:
                return found
            produced += 1
            found.append(ordinal)
    return found


@lru_cache(maxsize=65536)
def _month(year: int, month0: int) -> tuple[int, int, int]:
    """A month's first day number, the weekday of that day, and its length."""
    month_start = date(year, month0 + 1, 1).toordinal()
    length = MONTH_LENGTHS[month0] + (month0 == 1 and calendar.isleap(year))
    return month_start, (month_start + 6) % 7, length


@lru_cache(maxsize=65536)
def _month_days(
    month_start: int, first_weekday: int, length: int, pickers: tuple[tuple[int, int | None], ...]
) -> tuple[int, ...]:
    """The day numbers of a month that the pickers choose, ascending."""
    days: set[int] = set()
    for number, weekday in pickers:
        if weekday is None:
            day = number if number > 0 else length + number + 1
        elif number > 0:
            day = 1 + (weekday - first_weekday) % 7 + (number - 1) * 7
        else:
            last_weekday = (first_weekday + length - 1) % 7
            day = length - (last_weekday - weekday) % 7 + (number + 1) * 7
        if 1 <= day <= length:
            days.add(month_start + day - 1)
    return tuple(sorted(days))


# --- the bulk form: instants as epoch seconds, for calendars of thousands of windows ---------

EPOCH = date(1970, 1, 1).toordinal()


def spans(
    rrule: str | Rule | None,
    dtstart_local: datetime,
    zone: str,
    duration: Duration,
    window_start: datetime,
    window_end: datetime,
    exdates: Iterable[datetime] = (),
) -> list[tuple[int, int]]:
    """What ``occurrences`` gives, as (start, end) UTC epoch seconds: the same instants
    (a property test holds them together), computed with integers and a per-zone table of
    offsets, for pages that lay out many windows and build datetimes only for those shown."""
    rule = parse_rule(rrule) if isinstance(rrule, str) else rrule
    nominal, exact = duration.days * 86400, int(duration.exact.total_seconds())
    low, high = int(window_start.timestamp()), int(window_end.timestamp())
    if rule is not None and rule.until is not None:  # nothing starts after UNTIL
        high = min(high, int(rule.until.timestamp()) + 1)
    locals_ = None
    if rule is not None and not (dtstart_local.second or dtstart_local.microsecond):
        locals_ = _fast_locals(rule, dtstart_local, low - 2 * 86400 - nominal - exact, high)
    if locals_ is None:
        return [
            (int(o.start.timestamp()), int(o.end.timestamp()))
            for o in occurrences(
                rule, dtstart_local, zone, duration, window_start, window_end, exdates
            )
        ]
    assert rule is not None
    if not locals_:
        return []
    # The offsets of the years the instances cover (a rule with COUNT is asked "until the
    # year 4000" but covers a few), with a year each side for nominal ends.
    first_year = datetime.fromtimestamp(locals_[0], UTC).year
    last_year = datetime.fromtimestamp(locals_[-1] + nominal, UTC).year
    table = _offsets(zone, first_year - 1, last_year + 1)
    # The locals are whole days apart: their instants ascend as they do (a gap or a fold
    # moves an instant by less than a day).
    starts = table.to_utc_sorted(locals_)
    excluded = {int(_instant(moment, _zone(zone)).timestamp()) for moment in exdates}
    until = int(rule.until.timestamp()) if rule.until is not None else None
    if not nominal and until is None and not excluded:
        first = bisect_right(starts, low - exact)
        return [(start, start + exact) for start in starts[first : bisect_left(starts, high)]]
    ends = table.to_utc_sorted([local + nominal for local in locals_]) if nominal else starts
    return [
        (start, end + exact)
        for start, end in zip(starts, ends, strict=True)
        if start < high
        and end + exact > low
        and (until is None or start <= until)
        and start not in excluded
    ]


def _fast_locals(rule: Rule, dtstart: datetime, low: int, high: int) -> list[int] | None:
    """Local starts (wall-clock epoch seconds) from ``low`` to two days after ``high``, for
    the rule shapes of the fast path; None for the others."""
    found = _arithmetic_locals(rule, dtstart, low, high)
    if found is not None:
        return found
    first = datetime.fromtimestamp(low, UTC).date()
    last = datetime.fromtimestamp(high, UTC).date() + timedelta(days=2)
    days = _fast_days(rule, dtstart, first, last)
    if days is None:
        return None
    tod = dtstart.hour * 3600 + dtstart.minute * 60
    stop = high + 2 * 86400
    return [local for ordinal in days if (local := (ordinal - EPOCH) * 86400 + tod) <= stop]


@dataclass(frozen=True, slots=True)
class _OffsetTable:
    """A zone's UTC offsets by local wall time (seconds), read the RFC's way: the offset
    changes at the later of the two local readings of a transition, so gap and fold times
    both take the offset from before the transition (what ``fold=0`` gives)."""

    boundaries: tuple[int, ...]
    offsets: tuple[int, ...]

    def to_utc(self, local: int) -> int:
        return local - self.offsets[bisect_right(self.boundaries, local)]

    def to_utc_sorted(self, locals_: list[int]) -> list[int]:
        """``to_utc`` of each of an ascending list, a slice per offset it spans."""
        if not locals_:
            return []
        boundaries, offsets = self.boundaries, self.offsets
        index = bisect_right(boundaries, locals_[0])
        last = bisect_right(boundaries, locals_[-1])
        if index == last:
            offset = offsets[index]
            return [local - offset for local in locals_]
        found: list[int] = []
        done = 0
        while index <= last:
            offset = offsets[index]
            upto = bisect_left(locals_, boundaries[index], done) if index < last else len(locals_)
            found.extend([local - offset for local in locals_[done:upto]])
            done = upto
            index += 1
        return found


def _arithmetic_locals(rule: Rule, dtstart: datetime, low: int, high: int) -> list[int] | None:
    """Local start times (epoch seconds of wall time) of a daily or weekly rule without COUNT
    between ``low`` and ``high`` (plus two days), as ranges: no per-instance Python work."""
    shape = _weekly_shape(rule, dtstart.weekday())
    if shape is None:
        return None
    wkst, offsets, period = shape
    origin = dtstart.toordinal()
    base = origin - (dtstart.weekday() - wkst) % 7
    step = period * 86400
    tod = dtstart.hour * 3600 + dtstart.minute * 60
    stop = high + 2 * 86400
    runs: list[range] = []
    for offset in offsets:
        first = (base + offset - EPOCH) * 86400 + tod
        if base + offset < origin:
            first += step
        if low > first:
            first += -(-(low - first) // step) * step
        runs.append(range(first, stop + 1, step))
    if len(runs) == 1:
        return list(runs[0])
    return sorted(local for run in runs for local in run)


@lru_cache(maxsize=256)
def _offsets(zone: str, first_year: int, last_year: int) -> _OffsetTable:
    tz = _zone(zone)

    def offset(moment: int) -> int:
        found = datetime.fromtimestamp(moment, tz).utcoffset()
        return int(found.total_seconds()) if found is not None else 0

    moment = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    stop = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())
    current = offset(moment)
    boundaries: list[int] = []
    offsets = [current]
    while moment < stop:
        following = moment + 86400
        if offset(following) != current:
            low, high = moment, following  # the transition is in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == current else (low, middle)
            new = offset(high)
            boundaries.append(high + max(current, new))
            offsets.append(new)
            current = new
        moment = following
    return _OffsetTable(tuple(boundaries), tuple(offsets))


def first_after(
    rrule: str | Rule | None,
    dtstart_local: datetime,
    zone: str | ZoneInfo,
    duration: Duration,
    moment: datetime,
    horizon: timedelta = timedelta(days=400),
) -> Occurrence | None:
    """The first instance still running at or starting after ``moment`` within ``horizon``."""
    return next(
        occurrences(rrule, dtstart_local, zone, duration, moment, moment + horizon),
        None,
    )


__all__ = [
    "Duration",
    "Occurrence",
    "Rule",
    "first_after",
    "occurrences",
    "parse_rule",
    "spans",
    "to_instant",
    "zone_named",
]
