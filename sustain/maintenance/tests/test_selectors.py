from datetime import UTC, datetime, timedelta

import pytest

from sustain.core.errors import NotFound, ValidationFailed
from sustain.factories import make_product
from sustain.maintenance.selectors import (
    affected_organisations,
    entries,
    get_window_for,
    in_maintenance,
    in_maintenance_many,
    upcoming_for,
    visible_windows,
)
from sustain.maintenance.services import cancel_window
from sustain.maintenance.tests.conftest import local, next_monday


@pytest.fixture
def nightly(plan, sync):
    # Every night 01:00–03:00 UTC on the Sync component.
    return plan(
        title="Nightly sync maintenance",
        start=local(next_monday(), 1),
        time_zone="UTC",
        rrule="FREQ=DAILY",
        component_ids=[sync.pk],
    )


def at(days: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(
        next_monday() + timedelta(days=days), datetime.min.time(), tzinfo=UTC
    ) + timedelta(hours=hour, minutes=minute)


def test_component_is_in_maintenance_only_inside_an_instance(nightly, sync, billing, gizmo):
    assert in_maintenance(sync, at(3, 2))
    assert not in_maintenance(sync, at(3, 3))  # the end is not inside
    assert not in_maintenance(sync, at(3, 0, 59))
    assert not in_maintenance(billing, at(3, 2))
    assert not in_maintenance(gizmo, at(3, 2))  # a component window is not the whole product


def test_product_window_covers_its_components(plan, gizmo, sync, billing):
    plan(start=local(next_monday(), 10), time_zone="UTC", product_ids=[gizmo.pk])
    moment = at(0, 11)
    assert in_maintenance(gizmo, moment)
    busy = in_maintenance_many(products=[gizmo.pk], components=[sync.pk, billing.pk], at=moment)
    assert busy.products == {gizmo.pk}
    assert busy.components == {sync.pk, billing.pk}


def test_cancelled_window_is_not_maintenance(nightly, sync, engineer):
    cancel_window(actor=engineer, window_id=nightly.pk)
    assert not in_maintenance(sync, at(3, 2))


def test_bulk_form_takes_a_handful_of_queries(
    nightly, sync, billing, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        in_maintenance_many(components=[sync.pk, billing.pk], at=at(3, 2))


def test_customers_see_windows_of_their_organisation_or_their_products(
    plan, gizmo, acme, globex, bob, carol, alice, deployed
):
    named = plan(title="Acme only", organisation_ids=[acme.pk])
    by_product = plan(title="Gizmo for its users", product_ids=[gizmo.pk])
    other = make_product("Widget")
    unrelated = plan(title="Widget work", product_ids=[other.pk])
    assert set(visible_windows(bob)) == {named, by_product}
    assert set(visible_windows(carol)) == set()
    assert set(visible_windows(alice)) == {named, by_product, unrelated}
    with pytest.raises(NotFound):
        get_window_for(carol, named.pk)
    assert list(affected_organisations(by_product)) == [acme]
    assert list(affected_organisations(unrelated)) == []


def test_entries_are_the_instances_in_range_by_start(nightly, plan, bob, alice):
    found = entries(visible_windows(alice), at(0, 0), at(3, 0))
    assert [e.start for e in found] == [at(0, 1), at(1, 1), at(2, 1)]
    assert all(e.hours == 2 for e in found)
    with pytest.raises(ValidationFailed):
        entries(visible_windows(alice), at(0, 0), at(500, 0))
    assert upcoming_for(bob, at(0, 0)) == []
