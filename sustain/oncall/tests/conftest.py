"""On-call fixtures: the Support team with alice and erik (agents), led by the lead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest

from sustain.accounts.choices import Role
from sustain.accounts.models import Team, User
from sustain.factories import make_user
from sustain.oncall.models import Rotation
from sustain.oncall.services import RotationData, create_rotation


@pytest.fixture
def erik(support: Team) -> User:
    user = make_user("erik@sustain.test", role=Role.AGENT, full_name="Erik")
    support.members.add(user)
    return user


@pytest.fixture
def make_rotation(lead: User, support: Team) -> Callable[..., Rotation]:
    def make(members: list[User], team: Team | None = None, **fields: Any) -> Rotation:
        values: dict[str, Any] = {
            "name": "Primary",
            "handover_time": time(9),
            "start_date": date(2026, 6, 1),
            "time_zone": "Europe/Berlin",
            "handover": "daily",
        } | fields
        data = RotationData(member_ids=[m.pk for m in members], **values)
        return create_rotation(actor=lead, team=team or support, data=data)

    return make
