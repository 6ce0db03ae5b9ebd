"""An upgrade of a product from one version to a newer one: an edge of the product's upgrade
graph.

An edge always goes up the catalogue's version order (``catalog.Version.sort_key``), which the
services check, so the graph has no cycle. Articles of the knowledge base are kept by id, not
by a foreign key: ``kb`` and ``releases`` are sibling apps and neither imports the other; the
titles and addresses come from a lookup that a higher layer registers (``articles.py``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version

MAX_STEPS = 50
STEP_MAX_LENGTH = 4000
BREAKING_MAX_LENGTH = 20000
MAX_ARTICLES = 20


class UpgradeEdge(models.Model):
    """Upgrading ``product`` from ``from_version`` to ``to_version``: the steps, in order
    (Markdown each), the breaking changes (Markdown), the articles that help, and whether the
    vendor supports this upgrade (an unsupported edge is shown, never taken by a path)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    # Indexed by the unique constraint, whose first column it is.
    from_version = models.ForeignKey(
        Version, on_delete=models.CASCADE, related_name="upgrades_from", db_index=False
    )
    to_version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="upgrades_to")
    supported = models.BooleanField(default=True)
    steps = models.JSONField(default=list, blank=True)  # list[str], in order
    breaking_changes = models.TextField(blank=True, default="")
    kb_article_ids = models.JSONField(default=list, blank=True)  # list[int], kb.Article ids
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_version", "to_version"], name="upgrade_edge_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_version=F("to_version")), name="upgrade_edge_not_a_loop"
            ),
        ]
        indexes = [
            # A product's graph: every path and the product's upgrade page read it whole.
            models.Index(fields=["product", "supported"], name="upgrade_edge_product_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_version_id} → {self.to_version_id}"
