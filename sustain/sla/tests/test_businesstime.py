"""Business-time laws (hypothesis) and the named cases of the issue (tables)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sustain.sla.businesstime import (
    ALWAYS,
    Calendar,
    CalendarError,
    add,
    elapsed,
    make_calendar,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
OFFICE: list[list[tuple[time, time]]] = [[(time(9), time(17))]] * 5 + [[], []]


def office(zone: str, **extra: object) -> Calendar:
    return make_calendar(zone=zone, week=OFFICE, **extra)  # type: ignore[arg-type]


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[misc, arg-type]


# --- named cases --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("zone", "start", "duration", "due"),
    [
        # Berlin spring forward (Sun 29 March 2026): Friday 16:00 CET + 2 h = Monday 10:00 CEST.
        (BERLIN, (2026, 3, 27, 16), 2 * H, (2026, 3, 30, 10)),
        # Berlin fall back (Sun 25 October 2026).
        (BERLIN, (2026, 10, 23, 16), 2 * H, (2026, 10, 26, 10)),
        # New York spring forward (Sun 8 March 2026) and fall back (Sun 1 November 2026).
        (NEW_YORK, (2026, 3, 6, 16), 2 * H, (2026, 3, 9, 10)),
        (NEW_YORK, (2026, 10, 30, 16), 2 * H, (2026, 11, 2, 10)),
        # Opened on Saturday: the clock starts Monday 09:00.
        (BERLIN, (2026, 3, 21, 11), H, (2026, 3, 23, 10)),
        # Opened before hours on a Tuesday.
        (BERLIN, (2026, 3, 24, 7), H, (2026, 3, 24, 10)),
        # Opened in the evening: the rest runs the next morning.
        (BERLIN, (2026, 3, 24, 20), 9 * H, (2026, 3, 26, 10)),
        # A full day ends at 17:00 that day, not at 09:00 the next.
        (BERLIN, (2026, 3, 24, 9), 8 * H, (2026, 3, 24, 17)),
    ],
)
def test_add_named_cases(
    zone: ZoneInfo, start: tuple[int, ...], duration: timedelta, due: tuple[int, ...]
) -> None:
    cal = office(str(zone))
    begin = local(zone, *start)
    assert add(begin, duration, cal) == local(zone, *due)
    assert elapsed(begin, local(zone, *due), cal) == duration


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (BERLIN, date(2026, 3, 29), 23),
        (BERLIN, date(2026, 10, 25), 25),
        (NEW_YORK, date(2026, 3, 8), 23),
        (NEW_YORK, date(2026, 11, 1), 25),
        (BERLIN, date(2026, 3, 30), 24),
    ],
)
def test_a_round_the_clock_local_calendar_has_short_and_long_dst_days(
    zone: ZoneInfo, day: date, hours: int
) -> None:
    cal = make_calendar(zone=str(zone), week=[[(time(0), time(0))]] * 7)
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    assert elapsed(midnight, next_midnight, cal) == timedelta(hours=hours)
    assert add(midnight, timedelta(hours=hours), cal) == next_midnight


def test_a_working_interval_inside_the_skipped_hour_starts_when_clocks_jump() -> None:
    week: list[list[tuple[time, time]]] = [[]] * 6 + [[(time(2, 30), time(5))]]
    cal = make_calendar(zone="Europe/Berlin", week=week)
    day_start = local(BERLIN, 2026, 3, 29)
    assert elapsed(day_start, day_start + 24 * H, cal) == 2 * H
    assert add(day_start, H, cal) == local(BERLIN, 2026, 3, 29, 4)


def test_a_public_holiday_on_a_friday_and_year_end_are_skipped() -> None:
    cal = office("Europe/Berlin", country="DE")
    # 25 December 2026 is a Friday, the 26th a Saturday: Thursday 16:00 + 2 h is Monday 10:00.
    assert add(local(BERLIN, 2026, 12, 24, 16), 2 * H, cal) == local(BERLIN, 2026, 12, 28, 10)
    # New Year's Day 2027 is a Friday too; the clock crosses the year end.
    assert add(local(BERLIN, 2026, 12, 31, 16), 2 * H, cal) == local(BERLIN, 2027, 1, 4, 10)


def test_single_and_yearly_holidays_that_touch_a_weekend() -> None:
    cal = office("Europe/Berlin", dates=[date(2026, 6, 8)], yearly=[(6, 5)])
    # Friday 5 June (yearly) and Monday 8 June (single) around the weekend.
    start = local(BERLIN, 2026, 6, 4, 16)
    assert add(start, 2 * H, cal) == local(BERLIN, 2026, 6, 9, 10)
    assert elapsed(start, local(BERLIN, 2026, 6, 9, 10), cal) == 2 * H


def test_a_lunch_break_is_not_business_time() -> None:
    week = [[(time(9), time(12)), (time(13), time(17, 30))]] * 5 + [[], []]
    cal = make_calendar(zone="Europe/Berlin", week=week)
    assert add(local(BERLIN, 2026, 5, 5, 11, 30), H, cal) == local(BERLIN, 2026, 5, 5, 13, 30)
    assert elapsed(local(BERLIN, 2026, 5, 5, 11), local(BERLIN, 2026, 5, 5, 14), cal) == 2 * H
    # A day is 7.5 hours: 09:00 + 7.5 h = 17:30 the same day.
    assert add(local(BERLIN, 2026, 5, 5, 9), 7.5 * H, cal) == local(BERLIN, 2026, 5, 5, 17, 30)


def test_pauses_are_subtracted_once_even_when_they_overlap() -> None:
    cal = office("Europe/Berlin")
    start, end = local(BERLIN, 2026, 5, 5, 9), local(BERLIN, 2026, 5, 5, 17)
    pauses = [
        (local(BERLIN, 2026, 5, 5, 10), local(BERLIN, 2026, 5, 5, 12)),
        (local(BERLIN, 2026, 5, 5, 11), local(BERLIN, 2026, 5, 5, 13)),
        (local(BERLIN, 2026, 5, 5, 16), None),
    ]
    assert elapsed(start, end, cal, pauses) == 4 * H


def test_the_24x7_calendar_is_plain_time() -> None:
    start = datetime(2026, 3, 29, tzinfo=UTC)
    assert add(start, 30 * H, ALWAYS) == start + 30 * H
    assert elapsed(start, start + 30 * H, ALWAYS, [(start, start + H)]) == 29 * H


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"zone": "Mars/Olympus", "week": OFFICE}, "Unknown time zone"),
        ({"zone": "UTC", "week": [[]] * 7}, "no working hours"),
        (
            {"zone": "UTC", "week": [[(time(9), time(12)), (time(11), time(14))]] + [[]] * 6},
            "Monday: 09:00-12:00 overlaps 11:00-14:00",
        ),
        ({"zone": "UTC", "week": [[(time(12), time(9))]] + [[]] * 6}, "not a valid interval"),
        ({"zone": "UTC", "week": OFFICE[:5]}, "seven days"),
        ({"zone": "UTC", "week": OFFICE, "country": "XX"}, "does not know the country"),
        ({"zone": "UTC", "week": OFFICE, "country": "DE", "subdivision": "ZZ"}, "subdivision"),
        ({"zone": "UTC", "week": OFFICE, "yearly": [(2, 30)]}, "not a date"),
    ],
)
def test_invalid_calendars_are_refused_with_a_clear_message(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(CalendarError, match=message):
        make_calendar(**kwargs)  # type: ignore[arg-type]


def test_naive_datetimes_and_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add(datetime(2026, 1, 1), H, ALWAYS)  # noqa: DTZ001
    with pytest.raises(ValueError, match="negative"):
        add(datetime(2026, 1, 1, tzinfo=UTC), -H, ALWAYS)


def test_a_calendar_whose_every_day_is_a_holiday_fails_instead_of_looping() -> None:
    every_day = [(m, d) for m in range(1, 13) for d in range(1, 32) if _valid(m, d)]
    cal = make_calendar(zone="UTC", week=OFFICE, yearly=every_day)
    with pytest.raises(CalendarError, match="No working time"):
        add(datetime(2026, 1, 1, tzinfo=UTC), H, cal)


def _valid(month: int, day: int) -> bool:
    try:
        date(2024, month, day)
    except ValueError:
        return False
    return True


# --- laws ---------------------------------------------------------------------------------
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]


@st.composite
def days(draw: st.DrawFn) -> list[tuple[int, int]]:
    marks = draw(st.lists(st.integers(0, 96), max_size=6, unique=True))
    marks = sorted(m * 15 for m in marks)
    if len(marks) % 2:
        marks = marks[:-1]
    return list(zip(marks[::2], marks[1::2], strict=True))


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    week = draw(st.lists(days(), min_size=7, max_size=7).filter(any))
    holidays = draw(st.lists(st.dates(date(2025, 12, 1), date(2027, 2, 1)), max_size=20))
    return make_calendar(
        zone=draw(st.sampled_from(ZONES)),
        week=week,
        dates=holidays,
        country=draw(st.sampled_from(["", "DE", "US"])),
    )


# hypothesis takes naive bounds and attaches the zone itself.
instants = st.datetimes(
    datetime(2026, 1, 1),  # noqa: DTZ001
    datetime(2026, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda d: d.replace(microsecond=0))
durations = st.integers(0, 400 * 3600).map(lambda s: timedelta(seconds=s))


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, durations)
def test_add_then_elapsed_gives_the_duration_back(
    cal: Calendar, start: datetime, duration: timedelta
) -> None:
    assert elapsed(start, add(start, duration, cal), cal) == duration


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, durations, durations)
def test_add_is_monotonic(cal: Calendar, start: datetime, d1: timedelta, d2: timedelta) -> None:
    low, high = sorted((d1, d2))
    assert start <= add(start, low, cal) <= add(start, high, cal)


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, durations, durations)
def test_elapsed_is_monotonic_and_additive(
    cal: Calendar, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    middle, end = sorted((start + d1, start + d2))
    first, second = elapsed(start, middle, cal), elapsed(middle, end, cal)
    assert first <= elapsed(start, end, cal) == first + second
    assert elapsed(start, end, cal) <= end - start


@settings(max_examples=200, deadline=None)
@given(
    calendars(),
    instants,
    durations,
    st.lists(st.tuples(instants, durations), max_size=5),
)
def test_pauses_only_ever_reduce_elapsed_time(
    cal: Calendar, start: datetime, length: timedelta, raw: list[tuple[datetime, timedelta]]
) -> None:
    end = start + length
    pauses = [(b, b + d) for b, d in raw]
    with_pauses = elapsed(start, end, cal, pauses)
    assert timedelta(0) <= with_pauses <= elapsed(start, end, cal)
    assert elapsed(start, end, cal, pauses[:-1]) >= with_pauses
