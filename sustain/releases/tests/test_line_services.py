"""Release lines: changes, their refusals, and the end of life they give their versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from sustain.accounts.models import User
from sustain.catalog import services as catalog
from sustain.catalog.models import Version
from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.factories import make_product
from sustain.kb import reports
from sustain.kb import services as kb
from sustain.releases import line_services as lines
from sustain.releases.line_models import ReleaseLine
from sustain.releases.line_selectors import line_views
from sustain.releases.line_services import LineData, line_data

pytestmark = pytest.mark.django_db


def eol_of(name: str) -> date | None:
    return Version.objects.get(name=name).end_of_life


def test_a_line_gives_its_versions_its_end_of_life(lead: User) -> None:
    product = make_product("Gizmo", versions=["4.1.0", "4.2.0", "4.2.1", "4.20.0"])
    lines.create_line(actor=lead, product=product, data=LineData(name="4.2", eol=date(2027, 1, 31)))
    assert [eol_of(n) for n in ("4.1.0", "4.2.0", "4.2.1", "4.20.0")] == [
        None,
        date(2027, 1, 31),
        date(2027, 1, 31),
        None,
    ]


def test_the_most_specific_line_wins(lead: User) -> None:
    product = make_product("Gizmo", versions=["4.1.0", "4.2.0"])
    lines.create_line(actor=lead, product=product, data=LineData(name="4.x", eol=date(2030, 1, 1)))
    lines.create_line(actor=lead, product=product, data=LineData(name="4.2", eol=date(2027, 1, 1)))
    assert (eol_of("4.1.0"), eol_of("4.2.0")) == (date(2030, 1, 1), date(2027, 1, 1))


def test_a_new_version_takes_the_end_of_life_of_its_line(lead: User) -> None:
    product = make_product("Gizmo", versions=["4.2.0"])
    lines.create_line(actor=lead, product=product, data=LineData(name="4.2", eol=date(2027, 1, 1)))
    catalog.create_version(actor=lead, product=product, name="4.2.7")
    assert eol_of("4.2.7") == date(2027, 1, 1)
    renamed = catalog.update_version(
        actor=lead, version=Version.objects.get(name="4.2.7"), name="4.3.0"
    )
    # No line holds 4.3.0: like any version no line holds, it keeps the day it had.
    assert renamed.end_of_life == date(2027, 1, 1)


def test_changing_or_deleting_a_line_moves_or_clears_the_days_it_gave(lead: User) -> None:
    product = make_product("Gizmo", versions=["4.2.0", "5.0.0"])
    Version.objects.filter(name="5.0.0").update(end_of_life=date(2031, 1, 1))  # set by hand
    line = lines.create_line(
        actor=lead, product=product, data=LineData(name="4.2", eol=date(2027, 1, 1))
    )
    line = lines.update_line(
        actor=lead, line=line, data=replace(line_data(line), eol=date(2028, 6, 30))
    )
    assert eol_of("4.2.0") == date(2028, 6, 30)
    lines.delete_line(actor=lead, line=line)
    assert eol_of("4.2.0") is None
    assert eol_of("5.0.0") == date(2031, 1, 1)  # no line held it: untouched


def test_a_line_that_states_no_end_of_life_leaves_days_set_by_hand(lead: User) -> None:
    product = make_product("Gizmo", versions=["4.2.0"])
    Version.objects.update(end_of_life=date(2026, 1, 1))
    lines.create_line(actor=lead, product=product, data=LineData(name="4.2"))
    assert eol_of("4.2.0") == date(2026, 1, 1)


def test_end_of_life_without_a_date_counts_from_the_day_it_was_said(lead: User) -> None:
    product = make_product("Gizmo", versions=["1.0.0"])
    lines.create_line(actor=lead, product=product, data=LineData(name="1.0", eol=True))
    assert eol_of("1.0.0") is not None


def test_articles_about_a_version_go_to_review_when_its_line_ends(lead: User, alice: User) -> None:
    product = make_product("Gizmo", versions=["4.2.0"])
    version = Version.objects.get()
    article = kb.create_article(
        actor=alice,
        data=kb.ArticleData(title="Tuning 4.2", body="…", version_ids=[version.pk]),
    )
    assert reports.review_queue(user=alice, today=date(2027, 1, 31)) == []
    lines.create_line(actor=lead, product=product, data=LineData(name="4.2", eol=date(2027, 1, 31)))
    [item] = reports.review_queue(user=alice, today=date(2027, 1, 31))
    assert item.article == article
    assert "end of life 2027-01-31" in item.reason
    assert reports.review_queue(user=alice, today=date(2027, 1, 30)) == []


def test_dates_out_of_order_are_refused_naming_the_field(lead: User) -> None:
    product = make_product("Gizmo")
    with pytest.raises(ValidationFailed) as refused:
        lines.create_line(
            actor=lead,
            product=product,
            data=LineData(name="1.0", release_date=date(2025, 1, 1), eol=date(2024, 1, 1)),
        )
    assert list(refused.value.errors) == ["eol"]
    assert not ReleaseLine.objects.exists()


def test_bad_names_and_links_are_refused(lead: User) -> None:
    product = make_product("Gizmo")
    with pytest.raises(ValidationFailed) as refused:
        lines.create_line(
            actor=lead, product=product, data=LineData(name=" ", link="ftp://example.com")
        )
    assert set(refused.value.errors) == {"name", "link"}


def test_a_taken_name_is_a_conflict(lead: User) -> None:
    product = make_product("Gizmo")
    lines.create_line(actor=lead, product=product, data=LineData(name="1.0"))
    with pytest.raises(Conflict):
        lines.create_line(actor=lead, product=product, data=LineData(name="1.0"))


def test_agents_may_not_change_lines(alice: User) -> None:
    product = make_product("Gizmo")
    with pytest.raises(PermissionDenied):
        lines.create_line(actor=alice, product=product, data=LineData(name="1.0"))


def test_line_views_give_each_line_its_latest_version_in_scheme_order(
    lead: User, django_assert_num_queries
) -> None:
    product = make_product(
        "Gizmo",
        versions=["4.2.0", "4.2.10", "4.2.9", "4.10.0", "4.2.11-rc.1", "4.3.0"],
        scheme="semver",
    )
    for name in ("4.2", "4.10", "4.x", "5.0"):
        lines.create_line(actor=lead, product=product, data=LineData(name=name))
    with django_assert_num_queries(1):
        views = line_views(product, today=date(2026, 1, 1))
    assert [(v.line.name, v.latest) for v in views] == [
        ("5.0", None),
        ("4.x", "4.10.0"),
        ("4.10", "4.10.0"),
        ("4.2", "4.2.11-rc.1"),
    ]


def test_a_blank_prefix_holds_only_the_version_named_as_the_line(lead: User) -> None:
    product = make_product("Gizmo", versions=["Winter", "Summer"], scheme="freeform")
    lines.create_line(actor=lead, product=product, data=LineData(name="Winter", version_prefix=""))
    [view] = line_views(product)
    assert view.latest == "Winter"
