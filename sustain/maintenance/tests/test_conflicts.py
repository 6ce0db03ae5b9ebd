from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from sustain.core.errors import Conflict
from sustain.maintenance.choices import ConflictKind
from sustain.maintenance.conflicts import first_overlap, rollout_outside_windows
from sustain.maintenance.services import create_freeze, plan_window
from sustain.maintenance.tests.conftest import local, next_monday
from sustain.releases.rollouts.choices import RolloutChannel
from sustain.releases.rollouts.services import RolloutPlan, plan_rollout


def kinds(planned):
    return [c.kind for c in planned.warnings]


def test_two_windows_on_one_component_overlap_as_a_warning(plan, spec, engineer, gizmo, sync):
    first = plan(rrule="FREQ=WEEKLY;BYDAY=SU", product_ids=[gizmo.pk])
    planned = plan_window(
        actor=engineer,
        spec=spec(component_ids=[sync.pk], start=local(next_monday() + timedelta(days=13), 3)),
    )
    assert kinds(planned) == [ConflictKind.OVERLAP]
    assert planned.warnings[0].window_id == first.pk
    assert first.title in planned.warnings[0].message


def test_windows_on_different_components_or_times_do_not_clash(plan, spec, engineer, sync, billing):
    plan(rrule="FREQ=WEEKLY;BYDAY=SU", component_ids=[sync.pk])
    other_component = plan_window(actor=engineer, spec=spec(component_ids=[billing.pk]))
    later = plan_window(
        actor=engineer,
        spec=spec(component_ids=[sync.pk], start=local(next_monday() + timedelta(days=6), 5)),
    )
    assert kinds(other_component) == []
    assert kinds(later) == []


@override_settings(SUSTAIN_MAINTENANCE_REFUSE=["overlap"])
def test_policy_refuses_an_overlap(plan, spec, engineer, sync):
    plan(component_ids=[sync.pk])
    with pytest.raises(Conflict) as caught:
        plan_window(actor=engineer, spec=spec(component_ids=[sync.pk]))
    assert "conflicts" in caught.value.errors


def test_window_inside_a_freeze_is_refused_by_default(spec, engineer, gizmo):
    window = spec(product_ids=[gizmo.pk])
    start = timezone.now() + timedelta(days=1)
    create_freeze(
        actor=engineer, title="Year-end freeze", starts_at=start, ends_at=start + timedelta(days=30)
    )
    with pytest.raises(Conflict) as caught:
        plan_window(actor=engineer, spec=window)
    assert "Year-end freeze" in caught.value.errors["conflicts"][0]


@override_settings(SUSTAIN_MAINTENANCE_REFUSE=[])
def test_freeze_of_another_product_or_warned_only(spec, engineer, gizmo):
    start = timezone.now() + timedelta(days=1)
    create_freeze(
        actor=engineer, title="Freeze all", starts_at=start, ends_at=start + timedelta(days=30)
    )
    planned = plan_window(actor=engineer, spec=spec(product_ids=[gizmo.pk]))
    assert kinds(planned) == [ConflictKind.FREEZE]


def test_rollout_outside_any_window_is_warned_and_inside_is_not(spec, engineer, gizmo, acme):
    sunday = next_monday() + timedelta(days=6)
    version = gizmo.versions.get(name="4.3.0")
    outside = datetime.combine(sunday + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    inside = datetime.combine(sunday, datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=1, minutes=30
    )
    for start in (outside, inside):
        plan_rollout(
            actor=engineer,
            plan=RolloutPlan(organisation=acme, version=version, planned_start=start),
            channel=RolloutChannel.STAFF,
        )
    # 02:00–04:00 Berlin on Sunday covers 01:30 UTC (CET or CEST alike).
    planned = plan_window(actor=engineer, spec=spec(product_ids=[gizmo.pk]))
    assert kinds(planned) == [ConflictKind.ROLLOUT]
    assert planned.warnings[0].at == outside


def test_a_rollout_planned_outside_every_window_of_its_product_is_shown_or_refused(
    client, spec, engineer, gizmo, acme
):
    sunday = next_monday() + timedelta(days=6)
    version = gizmo.versions.get(name="4.3.0")
    outside = datetime.combine(sunday + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    inside = datetime.combine(sunday, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)

    def roll(start):
        return plan_rollout(
            actor=engineer,
            plan=RolloutPlan(organisation=acme, version=version, planned_start=start),
            channel=RolloutChannel.STAFF,
        )

    # No window plans the product yet: its rollouts are left alone.
    assert rollout_outside_windows(gizmo.pk, outside) == []
    plan_window(actor=engineer, spec=spec(product_ids=[gizmo.pk]))  # Sunday 02:00–04:00 Berlin
    assert rollout_outside_windows(gizmo.pk, inside) == []
    [problem] = rollout_outside_windows(gizmo.pk, outside)
    assert "outside every maintenance window" in problem.message
    assert not problem.refuses

    # Planned anyway (a warning by default), and shown on the rollout's page.
    rollout = roll(outside)
    client.force_login(engineer)
    page = client.get(f"/rollouts/{rollout.pk}/").content.decode()
    assert "outside every maintenance window" in page
    inside_page = client.get(f"/rollouts/{roll(inside).pk}/").content.decode()
    assert "outside every maintenance window" not in inside_page

    with override_settings(SUSTAIN_MAINTENANCE_REFUSE=["rollout"]):
        with pytest.raises(Conflict) as caught:
            roll(outside)
        assert "planned_start" in caught.value.errors
        roll(inside)


def test_first_overlap_of_sorted_spans():
    assert first_overlap([(0, 10), (20, 30)], [(12, 18), (25, 40)]) == 25
    assert first_overlap([(0, 10)], [(10, 20)]) is None
