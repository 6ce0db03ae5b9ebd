"""Changing a product's upgrade graph: add, change and delete upgrades (edges).

Who may: those who change the catalogue (``catalog.manage``: engineers, leads,
administrators). The rules of an edge:

- both versions belong to the product;
- it goes from an older version to a newer one by the catalogue's order (the scheme's
  ``sort_key``, never the names' string order): so no edge goes back, none loops on one
  version, and the graph has no cycle — an edge back is refused naming both versions;
- one edge per pair of versions (a second one is a conflict);
- the steps are an ordered list of Markdown texts; the articles are ids of knowledge-base
  articles the acting person can read (checked through ``articles.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.catalog.services import require_manager
from sustain.core.errors import Conflict, ValidationFailed
from sustain.core.permissions import Actor
from sustain.releases.upgrades import articles
from sustain.releases.upgrades.models import (
    BREAKING_MAX_LENGTH,
    MAX_ARTICLES,
    MAX_STEPS,
    STEP_MAX_LENGTH,
    UpgradeEdge,
)

_EDITABLE = frozenset({"steps", "breaking_changes", "kb_article_ids", "supported"})


def create_edge(
    *,
    actor: Actor,
    product: Product,
    from_version: Version,
    to_version: Version,
    steps: Iterable[str] = (),
    breaking_changes: str = "",
    kb_article_ids: Iterable[int] = (),
    supported: bool = True,
) -> UpgradeEdge:
    require_manager(actor)
    check_direction(product, from_version, to_version)
    edge = UpgradeEdge(
        product=product,
        from_version=from_version,
        to_version=to_version,
        supported=supported,
        steps=clean_steps(steps),
        breaking_changes=_clean_breaking(breaking_changes),
        kb_article_ids=_clean_articles(actor, kb_article_ids),
        created_by=actor if isinstance(actor, User) else None,
    )
    try:
        with transaction.atomic():
            edge.save()
    except IntegrityError:
        raise _duplicate(from_version, to_version) from None
    return edge


def update_edge(*, actor: Actor, edge: UpgradeEdge, **changes: Any) -> UpgradeEdge:
    """Change the steps, breaking changes, articles or support of an edge. Its versions stay:
    an upgrade between other versions is another edge."""
    require_manager(actor)
    unknown = set(changes) - _EDITABLE
    if unknown:
        listed = ", ".join(sorted(unknown))
        raise ValidationFailed(
            f"An upgrade's versions do not change; delete it and add another ({listed}).",
            errors={name: ["cannot be changed"] for name in sorted(unknown)},
        )
    if "steps" in changes:
        edge.steps = clean_steps(changes["steps"])
    if "breaking_changes" in changes:
        edge.breaking_changes = _clean_breaking(changes["breaking_changes"])
    if "kb_article_ids" in changes:
        edge.kb_article_ids = _clean_articles(actor, changes["kb_article_ids"])
    if "supported" in changes:
        edge.supported = bool(changes["supported"])
    edge.updated_at = timezone.now()
    edge.save()
    return edge


def delete_edge(*, actor: Actor, edge: UpgradeEdge) -> None:
    require_manager(actor)
    edge.delete()


# --- the rules --------------------------------------------------------------------------------
def check_direction(product: Product, from_version: Version, to_version: Version) -> None:
    """Refuse an edge that is not an upgrade of ``product`` up its version order."""
    for field, version in (("from_version_id", from_version), ("to_version_id", to_version)):
        if version.product_id != product.pk:
            raise ValidationFailed.field(
                field, f"Version {version.name} is not a version of {product.name}."
            )
    if from_version.pk == to_version.pk:
        raise ValidationFailed.field(
            "to_version_id",
            f"An upgrade goes from one version to another; {to_version.name} to itself is not one.",
        )
    if to_version.sort_key == from_version.sort_key:
        raise ValidationFailed.field(
            "to_version_id",
            f"{product.name}'s version scheme counts {from_version.name} and {to_version.name} "
            "as the same version; an upgrade goes to a newer one.",
        )
    if to_version.sort_key < from_version.sort_key:
        raise ValidationFailed.field(
            "to_version_id",
            f"An upgrade goes from an older version to a newer one: {to_version.name} comes "
            f"before {from_version.name} in {product.name}'s version order, so this edge would "
            f"go backwards (and an upgrade path could go round in a cycle). Add "
            f"{to_version.name} → {from_version.name} instead if that is the upgrade.",
        )


def clean_steps(steps: Iterable[str]) -> list[str]:
    cleaned = [str(step).strip() for step in steps]
    cleaned = [step for step in cleaned if step]
    if len(cleaned) > MAX_STEPS:
        raise ValidationFailed.field("steps", f"At most {MAX_STEPS} steps.")
    for number, step in enumerate(cleaned, 1):
        if len(step) > STEP_MAX_LENGTH:
            raise ValidationFailed.field(
                "steps", f"Step {number} is longer than {STEP_MAX_LENGTH} characters."
            )
    return cleaned


def _clean_breaking(text: str) -> str:
    text = text.strip()
    if len(text) > BREAKING_MAX_LENGTH:
        raise ValidationFailed.field(
            "breaking_changes", f"At most {BREAKING_MAX_LENGTH} characters."
        )
    return text


def _clean_articles(actor: Actor, ids: Iterable[int]) -> list[int]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if any(i <= 0 for i in wanted):
        raise ValidationFailed.field("kb_article_ids", "Article ids are positive numbers.")
    if len(wanted) > MAX_ARTICLES:
        raise ValidationFailed.field("kb_article_ids", f"At most {MAX_ARTICLES} articles.")
    if wanted and articles.has_lookup():
        found = articles.article_links(actor, wanted)
        missing = [str(i) for i in wanted if i not in found]
        if missing:
            raise ValidationFailed.field(
                "kb_article_ids", f"No knowledge-base article {', '.join(missing)}."
            )
    return wanted


def _duplicate(from_version: Version, to_version: Version) -> Conflict:
    return Conflict(
        f"There is already an upgrade from {from_version.name} to {to_version.name}; "
        "change that one.",
        errors={"to_version_id": ["already an upgrade between these versions"]},
    )
