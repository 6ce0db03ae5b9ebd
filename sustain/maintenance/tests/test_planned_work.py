"""The hours of the windows a person owns, as the on-call app's workload view adds them up."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sustain.accounts.models import User
from sustain.accounts.planned_work import planned_work_sources
from sustain.catalog.models import Product
from sustain.maintenance import planned_work
from sustain.maintenance.services import WindowSpec, cancel_window, plan_window
from sustain.maintenance.tests.conftest import local, next_monday

BERLIN = ZoneInfo("Europe/Berlin")


def test_owned_windows_count_their_hours_within_the_period(
    engineer: User, alice: User, gizmo: Product
):
    monday = next_monday()

    def plan(title: str, owner: User, rrule: str = "") -> int:
        spec = WindowSpec(
            title=title,
            start=local(monday + timedelta(days=1), hour=22),  # Tuesday 22:00 Berlin
            time_zone="Europe/Berlin",
            duration="PT2H",
            rrule=rrule,
            product_ids=[gizmo.pk],
            owner_id=owner.pk,
        )
        return plan_window(actor=engineer, spec=spec).window.pk

    plan("Nightly patching", engineer, rrule="FREQ=DAILY;COUNT=3")  # Tue, Wed, Thu nights
    cancelled = plan("Called off", engineer)
    plan("Alice's", alice)
    cancel_window(actor=engineer, window_id=cancelled)

    week = datetime.combine(monday, datetime.min.time(), BERLIN)
    hours = planned_work.owned_window_hours([engineer.pk], week, week + timedelta(days=7))
    assert hours == {engineer.pk: 6.0}
    # An instance reaching over the end of the period counts only its part inside it.
    tuesday_23 = datetime.combine(monday + timedelta(days=1), datetime.min.time(), BERLIN)
    cut = planned_work.owned_window_hours(
        [engineer.pk, alice.pk], week, tuesday_23 + timedelta(hours=23)
    )
    assert cut == {engineer.pk: 1.0, alice.pk: 1.0}
    assert planned_work.owned_window_hours([], week, week + timedelta(days=7)) == {}


def test_the_maintenance_app_registers_its_hours_for_the_workload():
    names = [source.name for source in planned_work_sources()]
    assert names.count(planned_work.NAME) == 1
