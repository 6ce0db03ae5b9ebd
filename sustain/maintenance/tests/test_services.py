from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.maintenance.choices import WindowStatus
from sustain.maintenance.services import (
    cancel_window,
    create_freeze,
    delete_freeze,
    plan_window,
    start_adhoc,
    update_window,
)
from sustain.maintenance.tests.conftest import local, next_monday


def test_engineer_plans_a_recurring_window_with_its_scope_and_checklist(
    plan, gizmo, sync, acme, engineer
):
    sunday = next_monday() + timedelta(days=6)
    window = plan(
        rrule="FREQ=WEEKLY;BYDAY=SU",
        component_ids=[sync.pk],
        organisation_ids=[acme.pk],
        activities=["Patch the OS", "  Restart  sync "],
        owner_id=engineer.pk,
    )
    assert window.status == WindowStatus.ACTIVE
    assert window.rrule == "FREQ=WEEKLY;BYDAY=SU"
    assert window.start_local == local(sunday)
    assert window.activities == ["Patch the OS", "Restart sync"]
    assert window.last_end is None  # never ends
    berlin_offset = window.first_start - local(sunday).replace(tzinfo=UTC)
    assert berlin_offset in (timedelta(hours=-1), timedelta(hours=-2))
    assert list(window.components.all()) == [sync]
    assert window.owner == engineer


def test_window_with_count_knows_its_last_end(plan):
    window = plan(rrule="FREQ=DAILY;COUNT=3", duration="PT1H", time_zone="UTC")
    assert window.last_end == window.first_start + timedelta(days=2, hours=1)


def test_every_bad_field_is_named_at_once(plan):
    with pytest.raises(ValidationFailed) as caught:
        plan(
            title=" ",
            time_zone="Mars/Olympus",
            duration="2 hours",
            rrule="FREQ=SECONDLY",
            product_ids=[999999],
        )
    assert set(caught.value.errors) == {"title", "time_zone", "duration", "rrule", "product_ids"}


def test_a_rule_without_instances_is_refused(plan):
    with pytest.raises(ValidationFailed) as caught:
        plan(rrule="FREQ=DAILY;UNTIL=20200101T000000Z")
    assert "no instance" in caught.value.errors["rrule"][0]


def test_exdates_only_for_recurring_windows(plan):
    with pytest.raises(ValidationFailed) as caught:
        plan(exdates=[local(next_monday())])
    assert "exdates" in caught.value.errors


def test_customer_and_agent_may_not_plan(spec, bob, alice):
    for person in (bob, alice):
        with pytest.raises(PermissionDenied):
            plan_window(actor=person, spec=spec())


def test_update_changes_the_window_and_cancel_ends_it(plan, engineer, spec):
    window = plan()
    planned = update_window(
        actor=engineer,
        window_id=window.pk,
        spec=spec(title="Monthly patching", rrule="FREQ=MONTHLY"),
    )
    assert planned.window.title == "Monthly patching"
    cancelled = cancel_window(actor=engineer, window_id=window.pk)
    assert cancelled.status == WindowStatus.CANCELLED
    with pytest.raises(Conflict):
        update_window(actor=engineer, window_id=window.pk, spec=spec())


def test_adhoc_maintenance_starts_now_for_n_hours(engineer, gizmo):
    now = datetime(2026, 12, 7, 9, 41, 30, tzinfo=UTC)
    planned = start_adhoc(
        actor=engineer, hours=3, product_ids=[gizmo.pk], creator=engineer, now=now
    )
    window = planned.window
    assert window.adhoc
    assert window.first_start == datetime(2026, 12, 7, 9, 41, tzinfo=UTC)
    assert window.last_end == datetime(2026, 12, 7, 12, 41, tzinfo=UTC)
    assert window.title == "Maintenance for 3 h"


@pytest.mark.parametrize("hours", [0, 73, -1])
def test_adhoc_hours_out_of_range_are_refused(engineer, hours):
    with pytest.raises(ValidationFailed) as caught:
        start_adhoc(actor=engineer, hours=hours)
    assert "hours" in caught.value.errors


def test_freeze_periods_are_checked_created_and_deleted(engineer, gizmo, bob):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as caught:
        create_freeze(actor=engineer, title="Year end", starts_at=now, ends_at=now)
    assert "ends_at" in caught.value.errors
    with pytest.raises(PermissionDenied):
        create_freeze(actor=bob, title="x", starts_at=now, ends_at=now + timedelta(days=1))
    freeze = create_freeze(
        actor=engineer,
        title="Year end",
        starts_at=now,
        ends_at=now + timedelta(days=3),
        product_ids=[gizmo.pk],
    )
    assert list(freeze.products.all()) == [gizmo]
    delete_freeze(actor=engineer, freeze_id=freeze.pk)
    with pytest.raises(Exception, match="No freeze"):
        delete_freeze(actor=engineer, freeze_id=freeze.pk)
