"""Paths and support of deployments: direct and multi-step shortest paths, unsupported edges
skipped, unreachable, up to date, no target; support labels; fixes available; bounded
queries over a list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sustain.factories import make_organisation
from sustain.releases import line_services, release_selectors, release_services
from sustain.releases.deployments.choices import DeploymentChannel
from sustain.releases.deployments.services import set_deployment
from sustain.releases.lifecycle import site_today
from sustain.releases.line_models import ReleaseLine
from sustain.releases.line_services import LineData
from sustain.releases.tests.conftest import fix
from sustain.releases.upgrades.selectors import (
    PlanState,
    plan_for_version,
    product_upgrades,
    upgrades_for,
)


def test_target_is_the_latest_version_of_a_maintained_released_line(gizmo, v):
    # 3.x is not released yet, 1.x and 2.x are maintained: 2.1.0 is the latest supported.
    target = product_upgrades([gizmo.pk])[gizmo.pk].target
    assert target is not None
    assert (target.name, target.line) == ("2.1.0", "2.x")


def test_a_direct_upgrade(upgrade, v):
    edge = upgrade("2.0.0", "2.1.0", steps=["Restart"])
    plan = plan_for_version(v["2.0.0"])
    assert plan.state == PlanState.UPGRADE
    assert plan.hops == [edge]
    assert plan.summary == "Upgrade to 2.1.0 in 1 step."


def test_the_shortest_of_several_paths(upgrade, v):
    upgrade("1.9.0", "1.10.0")
    upgrade("1.10.0", "2.0.0")
    upgrade("2.0.0", "2.1.0")
    jump = upgrade("1.9.0", "2.0.0")
    plan = plan_for_version(v["1.9.0"])
    assert [(e.from_version.name, e.to_version.name) for e in plan.hops] == [
        ("1.9.0", "2.0.0"),
        ("2.0.0", "2.1.0"),
    ]
    assert plan.hops[0] == jump
    assert plan.summary == "Upgrade to 2.1.0 in 2 steps."


def test_unsupported_upgrades_are_never_taken(upgrade, v):
    upgrade("1.10.0", "2.1.0", supported=False)
    upgrade("1.10.0", "2.0.0")
    upgrade("2.0.0", "2.1.0")
    plan = plan_for_version(v["1.10.0"])
    assert [e.to_version.name for e in plan.hops] == ["2.0.0", "2.1.0"]


def test_no_supported_path_is_unreachable(upgrade, v):
    upgrade("1.9.0", "2.1.0", supported=False)
    upgrade("1.9.0", "1.10.0")
    plan = plan_for_version(v["1.9.0"])
    assert plan.state == PlanState.UNREACHABLE
    assert plan.hops == []
    assert plan.summary.startswith("Unreachable: no path of supported upgrades leads from 1.9.0")


def test_on_the_latest_supported_version_is_up_to_date(v):
    plan = plan_for_version(v["2.1.0"])
    assert plan.state == PlanState.UP_TO_DATE
    assert plan.summary == "Up to date: 2.1.0 is the latest supported version."
    ahead = plan_for_version(v["3.0.0"])
    assert ahead.state == PlanState.UP_TO_DATE
    assert "newer than the latest supported version (2.1.0)" in ahead.summary


def test_without_a_maintained_line_there_is_no_target(engineer, gizmo, v):
    past = site_today() - timedelta(days=1)
    for line in ReleaseLine.objects.filter(product=gizmo):
        line_services.update_line(
            actor=engineer, line=line, data=LineData(name=line.name, release_date=None, eol=past)
        )
    plan = plan_for_version(v["1.9.0"])
    assert plan.state == PlanState.NO_TARGET
    assert plan.target is None


@pytest.fixture
def deployed(alice, acme, globex, v):
    def put(org, name, environment="production"):
        return set_deployment(
            actor=alice,
            organisation=org,
            version=v[name],
            environment=environment,
            channel=DeploymentChannel.STAFF,
        ).deployment

    return {
        "acme-prod": put(acme, "1.10.0"),
        "acme-test": put(acme, "2.1.0", "test"),
        "globex": put(globex, "1.9.0"),
    }


def test_support_labels(deployed, engineer, gizmo):
    rows = {r.deployment.pk: r for r in upgrades_for(list(deployed.values()))}
    assert rows[deployed["acme-prod"].pk].support.label == "End of life in 30 days"
    assert rows[deployed["acme-prod"].pk].support.tone == "soon"
    assert rows[deployed["acme-test"].pk].support.label == "Supported"
    line = ReleaseLine.objects.get(product=gizmo, name="1.x")
    ended = site_today() - timedelta(days=3)
    line_services.update_line(
        actor=engineer,
        line=line,
        data=LineData(name="1.x", release_date=line.release_date, eol=ended),
    )
    [row] = upgrades_for([deployed["globex"]])
    assert row.support.label == f"End of life since {ended:%Y-%m-%d}"
    assert row.support.tone == "eol"


def test_a_version_no_line_holds_has_no_lifecycle(alice, acme, engineer):
    from sustain.factories import make_product

    product = make_product("Loose", versions=["7.0"])
    deployment = set_deployment(
        actor=alice,
        organisation=acme,
        version=product.versions.get(),
        channel=DeploymentChannel.STAFF,
    ).deployment
    assert deployment is not None
    [row] = upgrades_for([deployment])
    assert row.support.label == "No lifecycle recorded"
    assert row.plan.state == PlanState.NO_TARGET


def _publish(engineer, version):
    release = release_services.create_release(actor=engineer, version=version, notes="Fixes.")
    release_services.publish_release(actor=engineer, release_id=release.pk)


def test_fix_available_counts_tickets_raised_on_the_version_and_names_the_first_fix(
    deployed, make_ticket, bob, carol, alice, engineer, gizmo, v
):
    own = make_ticket(bob, product=gizmo, version=v["1.10.0"])
    other = make_ticket(carol, product=gizmo, version=v["1.10.0"])
    unrelated = make_ticket(bob, product=gizmo, version=v["2.0.0"])
    fix(alice, own, v["2.1.0"])
    fix(alice, other, v["2.0.0"])
    fix(alice, unrelated, v["2.1.0"])
    _publish(engineer, v["2.0.0"])
    _publish(engineer, v["2.1.0"])

    rows = {r.deployment.pk: r for r in upgrades_for(list(deployed.values()))}
    found = rows[deployed["acme-prod"].pk].fix
    assert found is not None
    assert (found.version_name, found.tickets, found.own) == ("2.0.0", 2, 1)
    assert rows[deployed["acme-test"].pk].fix is None  # nothing raised on 2.1.0
    assert rows[deployed["globex"].pk].fix is None
    # The same tickets as release_selectors.fixes_available over the later versions.
    later = [v["2.0.0"], v["2.1.0"], v["3.0.0"]]
    assert set(release_selectors.fixes_available(v["1.10.0"], later)) == {own, other}


def test_a_fix_in_an_unpublished_or_earlier_release_is_not_available(
    deployed, make_ticket, bob, alice, engineer, gizmo, v
):
    ticket = make_ticket(bob, product=gizmo, version=v["1.10.0"])
    fix(alice, ticket, v["2.0.0"])
    release_services.create_release(actor=engineer, version=v["2.0.0"], notes="Draft.")
    [row] = upgrades_for([deployed["acme-prod"]])
    assert row.fix is None


def test_a_list_costs_the_same_queries_however_long(deployed, upgrade, alice, v):
    upgrade("1.9.0", "2.0.0")
    upgrade("1.10.0", "2.0.0")
    upgrade("2.0.0", "2.1.0")
    few = list(deployed.values())[:1]
    with CaptureQueriesContext(connection) as one:
        upgrades_for(few)
    for i in range(8):
        org = make_organisation(f"Customer {i}")
        set_deployment(
            actor=alice, organisation=org, version=v["1.9.0"], channel=DeploymentChannel.STAFF
        )
    from sustain.releases.deployments.models import Deployment

    many = list(Deployment.objects.select_related("version"))
    with CaptureQueriesContext(connection) as lots:
        rows = upgrades_for(many)
    assert len(rows) == 11
    assert len(lots.captured_queries) == len(one.captured_queries) == 3
