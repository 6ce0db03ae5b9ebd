"""How far behind a deployment is: minor versions and days, against the target its policy's
channels give, in the catalogue's order; the limits' boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from sustain.catalog.choices import VersionScheme
from sustain.core.permissions import OPERATOR
from sustain.releases.policy.choices import UpdateChannel
from sustain.releases.policy.evaluation import ProductFacts
from sustain.releases.policy.services import PolicyData, set_policy
from sustain.releases.policy.versions import is_prerelease, series

from .conftest import TODAY


def _facts(fleet, today=TODAY, **data):
    data.setdefault("channels", [UpdateChannel.STABLE])
    policy = set_policy(actor=OPERATOR, product=fleet, data=PolicyData(**data))
    return ProductFacts.load(policy, today)


def test_minor_versions_are_counted_by_series_in_scheme_order_not_by_release(fleet, fv, lines):
    facts = _facts(fleet)

    old = facts.standing(fv["4.1.1"].pk)
    assert (old.target, old.minors_behind) == ("5.0.0", 3)  # 4.2, 4.10, 5.0
    assert old.superseded_on == date(2025, 6, 1)
    assert old.days_behind == 365
    # 4.1.0 → 4.1.1 is a patch: superseded since 4.1.1, but still three minor versions behind.
    older = facts.standing(fv["4.1.0"].pk)
    assert (older.minors_behind, older.superseded_on) == (3, date(2025, 4, 1))
    assert facts.standing(fv["4.10.0"].pk).minors_behind == 1  # 4.10 after 4.2, not before


def test_the_latest_supported_version_is_up_to_date_and_a_pre_release_is_never_the_target(
    fleet, fv, lines
):
    facts = _facts(fleet, max_minor_behind=0)

    latest = facts.standing(fv["5.0.0"].pk)
    ahead = facts.standing(fv["5.1.0rc1"].pk)
    assert (latest.target, latest.minors_behind, latest.behind_policy) == ("5.0.0", 0, False)
    assert (ahead.minors_behind, ahead.superseded_on, ahead.behind_policy) == (0, None, False)
    assert latest.summary() == "up to date"


def test_the_target_skips_versions_of_lines_at_their_end_of_life(fleet, fv, lines):
    # Only the 4.0 line is at its end of life and held nothing newer; end 5.0 too.
    from dataclasses import replace

    from sustain.releases.line_services import line_data, update_line

    update_line(
        actor=OPERATOR,
        line=lines["5.0"],
        data=replace(line_data(lines["5.0"]), eol=date(2026, 5, 1)),
    )
    facts = _facts(fleet)

    assert facts.standing(fv["4.1.1"].pk).target == "4.10.0"


def test_a_customer_on_a_maintained_lts_line_is_measured_against_that_line(fleet, fv, lines):
    stable_only = _facts(fleet, max_minor_behind=1)
    assert stable_only.standing(fv["4.2.0"].pk).minors_behind == 2
    assert stable_only.standing(fv["4.2.0"].pk).behind_policy

    with_lts = _facts(fleet, channels=[UpdateChannel.STABLE, UpdateChannel.LTS], max_minor_behind=1)
    on_lts = with_lts.standing(fv["4.2.0"].pk)
    assert (on_lts.target, on_lts.minors_behind, on_lts.behind_policy) == ("4.2.0", 0, False)
    # Not on an LTS line: still measured against the latest supported version.
    assert with_lts.standing(fv["4.1.1"].pk).target == "5.0.0"


def test_lts_only_sends_everyone_else_to_the_newest_lts_release(fleet, fv, lines):
    facts = _facts(fleet, channels=[UpdateChannel.LTS])

    assert facts.standing(fv["4.1.1"].pk).target == "4.2.0"
    assert facts.standing(fv["4.1.1"].pk).minors_behind == 1


@pytest.mark.parametrize(("limit", "behind"), [(3, False), (2, True), (0, True), (4, False)])
def test_n_minor_versions_behind_is_within_the_policy_and_one_more_is_not(
    fleet, fv, lines, limit, behind
):
    standing = _facts(fleet, max_minor_behind=limit).standing(fv["4.1.1"].pk)

    assert standing.minors_behind == 3
    assert standing.behind_policy is behind
    assert standing.over_minor is behind
    assert not standing.over_days


@pytest.mark.parametrize(("limit", "behind"), [(365, False), (364, True), (366, False)])
def test_d_days_after_being_superseded_is_within_the_policy_and_one_more_is_not(
    fleet, fv, lines, limit, behind
):
    standing = _facts(fleet, max_days_behind=limit).standing(fv["4.1.1"].pk)

    assert standing.days_behind == 365
    assert standing.behind_policy is behind
    assert standing.over_days is behind


def test_with_both_limits_exceeding_either_is_behind(fleet, fv, lines):
    facts = _facts(fleet, max_minor_behind=5, max_days_behind=100)
    by_days = facts.standing(fv["4.10.0"].pk)  # 1 minor, 182 days
    assert (by_days.over_minor, by_days.over_days, by_days.behind_policy) == (False, True, True)
    assert "superseded 182 days ago (policy: at most 100)" in by_days.summary()

    facts = _facts(fleet, max_minor_behind=0, max_days_behind=1000)
    by_minor = facts.standing(fv["4.10.0"].pk)
    assert (by_minor.over_minor, by_minor.over_days, by_minor.behind_policy) == (True, False, True)
    assert by_minor.summary().startswith("1 minor version behind 5.0.0 (policy: at most 0)")


def test_without_limits_nothing_is_behind(fleet, fv, lines):
    standing = _facts(fleet).standing(fv["4.0.0"].pk)

    assert standing.minors_behind == 4
    assert not standing.behind_policy


def test_a_product_without_lines_targets_its_highest_release(fleet, fv):
    standing = _facts(fleet, max_minor_behind=0).standing(fv["4.10.0"].pk)

    assert (standing.target, standing.minors_behind) == ("5.0.0", 1)


@pytest.mark.parametrize(
    ("scheme", "name", "expected", "pre"),
    [
        (VersionScheme.SEMVER, "4.2.1", (4, 2), False),
        (VersionScheme.SEMVER, "5.0.0-rc.1", (5, 0), True),
        (VersionScheme.PEP440, "4", (0, 4, 0), False),
        (VersionScheme.PEP440, "4.2.0.dev1", (0, 4, 2), True),
        (VersionScheme.CALVER, "24.04.1", (2024, 4), False),
        (VersionScheme.CALVER, "2025.1-beta", (2025, 1), True),
        (VersionScheme.FREEFORM, "Aurora", "Aurora", False),
    ],
)
def test_series_and_pre_releases_by_scheme(scheme, name, expected, pre):
    assert series(scheme, name) == expected
    assert is_prerelease(scheme, name) is pre
