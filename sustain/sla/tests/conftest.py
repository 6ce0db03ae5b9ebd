"""SLA fixtures: a 24x7 standard policy (P1-P4 targets of ``sustain.factories``) and an
office-hours calendar."""

from __future__ import annotations

from datetime import time

import pytest

from sustain.factories import make_sla_policy
from sustain.sla.engine import forget_policies
from sustain.sla.models import BusinessCalendar, CalendarInterval, SlaPolicy


@pytest.fixture(autouse=True)
def _fresh_policy_cache() -> None:
    forget_policies()


@pytest.fixture
def standard_policy(db: None) -> SlaPolicy:
    return make_sla_policy("Standard")


@pytest.fixture
def office(db: None) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(name="Berlin office", time_zone="Europe/Berlin")
    CalendarInterval.objects.bulk_create(
        CalendarInterval(calendar=calendar, weekday=day, start=time(9), end=time(17))
        for day in range(5)
    )
    return calendar
