"""The demo's on-call schedules: the Service Desk hands over daily at 09:00 Berlin time, the
Platform team weekly on Mondays, with a business-hours layer and an override this week."""

from __future__ import annotations

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from sustain.accounts.models import Team, User
from sustain.demo.logins import DEMO_ADMIN_EMAIL
from sustain.oncall import services
from sustain.oncall.models import Rotation


def _members(team: Team, *names: str) -> list[int]:
    found = {u.email.split("@")[0]: u.pk for u in team.members.all()}
    return [found[name] for name in names if name in found]


def plan_on_call() -> None:
    """Rotations for the demo teams (once: nothing is added when any rotation exists)."""
    actor = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
    if actor is None or Rotation.objects.exists():
        return
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    with transaction.atomic():
        desk = Team.objects.filter(name="Service Desk").first()
        if desk is not None:
            services.create_rotation(
                actor=actor,
                team=desk,
                data=services.RotationData(
                    name="Primary",
                    handover_time=time(9),
                    start_date=monday - timedelta(days=28),
                    member_ids=_members(desk, "priya", "tom", "lena", "diego"),
                    time_zone="Europe/Berlin",
                    handover="daily",
                ),
            )
        platform = Team.objects.filter(name="Platform").first()
        if platform is not None:
            services.create_rotation(
                actor=actor,
                team=platform,
                data=services.RotationData(
                    name="Weekly",
                    handover_time=time(10),
                    start_date=monday - timedelta(days=28),
                    member_ids=_members(platform, "sofia", "kenji", "diego"),
                    time_zone="Europe/Berlin",
                    handover="weekly",
                ),
            )
            services.create_rotation(
                actor=actor,
                team=platform,
                data=services.RotationData(
                    name="Office hours",
                    handover_time=time(9),
                    start_date=monday - timedelta(days=28),
                    member_ids=_members(platform, "kenji", "sofia"),
                    time_zone="Europe/Berlin",
                    handover="daily",
                    layer=1,
                    restriction="business_hours",
                ),
            )
