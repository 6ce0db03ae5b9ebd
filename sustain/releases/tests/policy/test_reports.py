"""The reports: deployments behind their policy (by how much), and deployments on versions
whose line reaches its end of life within N days; what a customer sees of them; CSV."""

from __future__ import annotations

from datetime import date

import pytest

from sustain.core.errors import ValidationFailed
from sustain.core.permissions import OPERATOR
from sustain.releases.policy.choices import UpdateChannel
from sustain.releases.policy.reports import behind_csv, behind_policy, eol_csv, nearing_eol
from sustain.releases.policy.services import PolicyData, set_policy

from .conftest import TODAY


@pytest.fixture
def estate(deploy, acme, globex, fv, lines, fleet):
    """Acme: 4.1.1 in production (3 minors, 365 days behind), 5.0.0 in staging; Globex:
    4.10.0 in production (1 minor, 182 days behind)."""
    deploy(acme, fv["4.1.1"])
    deploy(acme, fv["5.0.0"], "staging")
    deploy(globex, fv["4.10.0"])
    set_policy(
        actor=OPERATOR,
        product=fleet,
        data=PolicyData(channels=[UpdateChannel.STABLE], max_minor_behind=1, max_days_behind=180),
    )


def test_behind_policy_lists_each_deployment_over_a_limit_furthest_behind_first(alice, estate):
    rows = behind_policy(alice, today=TODAY)

    assert [
        (r.deployment.organisation.name, r.deployment.environment, r.standing.minors_behind)
        for r in rows
    ] == [("Acme", "production", 3), ("Globex", "production", 1)]
    assert rows[0].standing.summary() == (
        "3 minor versions behind 5.0.0 (policy: at most 1); "
        "superseded 365 days ago (policy: at most 180)"
    )
    assert rows[1].standing.over_days
    assert not rows[1].standing.over_minor


def test_behind_policy_filters_and_a_customer_sees_only_their_organisation(
    alice, bob, acme, estate
):
    assert behind_policy(alice, environment="staging", today=TODAY) == []
    assert [r.deployment.organisation for r in behind_policy(bob, today=TODAY)] == [acme]
    with pytest.raises(ValidationFailed):
        behind_policy(alice, environment="moon", today=TODAY)


def test_products_without_a_policy_or_without_limits_are_not_reported(
    alice, deploy, acme, fv, lines, fleet
):
    deploy(acme, fv["4.0.0"])
    assert behind_policy(alice, today=TODAY) == []

    set_policy(actor=OPERATOR, product=fleet, data=PolicyData(channels=[UpdateChannel.STABLE]))
    assert behind_policy(alice, today=TODAY) == []


def test_nearing_eol_lists_deployments_whose_line_ends_within_the_days(alice, estate):
    within_default = nearing_eol(alice, today=TODAY)  # 90 days: nothing (4.10 ends in 92)
    within_92 = nearing_eol(alice, days=92, today=TODAY)

    assert within_default == []
    [row] = within_92
    assert row.line is not None
    assert (row.deployment.organisation.name, row.line.name, row.eol_on, row.days_left) == (
        "Globex",
        "4.10",
        date(2026, 9, 1),
        92,
    )
    # 4.1 ended on 2026-01-01: past, not "within".
    assert all(
        r.line is None or r.line.name != "4.1" for r in nearing_eol(alice, days=3650, today=TODAY)
    )


@pytest.mark.parametrize("days", [-1, 3651])
def test_nearing_eol_refuses_days_out_of_range(alice, estate, days):
    with pytest.raises(ValidationFailed) as refused:
        nearing_eol(alice, days=days, today=TODAY)
    assert "days" in refused.value.errors


def test_csv_exports_name_the_columns_and_defuse_formulas(alice, estate, acme):
    acme.name = "=HYPERLINK(1)"
    acme.save()

    behind = behind_csv(behind_policy(alice, today=TODAY)).splitlines()
    eol = eol_csv(nearing_eol(alice, days=600, today=TODAY)).splitlines()

    assert behind[0].startswith("organisation,product,environment,version,target,")
    assert behind[1] == "'=HYPERLINK(1),Fleet,production,4.1.1,5.0.0,3,2025-06-01,365,1,180"
    assert eol[0] == "organisation,product,environment,version,release_line,eol,days_left"
    assert "Globex,Fleet,production,4.10.0,4.10,2026-09-01,92" in eol
