"""The schedule computation: handovers across DST, restrictions, layers and overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sustain.oncall.choices import Handover
from sustain.oncall.shifts import (
    BUSINESS_HOURS,
    LAYER,
    OVERRIDE,
    Cover,
    Layer,
    handover_at,
    hours_by_user,
    on_call_at,
    schedule,
)

A, B, C = 1, 2, 3


def daily(zone: str, start: date, at: time = time(9), members=(A, B), **kw: Any) -> Layer:
    fields: dict[str, Any] = {"key": 1, "name": "Primary", "handover": Handover.DAILY} | kw
    fields.setdefault("every", 1)
    return Layer(zone=zone, at=at, start=start, members=tuple(members), **fields)


def utc(y: int, m: int, d: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=UTC)


def local(zone: str, y: int, m: int, d: int, hour: int = 0) -> datetime:
    return datetime(y, m, d, hour, tzinfo=ZoneInfo(zone))


def who(layers: list[Layer], at: datetime, covers: list[Cover] | None = None) -> int | None:
    piece = on_call_at(layers, covers or [], at)
    return piece.user_id if piece else None


def test_daily_handover_stays_at_local_time_across_spring_forward_in_berlin():
    # Berlin springs forward on 2026-03-29 at 02:00 (CET → CEST).
    layer = daily("Europe/Berlin", date(2026, 3, 27))
    starts = [handover_at(layer, k) for k in range(4)]
    assert [s.astimezone(ZoneInfo("Europe/Berlin")).hour for s in starts] == [9, 9, 9, 9]
    assert starts[1] == utc(2026, 3, 28, 8)  # 09:00 CET
    assert starts[2] == utc(2026, 3, 29, 7)  # 09:00 CEST
    assert starts[2] - starts[1] == timedelta(hours=23)  # the shift over the change


def test_daily_shift_over_fall_back_in_new_york_lasts_25_hours():
    # New York falls back on 2026-11-01 at 02:00 (EDT → EST).
    layer = daily("America/New_York", date(2026, 10, 31))
    pieces = schedule([layer], [], utc(2026, 10, 31, 13), utc(2026, 11, 2, 14))
    assert [(p.user_id, p.hours) for p in pieces] == [(A, 25.0), (B, 24.0)]
    assert pieces[0].end == local("America/New_York", 2026, 11, 1, 9)


def test_lord_howe_half_hour_shift_makes_a_shift_of_23_and_a_half_hours():
    # Lord Howe Island moves by 30 minutes, forward on 2026-10-04 at 02:00.
    layer = daily("Australia/Lord_Howe", date(2026, 10, 3))
    first, second = handover_at(layer, 0), handover_at(layer, 1)
    assert second - first == timedelta(hours=23, minutes=30)
    assert second.astimezone(ZoneInfo("Australia/Lord_Howe")).time() == time(9)
    # and back on 2026-04-05: 24.5 hours.
    spring = daily("Australia/Lord_Howe", date(2026, 4, 4))
    assert handover_at(spring, 1) - handover_at(spring, 0) == timedelta(hours=24, minutes=30)


def test_handover_inside_the_gap_is_read_with_the_offset_before_it():
    # 02:30 does not exist in Berlin on 2026-03-29: it is 03:30 CEST (01:30 UTC).
    layer = daily("Europe/Berlin", date(2026, 3, 28), at=time(2, 30))
    assert handover_at(layer, 1) == utc(2026, 3, 29, 1, 30)


def test_ambiguous_handover_is_the_first_occurrence():
    # 02:30 happens twice in Berlin on 2026-10-25: the first is CEST (00:30 UTC).
    layer = daily("Europe/Berlin", date(2026, 10, 24), at=time(2, 30))
    assert handover_at(layer, 1) == utc(2026, 10, 25, 0, 30)


def test_handover_instant_belongs_to_the_incoming_person():
    layer = daily("Europe/Berlin", date(2026, 6, 1))
    handover = utc(2026, 6, 2, 7)  # 09:00 CEST
    assert who([layer], handover - timedelta(microseconds=1)) == A
    assert who([layer], handover) == B


def test_nobody_before_the_rotation_starts_and_members_repeat_in_turn():
    layer = daily("UTC", date(2026, 6, 1), members=(A, B, C))
    assert who([layer], utc(2026, 6, 1, 8)) is None
    got = [who([layer], utc(2026, 6, d, 12)) for d in range(1, 8)]
    assert got == [A, B, C, A, B, C, A]


def test_weekly_and_every_n_hours_rotations():
    weekly = daily("Europe/Berlin", date(2026, 3, 23), handover=Handover.WEEKLY)
    # The week over the DST change is 167 hours long, its handover still Monday 09:00.
    assert handover_at(weekly, 1) - handover_at(weekly, 0) == timedelta(hours=167)
    hourly = daily("Europe/Berlin", date(2026, 3, 29), at=time(0), handover=Handover.EVERY_HOURS)
    hourly = Layer(**{**hourly.__dict__, "every": 12})
    # Elapsed hours: the second handover is 12 real hours later, 13:00 CEST local.
    assert handover_at(hourly, 1) - handover_at(hourly, 0) == timedelta(hours=12)
    assert handover_at(hourly, 1).astimezone(hourly.tz).time() == time(13)


def test_restricted_higher_layer_wins_only_inside_its_hours():
    base = daily("Europe/Berlin", date(2026, 6, 1), members=(A,))
    office = daily(
        "Europe/Berlin", date(2026, 6, 1), members=(B,), key=2, level=1, windows=BUSINESS_HOURS
    )
    # Friday 2026-06-05: B from 09:00 to 17:00 local, A otherwise; the weekend is A's.
    pieces = schedule(
        [base, office], [], local("Europe/Berlin", 2026, 6, 5), local("Europe/Berlin", 2026, 6, 7)
    )
    got = [(p.start.astimezone(base.tz).strftime("%a %H:%M"), p.user_id) for p in pieces]
    assert got == [("Fri 00:00", A), ("Fri 09:00", B), ("Fri 17:00", A)]
    assert {p.source_id for p in pieces if p.user_id == B} == {2}


def test_override_beats_every_layer_and_the_newer_override_wins():
    layer = daily("UTC", date(2026, 6, 1), members=(A,))
    covers = [
        Cover(key=1, user_id=B, start=utc(2026, 6, 2, 10), end=utc(2026, 6, 2, 14)),
        Cover(key=2, user_id=C, start=utc(2026, 6, 2, 12), end=utc(2026, 6, 2, 13)),
    ]
    pieces = schedule([layer], covers, utc(2026, 6, 2, 9), utc(2026, 6, 2, 15))
    got = [(p.start.hour, p.end.hour, p.user_id, p.source) for p in pieces]
    assert got == [
        (9, 10, A, LAYER),
        (10, 12, B, OVERRIDE),
        (12, 13, C, OVERRIDE),
        (13, 14, B, OVERRIDE),
        (14, 15, A, LAYER),
    ]


def test_hours_by_user_count_elapsed_time_across_dst():
    layer = daily("Europe/Berlin", date(2026, 10, 1), at=time(0), members=(A, B))
    october = schedule(
        [layer], [], local("Europe/Berlin", 2026, 10, 1), local("Europe/Berlin", 2026, 11, 1)
    )
    hours = hours_by_user(october)
    # 31 days of which one (Sun 25th, A's: day 24 from the 1st) lasts 25 hours.
    assert hours == {A: 16 * 24 + 1, B: 15 * 24}
