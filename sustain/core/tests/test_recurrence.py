import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du
from hypothesis import given, settings
from hypothesis import strategies as st

from sustain.core.errors import ValidationFailed
from sustain.core.recurrence import (
    Duration,
    _local_times,
    first_after,
    occurrences,
    parse_rule,
    spans,
    to_instant,
)

YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
TWO_HOURS = Duration.parse("PT2H")


def wall(*parts):
    """A naive local wall time (what a window's start is, in its own zone)."""
    return datetime(*parts)  # noqa: DTZ001


def utc(*parts):
    return wall(*parts).replace(tzinfo=UTC)


def starts(rule, dtstart, zone, duration=TWO_HOURS, window=YEAR, exdates=()):
    found = occurrences(rule, dtstart, zone, duration, window[0], window[1], exdates)
    return [o.start for o in found]


def around(day: datetime, days: int = 1) -> tuple[datetime, datetime]:
    return day - timedelta(days=days), day + timedelta(days=days + 1)


# --- DST: the gap and the fold ---------------------------------------------------------------


def test_berlin_gap_time_is_read_with_the_offset_from_before_the_gap():
    found = starts(
        "FREQ=DAILY", wall(2026, 3, 28, 2, 30), "Europe/Berlin", window=around(utc(2026, 3, 29))
    )
    # 28th CET 02:30 = 01:30Z; 29th 02:30 does not exist: +01:00 → 01:30Z = 03:30 CEST;
    # 30th CEST 02:30 = 00:30Z.
    assert found == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]


def test_berlin_time_that_occurs_twice_is_the_first_occurrence():
    found = starts(
        "FREQ=WEEKLY;BYDAY=SU",
        wall(2026, 10, 18, 2, 30),
        "Europe/Berlin",
        window=around(utc(2026, 10, 25), 8),
    )
    assert found == [utc(2026, 10, 18, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 11, 1, 1, 30)]


def test_new_york_gap_and_fold():
    gap = starts(
        "FREQ=DAILY;COUNT=2",
        wall(2026, 3, 7, 2, 30),
        "America/New_York",
    )
    assert gap == [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30)]  # 03:30 EDT on the 8th
    fold = starts("FREQ=DAILY;COUNT=2", wall(2026, 10, 31, 1, 30), "America/New_York")
    assert fold == [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30)]  # EDT, the first 01:30


def test_lord_howe_half_hour_shift():
    zone = "Australia/Lord_Howe"
    fold = starts("FREQ=DAILY;COUNT=2", wall(2026, 4, 4, 1, 45), zone)
    assert fold == [utc(2026, 4, 3, 14, 45), utc(2026, 4, 4, 14, 45)]  # +11:00, the first
    gap = starts("FREQ=DAILY;COUNT=2", wall(2026, 10, 3, 2, 15), zone)
    # 02:15 on 4 October does not exist; +10:30 from before the gap → 15:45Z = 02:45 LHDT
    assert gap == [utc(2026, 10, 2, 15, 45), utc(2026, 10, 3, 15, 45)]


def test_two_local_times_in_a_gap_on_one_instant_are_one_instance():
    found = starts(
        "FREQ=HOURLY;BYMINUTE=15,45;COUNT=6",
        wall(2026, 10, 4, 1, 15),
        "Australia/Lord_Howe",
    )
    # 01:15, 01:45, 02:15 (gap → 15:45Z), 02:45 (LHDT, also 15:45Z), 03:15, 03:45
    assert found == [
        utc(2026, 10, 3, 14, 45),
        utc(2026, 10, 3, 15, 15),
        utc(2026, 10, 3, 15, 45),
        utc(2026, 10, 3, 16, 15),
        utc(2026, 10, 3, 16, 45),
    ]


# --- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "exact_hours", "nominal_hours"),
    [(wall(2026, 3, 28, 9), 2, 23), (wall(2026, 10, 24, 9), 2, 25)],
)
def test_exact_duration_is_elapsed_and_nominal_day_follows_the_wall_clock(
    day, exact_hours, nominal_hours
):
    window = around(day.replace(tzinfo=UTC), 2)
    for text, hours in (("PT2H", exact_hours), ("P1D", nominal_hours)):
        (first, *_rest) = occurrences(
            "FREQ=DAILY", day, "Europe/Berlin", Duration.parse(text), *window
        )
        assert first.end - first.start == timedelta(hours=hours), text


def test_pt2h_across_the_gap_ends_two_elapsed_hours_later():
    (only,) = occurrences(
        None, wall(2026, 3, 29, 1, 0), "Europe/Berlin", TWO_HOURS, *around(utc(2026, 3, 29))
    )
    assert (only.start, only.end) == (utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))  # 04:00 CEST


def test_one_week_nominal_duration_lasts_a_week_of_wall_clock():
    (only,) = occurrences(
        None,
        wall(2026, 3, 25, 12),
        "Europe/Berlin",
        Duration.parse("P1W"),
        *around(utc(2026, 3, 26)),
    )
    assert only.end - only.start == timedelta(days=7, hours=-1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT2H", Duration(exact=timedelta(hours=2))),
        ("P1D", Duration(days=1)),
        ("P1W", Duration(days=7)),
        ("P1DT30M", Duration(days=1, exact=timedelta(minutes=30))),
        ("pt90m", Duration(exact=timedelta(minutes=90))),
    ],
)
def test_duration_parses_and_prints(text, expected):
    assert Duration.parse(text) == expected
    assert Duration.parse(expected.to_text()) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "2H", "P1H", "PT0H", "-PT1H", "P1DT"])
def test_bad_duration_is_refused(text):
    with pytest.raises(ValidationFailed) as caught:
        Duration.parse(text)
    assert "duration" in caught.value.errors


# --- UNTIL, COUNT, EXDATE ---------------------------------------------------------------------


def test_until_is_a_utc_instant_and_inclusive():
    rule = "FREQ=DAILY;UNTIL=20260701T070000Z"
    found = starts(rule, wall(2026, 6, 29, 9), "Europe/Berlin")  # 09:00 CEST = 07:00Z
    assert found[-1] == utc(2026, 7, 1, 7)
    assert len(found) == 3
    earlier = starts("FREQ=DAILY;UNTIL=20260701T065959Z", wall(2026, 6, 29, 9), "Europe/Berlin")
    assert earlier[-1] == utc(2026, 6, 30, 7)


def test_count_is_counted_before_exdate_removes_instances():
    found = starts(
        "FREQ=WEEKLY;COUNT=3",
        wall(2026, 5, 3, 22),
        "Europe/Berlin",
        exdates=[wall(2026, 5, 10, 22)],
    )
    assert found == [utc(2026, 5, 3, 20), utc(2026, 5, 17, 20)]


def test_exdate_as_instant_removes_the_instance():
    found = starts(
        "FREQ=DAILY;COUNT=3",
        wall(2026, 1, 5, 8),
        "America/New_York",
        exdates=[utc(2026, 1, 6, 13)],
    )
    assert found == [utc(2026, 1, 5, 13), utc(2026, 1, 7, 13)]


def test_exdate_in_the_gap_matches_the_instance_read_the_same_way():
    found = starts(
        "FREQ=DAILY;COUNT=3",
        wall(2026, 3, 28, 2, 30),
        "Europe/Berlin",
        exdates=[wall(2026, 3, 29, 2, 30)],
    )
    assert utc(2026, 3, 29, 1, 30) not in found
    assert len(found) == 2


# --- ranges ----------------------------------------------------------------------------------


def test_instance_running_into_the_range_is_included_and_later_ones_are_not():
    window = (utc(2026, 2, 1, 1), utc(2026, 2, 1, 3))
    found = list(
        occurrences(
            "FREQ=DAILY",
            wall(2025, 1, 1, 23),
            "UTC",
            Duration(days=0, exact=timedelta(hours=3)),
            *window,
        )
    )
    assert [(o.start, o.end) for o in found] == [(utc(2026, 1, 31, 23), utc(2026, 2, 1, 2))]


def test_first_after_finds_the_next_instance():
    found = first_after(
        "FREQ=MONTHLY;BYDAY=2TU",
        wall(2026, 1, 13, 20),
        "Europe/Berlin",
        TWO_HOURS,
        utc(2026, 6, 1),
    )
    assert found is not None
    assert found.start == utc(2026, 6, 9, 18)


def test_one_off_event_is_a_single_occurrence():
    assert starts(None, wall(2026, 8, 1, 12), "Europe/Berlin") == [utc(2026, 8, 1, 10)]


def test_naive_window_bounds_and_aware_start_are_refused():
    with pytest.raises(ValueError, match="naive"):
        list(occurrences(None, utc(2026, 1, 1), "UTC", TWO_HOURS, *YEAR))


def test_to_instant_uses_zoneinfo_fold_zero():
    assert to_instant(wall(2026, 3, 29, 2, 30), ZoneInfo("Europe/Berlin")) == utc(
        2026, 3, 29, 1, 30
    )


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("FREQ=SECONDLY", "not allowed"),
        ("FREQ=MINUTELY;INTERVAL=5", "not allowed"),
        ("FREQ=FORTNIGHTLY", "FREQ must be"),
        ("BYDAY=MO", "FREQ must be"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z", "cannot both"),
        ("FREQ=DAILY;UNTIL=20270101", "UTC date-time"),
        ("FREQ=DAILY;UNTIL=20270101T000000", "UTC date-time"),
        ("FREQ=DAILY;UNTIL=20271301T000000Z", "not a real"),
        ("FREQ=DAILY;COUNT=0", "whole number"),
        ("FREQ=DAILY;INTERVAL=x", "whole number"),
        ("FREQ=DAILY;COLOUR=RED", "not a part"),
        ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid"),
        ("FREQ", "NAME=VALUE"),
        ("", "required"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(text, fragment):
    with pytest.raises(ValidationFailed) as caught:
        parse_rule(text)
    assert fragment in caught.value.errors["rrule"][0]


def test_rule_text_is_normalised():
    rule = parse_rule(" rrule:freq=weekly; byday=mo,we ")
    assert rule.text == "FREQ=WEEKLY;BYDAY=MO,WE"
    assert rule.freq == "WEEKLY"
    assert rule.interval == 1


# --- the fast path gives what dateutil gives --------------------------------------------------

WEEKDAY = st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"])


@st.composite
def simple_rules(draw):
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 4))}")
    if draw(st.booleans()):
        parts.append(f"COUNT={draw(st.integers(1, 40))}")
    if freq == "WEEKLY" and draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(draw(st.sets(WEEKDAY, min_size=1))))
        if draw(st.booleans()):
            parts.append(f"WKST={draw(WEEKDAY)}")
    if freq == "YEARLY" and draw(st.booleans()):
        months = draw(st.sets(st.integers(1, 12), min_size=1, max_size=3))
        parts.append("BYMONTH=" + ",".join(map(str, months)))
    if freq in ("MONTHLY", "YEARLY"):
        pick = draw(st.sampled_from(["none", "monthday", "nth"]))
        if pick == "monthday":
            days = draw(st.sets(st.integers(-31, 31).filter(bool), min_size=1, max_size=3))
            parts.append("BYMONTHDAY=" + ",".join(map(str, days)))
        elif pick == "nth":
            nth = draw(st.sets(st.sampled_from([1, 2, 3, 4, 5, -1, -2]), min_size=1, max_size=2))
            parts.append("BYDAY=" + ",".join(f"{n}{draw(WEEKDAY)}" for n in nth))
    return ";".join(parts)


@settings(max_examples=150, deadline=None)
@given(
    rule=simple_rules(),
    dtstart=st.datetimes(min_value=wall(2020, 1, 1), max_value=wall(2026, 12, 31)),
    offset_days=st.integers(0, 900),
    span_days=st.integers(1, 120),
)
def test_fast_path_matches_dateutil(rule, dtstart, offset_days, span_days):
    dtstart = dtstart.replace(second=0, microsecond=0)
    local_from = dtstart + timedelta(days=offset_days)
    local_to = local_from + timedelta(days=span_days)
    reference = list(du.rrulestr(rule, dtstart=dtstart).between(local_from, local_to, inc=True))
    ours = [
        local
        for local in _local_times(parse_rule(rule), dtstart, local_from, local_to)
        if local_from <= local <= local_to
    ]
    assert ours == reference


ZONES = st.sampled_from(
    ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", "America/St_Johns"]
)


@settings(max_examples=150, deadline=None)
@given(
    rule=st.one_of(st.none(), simple_rules()),
    zone=ZONES,
    dtstart=st.datetimes(min_value=wall(2024, 1, 1), max_value=wall(2026, 12, 31)),
    duration=st.sampled_from(["PT2H", "P1D", "PT30M", "P1DT1H", "P1W"]),
    offset_days=st.integers(0, 700),
    span_days=st.integers(1, 400),
    exclude=st.integers(0, 5),
)
def test_spans_give_the_instants_occurrences_give(
    rule, zone, dtstart, duration, offset_days, span_days, exclude
):
    dtstart = dtstart.replace(second=0, microsecond=0)
    start = (dtstart + timedelta(days=offset_days)).replace(tzinfo=UTC)
    end = start + timedelta(days=span_days)
    length = Duration.parse(duration)
    expected = list(occurrences(rule, dtstart, zone, length, start, end))
    exdates = [o.start for o in expected[exclude : exclude + 1]]
    expected = [o for o in expected if o.start not in exdates]
    found = spans(rule, dtstart, zone, length, start, end, exdates)
    assert found == [(int(o.start.timestamp()), int(o.end.timestamp())) for o in expected]


def test_spans_across_berlin_transitions_match_the_rfc():
    found = spans(
        "FREQ=DAILY",
        wall(2026, 3, 28, 2, 30),
        "Europe/Berlin",
        Duration.parse("P1D"),
        utc(2026, 3, 28),
        utc(2026, 3, 30),
    )
    as_utc = [(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC)) for a, b in found]
    assert as_utc[:2] == [
        (utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30)),  # ends at 02:30 read pre-gap
        (utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)),
    ]


@pytest.mark.parametrize(
    "rule", ["FREQ=WEEKLY;UNTIL=20300101T000000Z", "FREQ=DAILY;COUNT=3", "FREQ=MONTHLY;COUNT=4"]
)
def test_a_finite_rule_asked_until_far_away_expands_only_its_years(rule):
    # A window's last end is found by asking until the year 4000: the work must follow the
    # rule's own end (this took seconds when the zone's offsets were tabled to year 4000).
    began = time.perf_counter()
    found = spans(
        rule,
        wall(2027, 1, 1, 2),
        "Australia/Lord_Howe",
        Duration.parse("P1D"),
        utc(2026, 12, 1),
        utc(4000, 1, 1),
    )
    assert found
    assert time.perf_counter() - began < 1
