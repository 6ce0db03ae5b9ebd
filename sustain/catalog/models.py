"""The product catalogue: products, their components and versions.

Tickets, SLA policies and knowledge-base articles refer to these, so the catalogue sits below
them (layer 2, beside accounts). What is built on versions — release lines, lifecycles,
deployments, patches, release notes — belongs to ``releases``, which sits above tickets because
it joins versions to the tickets raised on them.
"""

from django.db import models
from django.utils import timezone

from sustain.catalog.choices import VersionScheme


class Product(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, default="")
    # How its version names are read and ordered; changed only through
    # ``services.update_product``, which re-keys the versions.
    version_scheme = models.CharField(
        max_length=16, choices=VersionScheme.choices, default=VersionScheme.PEP440
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Component(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="components")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["product__name", "name"]
        constraints = [
            # Named when the catalogue lived in ``releases``; a constraint's name is only a name.
            models.UniqueConstraint(fields=["product", "name"], name="releases_component_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product.name} / {self.name}"


class Version(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    name = models.CharField(max_length=100)
    released_on = models.DateField(null=True, blank=True)
    # After this day the version is no longer supported: articles about it need a review.
    # Kept by ``releases`` from the lifecycle of the release lines that hold the version
    # (``releases/lifecycle_sync.py``); set by hand where no line holds it.
    end_of_life = models.DateField(null=True, blank=True)
    # The product's order of its versions (``versioning.sort_key``), written by the services on
    # create, rename, move and scheme change; read through ``selectors.ordered_versions``.
    sort_key = models.CharField(max_length=512, default="", editable=False)
    # The manual order of a free-form product (gaps left for moves); unused by other schemes.
    position = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["product__name", "-released_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="releases_version_unique")
        ]
        indexes = [
            # ``ordered_versions(product)``: a product's versions in order, from the index alone.
            models.Index(fields=["product", "sort_key", "id"], name="catalog_version_order"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.name}"
