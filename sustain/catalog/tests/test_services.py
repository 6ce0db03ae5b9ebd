"""The catalogue's services keep every version's key, and SQL orders by it."""

from __future__ import annotations

import random
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sustain.accounts.models import User
from sustain.catalog import services
from sustain.catalog.models import Product, Version
from sustain.catalog.selectors import latest_version, ordered_versions, version_order
from sustain.catalog.services import VersionData
from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.factories import make_product

pytestmark = pytest.mark.django_db
_serial = count(1)


def names(product: Product, *, newest_first: bool = False) -> list[str]:
    return list(ordered_versions(product, newest_first=newest_first).values_list("name", flat=True))


SEMVER_ORDER = [
    "0.9.0",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.2.0",
    "1.10.0",
    "2.0.0",
    "10.0.0",
]


def test_sql_orders_semantic_versions_by_precedence_not_by_string(lead: User) -> None:
    product = services.create_product(actor=lead, name="Rocket", version_scheme="semver")
    shuffled = SEMVER_ORDER[:]
    random.Random(4).shuffle(shuffled)
    for name in shuffled:
        services.create_version(actor=lead, product=product, name=name)
    assert names(product) == SEMVER_ORDER
    assert names(product, newest_first=True) == SEMVER_ORDER[::-1]
    latest = latest_version(product)
    assert latest is not None
    assert latest.name == "10.0.0"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.integers(0, 20), st.none() | st.integers(0, 3)),
        min_size=1,
        max_size=12,
        unique=True,
    )
)
def test_sql_order_of_pep440_versions_is_packaging_order(
    lead: User, parts: list[tuple[int, int, int | None]]
) -> None:
    from packaging.version import Version as Pep440

    product = services.create_product(actor=lead, name=f"P{next(_serial)}", version_scheme="pep440")
    given_names = [f"{a}.{b}" + (f"rc{r}" if r is not None else "") for a, b, r in parts]
    services.create_versions(
        actor=lead, product=product, versions=[VersionData(n) for n in given_names]
    )
    assert names(product) == sorted(given_names, key=Pep440)


def test_a_name_the_scheme_does_not_read_is_refused_with_the_schemes_rule(lead: User) -> None:
    product = services.create_product(actor=lead, name="Rocket", version_scheme="semver")
    with pytest.raises(ValidationFailed) as refused:
        services.create_version(actor=lead, product=product, name="4.2")
    assert refused.value.errors == {"name": [refused.value.errors["name"][0]]}
    assert "not a semantic version" in refused.value.detail
    assert not Version.objects.filter(product=product).exists()


def test_a_bad_name_among_several_writes_none(lead: User) -> None:
    product = services.create_product(actor=lead, name="Ledger", version_scheme="calver")
    with pytest.raises(ValidationFailed, match="not a calendar version"):
        services.create_versions(
            actor=lead,
            product=product,
            versions=[VersionData("2024.1"), VersionData("release-2")],
        )
    assert not Version.objects.filter(product=product).exists()


def test_a_taken_name_is_a_conflict(lead: User) -> None:
    product = make_product("Gizmo", versions=["1.0"])
    with pytest.raises(Conflict):
        services.create_version(actor=lead, product=product, name="1.0")


def test_renaming_rekeys_the_version(lead: User) -> None:
    product = make_product("Gizmo", versions=["1.0", "2.0", "3.0"])
    first = Version.objects.get(product=product, name="1.0")
    services.update_version(actor=lead, version=first, name="4.0")
    assert names(product) == ["2.0", "3.0", "4.0"]


def test_changing_the_scheme_rekeys_every_version(lead: User) -> None:
    product = make_product("Gizmo", versions=["1.10.0", "1.9.0", "1.0.0-rc.1", "1.0.0"])
    services.update_product(actor=lead, product=product, version_scheme="semver")
    assert names(product) == ["1.0.0-rc.1", "1.0.0", "1.9.0", "1.10.0"]


def test_a_scheme_that_does_not_read_every_version_is_refused_naming_them(lead: User) -> None:
    product = make_product("Gizmo", versions=["1.0", "2.0.0"])
    before = list(Version.objects.values_list("name", "sort_key"))
    with pytest.raises(ValidationFailed) as refused:
        services.update_product(actor=lead, product=product, version_scheme="semver")
    assert "'1.0' is not a semantic version" in refused.value.detail
    product.refresh_from_db()
    assert product.version_scheme == "pep440"
    assert list(Version.objects.values_list("name", "sort_key")) == before


def test_free_form_keeps_the_order_it_had_and_moves_by_hand(lead: User) -> None:
    product = make_product("Gizmo", versions=["1.0", "10.0", "2.0"])
    services.update_product(actor=lead, product=product, version_scheme="freeform")
    assert names(product) == ["1.0", "2.0", "10.0"]
    services.create_version(actor=lead, product=product, name="Winter edition")
    assert names(product)[-1] == "Winter edition"
    winter = Version.objects.get(name="Winter edition")
    services.move_version(actor=lead, version=winter, after=None)
    assert names(product) == ["Winter edition", "1.0", "2.0", "10.0"]
    one = Version.objects.get(name="1.0")
    ten = Version.objects.get(name="10.0")
    services.move_version(actor=lead, version=ten, after=one)
    assert names(product) == ["Winter edition", "1.0", "10.0", "2.0"]


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(-1, 5)), min_size=1, max_size=25))
def test_free_form_moves_always_land_where_asked(lead: User, moves: list[tuple[int, int]]) -> None:
    product = make_product(
        f"F{next(_serial)}", versions=["a", "b", "c", "d", "e", "f"], scheme="freeform"
    )
    expected = ["a", "b", "c", "d", "e", "f"]
    for moved, after in moves:
        name = expected[moved]
        if after >= 0 and expected[after] == name:
            continue
        anchor = None if after < 0 else Version.objects.get(product=product, name=expected[after])
        services.move_version(
            actor=lead, version=Version.objects.get(product=product, name=name), after=anchor
        )
        expected.remove(name)
        expected.insert(0 if anchor is None else expected.index(anchor.name) + 1, name)
        assert names(product) == expected


def test_moving_runs_out_of_gaps_and_renumbers(lead: User) -> None:
    product = make_product("Gizmo", versions=["a", "b", "c"], scheme="freeform")
    a, c = (Version.objects.get(product=product, name=n) for n in "ac")
    for _ in range(15):  # halving a gap of 1024 runs out after ten moves
        services.move_version(actor=lead, version=c, after=a)
        services.move_version(
            actor=lead, version=Version.objects.get(product=product, name="b"), after=a
        )
    assert names(product) == ["a", "b", "c"]


def test_only_free_form_products_move_by_hand(lead: User) -> None:
    make_product("Gizmo", versions=["1.0", "2.0"])
    version = Version.objects.get(name="2.0")
    with pytest.raises(ValidationFailed, match="only a free-form product"):
        services.move_version(actor=lead, version=version, after=None)


def test_agents_and_customers_may_not_change_the_catalogue(alice: User, bob: User) -> None:
    for actor in (alice, bob):
        with pytest.raises(PermissionDenied):
            services.create_product(actor=actor, name="Nope")
    assert not Product.objects.filter(name="Nope").exists()


def test_unknown_scheme_is_refused(lead: User) -> None:
    with pytest.raises(ValidationFailed, match="One of"):
        services.create_product(actor=lead, name="X", version_scheme="romver")


def test_version_order_reaches_versions_through_a_relation() -> None:
    assert version_order(through="version__", newest_first=True) == (
        "-version__sort_key",
        "-version__id",
    )
