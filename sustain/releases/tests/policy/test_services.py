"""Changing update policies and deprecation notices: who may, what is refused, and which
notices concern what a customer runs."""

from __future__ import annotations

from datetime import date

import pytest

from sustain.core.errors import PermissionDenied, ValidationFailed
from sustain.releases.policy.choices import UpdateChannel, UpdateDelivery
from sustain.releases.policy.models import UpdatePolicy
from sustain.releases.policy.selectors import deprecations_affecting, policy_of
from sustain.releases.policy.services import (
    DeprecationData,
    PolicyData,
    create_deprecation,
    delete_policy,
    set_policy,
)


def test_an_engineer_sets_and_replaces_a_policy(engineer, fleet):
    first = set_policy(
        actor=engineer,
        product=fleet,
        data=PolicyData(channels=["lts", "stable", "lts"], max_minor_behind=2),
    )
    second = set_policy(
        actor=engineer,
        product=fleet,
        data=PolicyData(
            channels=["stable"],
            max_days_behind=30,
            delivery=UpdateDelivery.MANAGED,
            delivery_notes="  In the monthly window.  ",
        ),
    )

    assert first.channels == [UpdateChannel.STABLE, UpdateChannel.LTS]
    assert UpdatePolicy.objects.count() == 1
    policy = policy_of(fleet)
    assert policy is not None
    assert (policy.channels, policy.max_minor_behind, policy.max_days_behind) == (
        ["stable"],
        None,
        30,
    )
    assert policy.delivery_notes == "In the monthly window."
    assert policy.updated_by == second.updated_by == engineer
    assert delete_policy(actor=engineer, product=fleet)
    assert policy_of(fleet) is None


@pytest.mark.parametrize("who", ["alice", "bob", "viewer"])
def test_only_catalogue_managers_change_policies(request, fleet, who):
    with pytest.raises(PermissionDenied):
        set_policy(
            actor=request.getfixturevalue(who), product=fleet, data=PolicyData(channels=["stable"])
        )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (PolicyData(channels=[]), "channels"),
        (PolicyData(channels=["beta"]), "channels"),
        (PolicyData(channels=["stable"], max_minor_behind=-1), "max_minor_behind"),
        (PolicyData(channels=["stable"], max_days_behind=3651), "max_days_behind"),
        (PolicyData(channels=["stable"], delivery="pigeon"), "delivery"),
        (PolicyData(channels=["stable"], delivery_notes="x" * 2001), "delivery_notes"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(engineer, fleet, data, field):
    with pytest.raises(ValidationFailed) as refused:
        set_policy(actor=engineer, product=fleet, data=data)
    assert field in refused.value.errors
    assert not UpdatePolicy.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "feature"),
        ({"feature": "SOAP API", "version": "4.0.0"}, "feature"),
        ({"feature": "SOAP API", "deprecated_from": "5.0.0", "removed_in": "4.10.0"}, "removed_in"),
        (
            {
                "feature": "SOAP API",
                "announced_on": date(2026, 1, 1),
                "removed_on": date(2025, 1, 1),
            },
            "removed_on",
        ),
        (
            {
                "feature": "SOAP API",
                "deprecated_on": date(2027, 1, 1),
                "removed_on": date(2026, 12, 1),
            },
            "removed_on",
        ),
        ({"feature": "x" * 201}, "feature"),
    ],
)
def test_a_bad_deprecation_is_refused_naming_the_field(engineer, fleet, fv, fields, field):
    for name in ("version", "deprecated_from", "removed_in"):
        if name in fields:
            fields[name] = fv[fields[name]]
    with pytest.raises(ValidationFailed) as refused:
        create_deprecation(actor=engineer, product=fleet, data=DeprecationData(**fields))
    assert field in refused.value.errors


def test_a_version_of_another_product_is_refused(engineer, fleet, product):
    other = product.versions.get()
    with pytest.raises(ValidationFailed) as refused:
        create_deprecation(actor=engineer, product=fleet, data=DeprecationData(version=other))
    assert "version" in refused.value.errors


def test_a_customer_sees_the_notices_that_concern_what_they_run(
    engineer, deploy, acme, globex, bob, fv, fleet
):
    deploy(acme, fv["4.1.1"])
    deploy(acme, fv["5.0.0"], "staging")
    deploy(globex, fv["4.0.0"])
    old = create_deprecation(
        actor=engineer, product=fleet, data=DeprecationData(version=fv["4.1.1"], text="Move on.")
    )
    soap = create_deprecation(
        actor=engineer,
        product=fleet,
        data=DeprecationData(
            feature="SOAP API", deprecated_from=fv["4.2.0"], removed_in=fv["4.10.0"]
        ),
    )
    everywhere = create_deprecation(
        actor=engineer, product=fleet, data=DeprecationData(feature="XML export")
    )
    create_deprecation(actor=engineer, product=fleet, data=DeprecationData(version=fv["4.0.0"]))

    seen = {a.notice: a.where for a in deprecations_affecting(bob, acme)}

    assert seen == {
        old: "4.1.1 in production",
        soap: "4.1.1 in production",  # 5.0.0 is after 4.10.0, where SOAP is gone
        everywhere: "4.1.1 in production, 5.0.0 in staging",
    }
    assert deprecations_affecting(bob, globex) == []  # not bob's organisation
