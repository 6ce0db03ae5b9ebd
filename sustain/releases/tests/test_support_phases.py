"""The support phases deployments are narrowed to: which versions are in each on a day, the
day of a milestone itself, the most specific line deciding, and one read of the lines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product, Version
from sustain.factories import make_organisation, make_product
from sustain.releases import line_services as lines
from sustain.releases.deployments.choices import DeploymentChannel as Channel
from sustain.releases.deployments.matrix import build_matrix
from sustain.releases.deployments.selectors import PHASES, check_phase
from sustain.releases.deployments.services import set_deployment
from sustain.releases.line_services import LineData
from sustain.releases.support_phases import SUPPORT_PHASES, phases_of

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)
EOL_3 = date(2026, 12, 31)


@pytest.fixture
def gizmo(lead: User) -> Product:
    """2.x in extended support, 3.x security fixes only until 2026-12-31 (its 3.1 line: end
    of life already), 4.x active, 5.0 not released yet, 6.0.0 in no line."""
    product = make_product(
        "Gizmo",
        versions=["2.4.0", "3.0.0", "3.1.0", "4.0.0", "4.1.0", "5.0.0rc1", "6.0.0"],
    )
    for data in (
        LineData(name="2.x", eol=date(2024, 1, 1), eoes=date(2028, 1, 1)),
        LineData(name="3.x", eoas=date(2025, 6, 1), eol=EOL_3),
        LineData(name="3.1", eol=date(2026, 1, 1)),
        LineData(name="4.x", release_date=date(2026, 1, 1), eol=date(2029, 1, 1)),
        LineData(name="5.0", release_date=date(2027, 3, 1)),
    ):
        lines.create_line(actor=lead, product=product, data=data)
    return product


def names(versions: list[Version]) -> list[str]:
    return [v.name for v in versions]


def in_phase(product: Product, phase: str, today: date = TODAY) -> list[str]:
    versions = list(Version.objects.filter(product=product).order_by("sort_key"))
    return names(list(PHASES[phase].versions(versions, today)))


def test_every_support_phase_is_registered_in_order() -> None:
    assert (
        list(PHASES)
        == [name for name, _, _ in SUPPORT_PHASES]
        == [
            "maintained",
            "active",
            "security",
            "extended",
            "eol",
            "upcoming",
            "none",
        ]
    )


def test_each_version_is_in_the_phase_of_its_most_specific_line(gizmo: Product) -> None:
    assert in_phase(gizmo, "active") == ["4.0.0", "4.1.0"]
    assert in_phase(gizmo, "security") == ["3.0.0"]  # 3.1.0 follows its own line, "3.1"
    assert in_phase(gizmo, "extended") == ["2.4.0"]
    assert in_phase(gizmo, "eol") == ["3.1.0"]
    assert in_phase(gizmo, "upcoming") == ["5.0.0rc1"]
    assert in_phase(gizmo, "none") == ["6.0.0"]
    assert in_phase(gizmo, "maintained") == ["2.4.0", "3.0.0", "4.0.0", "4.1.0"]


def test_the_end_of_life_day_itself_is_end_of_life(gizmo: Product) -> None:
    day_before = EOL_3 - timedelta(days=1)
    assert in_phase(gizmo, "security", day_before) == ["3.0.0"]
    assert in_phase(gizmo, "eol", day_before) == ["3.1.0"]
    assert in_phase(gizmo, "security", EOL_3) == []
    assert in_phase(gizmo, "eol", EOL_3) == ["3.0.0", "3.1.0"]
    # Extended support ends on its day too; a release day makes a line active on that day.
    assert in_phase(gizmo, "extended", date(2027, 12, 31)) == ["2.4.0"]
    assert "2.4.0" in in_phase(gizmo, "eol", date(2028, 1, 1))
    assert in_phase(gizmo, "upcoming", date(2027, 2, 28)) == ["5.0.0rc1"]
    assert "5.0.0rc1" in in_phase(gizmo, "active", date(2027, 3, 1))


def test_the_lines_of_all_products_are_read_once(gizmo: Product, django_assert_num_queries) -> None:
    other = make_product("Widget", versions=["1.0", "1.1"])
    versions = list(Version.objects.filter(product__in=[gizmo, other]))
    with django_assert_num_queries(1):
        phases = phases_of(versions, TODAY)
    assert {v.name: phases[v.pk] for v in versions if v.product_id == other.pk} == {
        "1.0": "none",
        "1.1": "none",
    }
    with django_assert_num_queries(0):
        assert phases_of([], TODAY) == {}


def test_an_unknown_phase_is_refused_naming_the_known_ones() -> None:
    assert check_phase(None) == check_phase("") == ""
    assert check_phase("eol") == "eol"
    with pytest.raises(Exception, match="'retired' is not a support phase") as refused:
        check_phase("retired")
    assert "maintained, active" in str(refused.value)


def test_the_matrix_narrows_columns_and_organisations_to_a_phase(
    gizmo: Product, alice: User, acme: Organisation, globex: Organisation
) -> None:
    by_name = {v.name: v for v in Version.objects.filter(product=gizmo)}
    initech = make_organisation("Initech")
    for organisation, name in ((acme, "3.0.0"), (globex, "4.1.0"), (initech, "3.1.0")):
        set_deployment(
            actor=alice, organisation=organisation, version=by_name[name], channel=Channel.STAFF
        )

    def matrix(phase: str, today: date) -> tuple[list[str], list[str], int]:
        built = build_matrix(alice, product=gizmo, environment=None, phase=phase, today=today)
        return names(built.versions), [r.organisation.name for r in built.rows], built.total

    assert matrix("eol", EOL_3 - timedelta(days=1)) == (["3.1.0"], ["Initech"], 1)
    assert matrix("eol", EOL_3) == (["3.0.0", "3.1.0"], ["Acme", "Initech"], 2)
    assert matrix("maintained", EOL_3) == (["2.4.0", "4.0.0", "4.1.0"], ["Globex"], 1)
    # An unknown phase (an old link) shows every version.
    assert matrix("retired", TODAY)[2] == 3
