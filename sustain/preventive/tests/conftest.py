from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from sustain.accounts.choices import Role
from sustain.factories import make_user
from sustain.preventive.services import ScheduleData, create_schedule
from sustain.tickets.checklists import NewItem

# Monday 19 October 2026, 06:00 UTC: Berlin is on CEST (UTC+2) until Sunday 25 October.
MONDAY = datetime(2026, 10, 19, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def engineer(db: None) -> Any:
    return make_user("eve@sustain.test", role=Role.ENGINEER)


@pytest.fixture
def make_schedule(engineer, support):
    def make(actor=None, now: datetime = MONDAY, **fields: Any):
        fields.setdefault("name", "Rotate backup disks")
        fields.setdefault("start_date", date(2026, 10, 19))
        fields.setdefault("start_time", time(9, 0))
        fields.setdefault("time_zone", "Europe/Berlin")
        fields.setdefault("rrule", "FREQ=WEEKLY;BYDAY=MO")
        fields.setdefault("team", support)
        fields.setdefault("lead_time", HOUR)  # opens at 06:00 UTC (MONDAY) for 07:00
        fields.setdefault(
            "checklist", [NewItem("Swap the disk", mandatory=True), NewItem("Label it")]
        )
        return create_schedule(actor=actor or engineer, data=ScheduleData(**fields), now=now)

    return make
