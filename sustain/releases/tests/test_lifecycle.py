"""Lifecycle derivation at its boundaries, on the site's calendar day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from sustain.releases.lifecycle import (
    Milestone,
    Phase,
    default_prefix,
    holds,
    line_key,
    reached,
    site_today,
    status,
)
from sustain.releases.line_models import ReleaseLine

EOAS, EOL, EOES = date(2026, 4, 1), date(2027, 10, 24), date(2030, 10, 24)


def line(**values: Milestone) -> ReleaseLine:
    fields: dict[str, object] = {"name": "3.11", "release_date": date(2022, 10, 24)}
    for name, value in values.items():
        if name == "release_date":
            fields[name] = value
        elif isinstance(value, date):
            fields[f"{name}_on"] = value
        else:
            fields[name] = value
    return ReleaseLine(**fields)


def test_a_date_is_reached_on_the_day_itself() -> None:
    assert not reached(EOL, EOL - timedelta(days=1))
    assert reached(EOL, EOL)
    assert reached(EOL, EOL + timedelta(days=1))
    assert reached(True, EOL)
    assert not reached(False, EOL)
    assert not reached(None, EOL)


@pytest.mark.parametrize(
    ("today", "phase", "maintained", "eol"),
    [
        (date(2022, 10, 23), Phase.UPCOMING, True, False),
        (date(2022, 10, 24), Phase.ACTIVE, True, False),
        (EOAS - timedelta(days=1), Phase.ACTIVE, True, False),
        (EOAS, Phase.SECURITY, True, False),
        (EOL - timedelta(days=1), Phase.SECURITY, True, False),
        (EOL, Phase.EXTENDED, True, True),
        (EOES - timedelta(days=1), Phase.EXTENDED, True, True),
        (EOES, Phase.EOL, False, True),
    ],
)
def test_phases_change_on_the_day_of_each_milestone(
    today: date, phase: Phase, maintained: bool, eol: bool
) -> None:
    got = status(line(eoas=EOAS, eol=EOL, eoes=EOES), today)
    assert got.phase == phase
    assert got.is_maintained is maintained
    assert got.is_eol is eol
    assert got.in_extended_support is (phase == Phase.EXTENDED)


def test_without_extended_support_a_line_is_unmaintained_from_its_end_of_life() -> None:
    got = status(line(eoas=EOAS, eol=EOL), EOL)
    assert (got.phase, got.is_maintained, got.is_eol) == (Phase.EOL, False, True)
    assert got.days_to_eol == 0
    assert status(line(eol=EOL), EOL - timedelta(days=30)).days_to_eol == 30


def test_without_end_of_active_support_active_support_lasts_to_the_end_of_life() -> None:
    assert status(line(eol=EOL), EOL - timedelta(days=1)).phase == Phase.ACTIVE
    assert status(line(eol=EOL), EOL).phase == Phase.EOL


def test_yes_and_no_milestones() -> None:
    assert status(line(eol=True), EOL).is_eol
    assert not status(line(eol=False), EOL).is_eol
    # Active support over (yes) but the end of life not yet: security fixes only.
    assert status(line(eoas=True, eol=False), EOL).phase == Phase.SECURITY
    # Past its end of life, extended support still on (no: not ended).
    assert status(line(eol=True, eoes=False), EOL).phase == Phase.EXTENDED
    assert status(line(eol=True, eoes=True), EOL).phase == Phase.EOL
    assert status(line(eol=None), EOL).is_maintained


def test_lts_from_a_date_or_yes() -> None:
    assert not status(line(lts=date(2023, 1, 1)), date(2022, 12, 31)).is_lts
    assert status(line(lts=date(2023, 1, 1)), date(2023, 1, 1)).is_lts
    assert status(line(lts=True), date(2020, 1, 1)).is_lts
    assert not status(line(), date(2020, 1, 1)).is_lts


def test_discontinued() -> None:
    assert status(line(discontinued=date(2024, 1, 1)), date(2024, 1, 1)).is_discontinued
    assert not status(line(discontinued=date(2024, 1, 1)), date(2023, 12, 31)).is_discontinued


@given(st.dates(), st.dates(), st.dates())
def test_maintained_is_not_eol_or_in_extended_support(a: date, b: date, today: date) -> None:
    eol, eoes = min(a, b), max(a, b)
    got = status(line(release_date=None, eol=eol, eoes=eoes), today)
    assert got.is_eol == (today >= eol)
    assert got.is_maintained == (today < eoes)
    assert got.is_maintained == (not got.is_eol or got.in_extended_support)


@override_settings(TIME_ZONE="Pacific/Auckland")
def test_today_is_the_sites_day_not_utcs(monkeypatch: pytest.MonkeyPatch) -> None:
    # 11:30 UTC on 23 October is already 24 October in Auckland (UTC+13 in October).
    from django.utils import timezone

    moment = datetime(2027, 10, 23, 11, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert site_today() == date(2027, 10, 24)
    assert status(line(eol=EOL)).is_eol
    # A viewer in another zone does not move the site's day.
    with timezone.override("America/Los_Angeles"):
        assert site_today() == date(2027, 10, 24)


@override_settings(TIME_ZONE="America/Los_Angeles")
def test_today_before_midnight_on_the_site(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.utils import timezone

    # 06:59 UTC on 24 October is 23:59 on 23 October in Los Angeles: not yet end of life.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2027, 10, 24, 6, 59, tzinfo=UTC))
    assert site_today() == date(2027, 10, 23)
    assert not status(line(eol=EOL)).is_eol


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("4.2", "4.2."), ("4.x", "4."), ("4.X", "4."), ("2024", "2024."), ("4*", "4."), ("", "")],
)
def test_default_prefix(name: str, prefix: str) -> None:
    assert default_prefix(name) == prefix


def test_a_line_holds_its_name_and_its_prefix() -> None:
    assert holds("4.2", "4.2.", "4.2")
    assert holds("4.2", "4.2.", "4.2.1")
    assert not holds("4.2", "4.2.", "4.20.1")
    assert holds("4.x", "4.", "4.20.1")
    assert not holds("Winter", "", "Winter 2")


def test_lines_in_natural_order() -> None:
    names = ["3.9", "3.10", "3.11", "4.x", "2.7", "10.0", "4.0"]
    assert sorted(names, key=line_key) == ["2.7", "3.9", "3.10", "3.11", "4.0", "4.x", "10.0"]
