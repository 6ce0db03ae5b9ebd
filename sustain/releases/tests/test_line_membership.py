"""The stored membership of release lines (``LineVersion``): after every change of lines and
versions, for every scheme, it is what ``lifecycle.holds`` says from scratch, with the versions'
current keys, and each line's latest version is the highest version it holds."""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module

import pytest
from django.apps import apps

from sustain.accounts.models import User
from sustain.catalog import services as catalog
from sustain.catalog.models import Product, Version
from sustain.factories import make_product
from sustain.releases import catalogue_services
from sustain.releases import line_services as lines
from sustain.releases.lifecycle import holds
from sustain.releases.line_models import LineVersion, ReleaseLine
from sustain.releases.line_selectors import line_views
from sustain.releases.line_services import LineData, line_data

pytestmark = pytest.mark.django_db


def expected(product: Product) -> set[tuple[str, str, str]]:
    """(line, version, version's key) for every version every line holds, from scratch."""
    versions = list(Version.objects.filter(product=product))
    return {
        (line.name, v.name, v.sort_key)
        for line in ReleaseLine.objects.filter(product=product)
        for v in versions
        if holds(line.name, line.version_prefix, v.name)
    }


def stored(product: Product) -> set[tuple[str, str, str]]:
    rows = LineVersion.objects.filter(line__product=product)
    return set(rows.values_list("line__name", "version__name", "sort_key"))


def latest_by_walk(product: Product) -> dict[str, str | None]:
    """Each line's latest version as it was found before: the highest version it holds."""
    ordered = list(Version.objects.filter(product=product).order_by("-sort_key", "-id"))
    return {
        line.name: next(
            (v.name for v in ordered if holds(line.name, line.version_prefix, v.name)), None
        )
        for line in ReleaseLine.objects.filter(product=product)
    }


def check(product: Product) -> dict[str, str | None]:
    assert stored(product) == expected(product)
    latest = {view.line.name: view.latest for view in line_views(product)}
    assert latest == latest_by_walk(product)
    return latest


def add_lines(lead: User, product: Product, *names: str) -> None:
    for name in names:
        lines.create_line(actor=lead, product=product, data=LineData(name=name))


@pytest.mark.parametrize(
    ("scheme", "versions", "line_names", "latest"),
    [
        (
            "semver",
            ["4.2.0", "4.2.10", "4.2.9", "4.10.0", "4.2.11-rc.1", "5.0.0"],
            ["4.x", "4.2", "4.10"],
            {"4.x": "4.10.0", "4.2": "4.2.11-rc.1", "4.10": "4.10.0"},
        ),
        (
            "pep440",
            ["4.2", "4.2.1", "4.2.10", "4.2.2rc1", "4.20.0", "v4.2.3"],
            ["4.2", "4.20"],
            # "v4.2.3" does not start with "4.2.": names decide, not keys.
            {"4.2": "4.2.10", "4.20": "4.20.0"},
        ),
        (
            "calver",
            ["2024.4", "2024.10", "2024.10.1", "2025.1.0-rc1", "2025.1.0"],
            ["2024", "2024.10", "2025"],
            {"2024": "2024.10.1", "2024.10": "2024.10.1", "2025": "2025.1.0"},
        ),
        (
            "freeform",
            ["Winter", "Winter SP1", "Spring", "Winter SP2"],
            ["Winter"],
            {"Winter": "Winter SP2"},
        ),
    ],
)
def test_each_scheme_finds_the_latest_version_of_each_line(
    lead: User, scheme: str, versions: list[str], line_names: list[str], latest: dict[str, str]
) -> None:
    product = make_product("Gizmo", versions=versions, scheme=scheme)
    if scheme == "freeform":
        lines.create_line(
            actor=lead, product=product, data=LineData(name="Winter", version_prefix="Winter ")
        )
    else:
        add_lines(lead, product, *line_names)
    assert check(product) == latest


def test_versions_created_renamed_and_deleted_move_with_their_lines(lead: User) -> None:
    product = make_product("Gizmo", versions=["4.2.0", "4.3.0"], scheme="semver")
    add_lines(lead, product, "4.x", "4.2")
    catalog.create_versions(
        actor=lead,
        product=product,
        versions=[catalog.VersionData("4.2.7"), catalog.VersionData("5.0.0")],
    )
    assert check(product) == {"4.x": "4.3.0", "4.2": "4.2.7"}
    seven = Version.objects.get(name="4.2.7")
    catalog.update_version(actor=lead, version=seven, name="4.9.0")
    assert check(product) == {"4.x": "4.9.0", "4.2": "4.2.0"}
    catalogue_services.delete_version(actor=lead, version=Version.objects.get(name="4.9.0"))
    assert check(product) == {"4.x": "4.3.0", "4.2": "4.2.0"}


def test_lines_renamed_given_another_prefix_and_deleted(lead: User) -> None:
    product = make_product("Gizmo", versions=["3.1.0", "4.2.0", "4.2.5", "4.3.0"], scheme="semver")
    add_lines(lead, product, "4.2")
    line = ReleaseLine.objects.get(name="4.2")
    lines.update_line(
        actor=lead, line=line, data=replace(line_data(line), name="3.1", version_prefix=None)
    )
    assert check(product) == {"3.1": "3.1.0"}
    line = ReleaseLine.objects.get(name="3.1")
    lines.update_line(actor=lead, line=line, data=replace(line_data(line), version_prefix="4."))
    assert check(product) == {"3.1": "4.3.0"}
    # A change of dates only leaves the rows alone.
    line = ReleaseLine.objects.get(name="3.1")
    lines.update_line(actor=lead, line=line, data=replace(line_data(line), eol=True))
    assert check(product) == {"3.1": "4.3.0"}
    lines.delete_line(actor=lead, line=ReleaseLine.objects.get(name="3.1"))
    assert not LineVersion.objects.exists()


def test_moves_and_scheme_changes_carry_the_new_keys(lead: User) -> None:
    product = make_product("Gizmo", versions=["1.0", "1.1", "1.2"], scheme="freeform")
    add_lines(lead, product, "1.x")
    assert check(product) == {"1.x": "1.2"}
    one_two = Version.objects.get(name="1.2")
    catalog.move_version(actor=lead, version=one_two, after=None)
    assert check(product) == {"1.x": "1.1"}
    for _ in range(12):  # runs out of gaps: the product's versions are renumbered
        catalog.move_version(
            actor=lead,
            version=Version.objects.get(name="1.0"),
            after=Version.objects.get(name="1.2"),
        )
        catalog.move_version(
            actor=lead,
            version=Version.objects.get(name="1.1"),
            after=Version.objects.get(name="1.2"),
        )
    assert check(product) == {"1.x": "1.0"}
    catalog.update_product(actor=lead, product=product, version_scheme="pep440")
    assert check(product) == {"1.x": "1.2"}


def test_the_migration_fills_the_membership_of_existing_lines(lead: User) -> None:
    product = make_product("Gizmo", versions=["4.2.0", "4.2.1", "4.3.0", "5.0.0"])
    add_lines(lead, product, "4.x", "4.2", "5.0")
    LineVersion.objects.all().delete()
    import_module("sustain.releases.migrations.0009_line_versions").fill(apps, None)
    assert check(product) == {"4.x": "4.3.0", "4.2": "4.2.1", "5.0": "5.0.0"}


def test_a_line_reads_its_latest_version_in_one_query(
    lead: User, django_assert_num_queries
) -> None:
    product = make_product("Gizmo", versions=[f"{m}.{n}.0" for m in range(1, 6) for n in range(20)])
    add_lines(lead, product, *(f"{m}.x" for m in range(1, 6)))
    with django_assert_num_queries(1):
        views = line_views(product)
    assert [v.latest for v in views] == ["5.19.0", "4.19.0", "3.19.0", "2.19.0", "1.19.0"]
