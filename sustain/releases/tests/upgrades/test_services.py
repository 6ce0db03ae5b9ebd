"""Adding, changing and deleting upgrades: only forward in the catalogue's order (so never a
cycle), never a loop or a duplicate, steps and articles checked, catalogue managers only."""

from __future__ import annotations

import pytest

from sustain.core.errors import Conflict, PermissionDenied, ValidationFailed
from sustain.factories import make_product
from sustain.kb.models import Article
from sustain.releases.upgrades.models import UpgradeEdge
from sustain.releases.upgrades.services import delete_edge, update_edge


def test_engineer_adds_an_upgrade_with_steps_and_breaking_changes(upgrade, engineer):
    edge = upgrade(
        "1.10.0",
        "2.0.0",
        steps=["  Back up the database ", "", "Run `gizmo migrate`"],
        breaking_changes="The `--legacy` flag is gone.",
    )
    assert edge.steps == ["Back up the database", "Run `gizmo migrate`"]
    assert edge.breaking_changes == "The `--legacy` flag is gone."
    assert edge.supported is True
    assert edge.created_by == engineer


def test_an_upgrade_back_down_the_order_is_refused_naming_both_versions(upgrade):
    upgrade("1.9.0", "1.10.0")
    with pytest.raises(ValidationFailed) as refused:
        # 1.9.0 > 1.10.0 as strings, but not as versions: this edge would close a cycle.
        upgrade("1.10.0", "1.9.0")
    assert "to_version_id" in refused.value.errors
    assert "1.9.0 comes before 1.10.0" in refused.value.detail
    assert "cycle" in refused.value.detail
    assert UpgradeEdge.objects.count() == 1


def test_string_order_is_not_the_order(upgrade):
    edge = upgrade("1.9.0", "1.10.0")  # "1.10.0" < "1.9.0" as text
    assert edge.pk is not None


def test_a_loop_on_one_version_is_refused(upgrade):
    with pytest.raises(ValidationFailed, match="to itself"):
        upgrade("2.0.0", "2.0.0")


def test_a_second_upgrade_between_the_same_versions_is_a_conflict(upgrade):
    upgrade("2.0.0", "2.1.0")
    with pytest.raises(Conflict, match=r"already an upgrade from 2\.0\.0 to 2\.1\.0"):
        upgrade("2.0.0", "2.1.0", supported=False)


def test_versions_the_scheme_counts_equal_are_refused(engineer):
    from sustain.releases.upgrades.services import create_edge

    product = make_product("Pep", versions=["1.0", "1.0.0"], scheme="pep440")
    first, second = product.versions.order_by("id")
    with pytest.raises(ValidationFailed, match="same version"):
        create_edge(actor=engineer, product=product, from_version=first, to_version=second)


def test_a_version_of_another_product_is_refused(upgrade, engineer, gizmo, v):
    from sustain.releases.upgrades.services import create_edge

    other = make_product("Widget", versions=["9.0"])
    with pytest.raises(ValidationFailed) as refused:
        create_edge(
            actor=engineer,
            product=gizmo,
            from_version=v["2.0.0"],
            to_version=other.versions.get(),
        )
    assert "to_version_id" in refused.value.errors


def test_agents_and_customers_may_not_change_the_graph(alice, bob, gizmo, v):
    from sustain.releases.upgrades.services import create_edge

    for actor in (alice, bob):
        with pytest.raises(PermissionDenied):
            create_edge(actor=actor, product=gizmo, from_version=v["1.9.0"], to_version=v["2.0.0"])


def test_unknown_article_ids_are_refused(upgrade):
    with pytest.raises(ValidationFailed) as refused:
        upgrade("2.0.0", "2.1.0", kb_article_ids=[424242])
    assert "No knowledge-base article 424242" in refused.value.errors["kb_article_ids"][0]


def test_articles_are_kept_by_id(upgrade, engineer):
    article = Article.objects.create(
        title="Upgrading to 2.x", slug="upgrading-2", owner=engineer, status="published"
    )
    edge = upgrade("1.10.0", "2.0.0", kb_article_ids=[article.pk, article.pk])
    assert edge.kb_article_ids == [article.pk]


def test_too_many_steps_are_refused(upgrade):
    with pytest.raises(ValidationFailed, match="At most 50 steps"):
        upgrade("2.0.0", "2.1.0", steps=[f"step {i}" for i in range(51)])


def test_update_changes_steps_and_support_but_never_the_versions(upgrade, engineer, v):
    edge = upgrade("2.0.0", "2.1.0")
    update_edge(actor=engineer, edge=edge, steps=["Restart"], supported=False)
    edge.refresh_from_db()
    assert (edge.steps, edge.supported) == (["Restart"], False)
    with pytest.raises(ValidationFailed) as refused:
        update_edge(actor=engineer, edge=edge, to_version=v["3.0.0"])
    assert refused.value.errors == {"to_version": ["cannot be changed"]}


def test_delete_needs_a_catalogue_manager(upgrade, engineer, alice):
    edge = upgrade("2.0.0", "2.1.0")
    with pytest.raises(PermissionDenied):
        delete_edge(actor=alice, edge=edge)
    delete_edge(actor=engineer, edge=edge)
    assert not UpgradeEdge.objects.exists()
