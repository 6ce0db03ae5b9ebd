"""SLA fixtures: a 24x7 standard policy (P1-P4 targets) and an office-hours calendar."""

from __future__ import annotations

from datetime import time

import pytest

from sustain.sla.models import BusinessCalendar, CalendarInterval, SlaPolicy, SlaTarget
from sustain.sla.services import forget_policies

# minutes: first response, next response, resolution
TARGETS = {1: (30, 60, 240), 2: (60, 120, 480), 3: (120, 240, 960), 4: (240, 480, 1920)}


@pytest.fixture(autouse=True)
def _fresh_policy_cache() -> None:
    forget_policies()


@pytest.fixture
def standard_policy(db: None) -> SlaPolicy:
    policy = SlaPolicy.objects.create(name="Standard", position=10)
    SlaTarget.objects.bulk_create(
        SlaTarget(
            policy=policy,
            priority=priority,
            first_response_minutes=first,
            next_response_minutes=nxt,
            resolution_minutes=resolution,
        )
        for priority, (first, nxt, resolution) in TARGETS.items()
    )
    return policy


@pytest.fixture
def office(db: None) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(name="Berlin office", time_zone="Europe/Berlin")
    CalendarInterval.objects.bulk_create(
        CalendarInterval(calendar=calendar, weekday=day, start=time(9), end=time(17))
        for day in range(5)
    )
    return calendar
