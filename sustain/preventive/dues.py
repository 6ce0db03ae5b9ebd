"""When a schedule's occurrences are due: the calendar through ``sustain.core.recurrence``
(RFC 5545, in the schedule's time zone, so 09:00 Europe/Berlin stays 09:00 local across DST),
and "N days after the last completion" on the local calendar of the same zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sustain.core.recurrence import Duration, occurrences, to_instant, zone_named
from sustain.preventive.choices import Mode

# An occurrence is a point in time; the recurrence module expands events with a duration, so
# one second stands for the point: an instance overlaps [after + 1 s, …) exactly when it
# starts after ``after`` (instants are whole seconds).
_POINT = Duration(exact=timedelta(seconds=1))
# How far ahead the next occurrence is looked for (a rule that repeats every few years).
HORIZON = timedelta(days=3660)


def first_local(start_date: date, start_time: time) -> datetime:
    return datetime.combine(start_date, start_time)


def next_calendar_due(
    rrule: str, start_date: date, start_time: time, zone: str, after: datetime
) -> datetime | None:
    """The first occurrence of the rule strictly after ``after``, or None when the rule has
    ended (COUNT, UNTIL) or has none within ten years."""
    found = next(
        occurrences(
            rrule,
            first_local(start_date, start_time),
            zone,
            _POINT,
            after + _POINT.exact,
            after + HORIZON,
        ),
        None,
    )
    return found.start if found is not None else None


def due_after_completion(
    completed_at: datetime, interval_days: int, start_time: time, zone: str
) -> datetime:
    """``interval_days`` after the local day of ``completed_at``, at the schedule's time of
    day (nominal days: 09:00 stays 09:00 across a DST change)."""
    tz = zone_named(zone)
    day = completed_at.astimezone(tz).date() + timedelta(days=interval_days)
    return to_instant(datetime.combine(day, start_time), tz)


def first_due(
    mode: str, rrule: str, start_date: date, start_time: time, zone: str, now: datetime
) -> datetime | None:
    """The first occurrence a new (or changed, or resumed) schedule waits for: in calendar mode
    the first at or after ``now``; otherwise the given start."""
    if mode == Mode.CALENDAR:
        return next_calendar_due(rrule, start_date, start_time, zone, now - timedelta(seconds=1))
    return to_instant(first_local(start_date, start_time), zone_named(zone))
