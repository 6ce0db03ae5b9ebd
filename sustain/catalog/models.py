"""The product catalogue: products, their components and versions.

Tickets, SLA policies and knowledge-base articles refer to these, so the catalogue sits below
them (layer 2, beside accounts). What is built on versions — release lines, lifecycles,
deployments, patches, release notes — belongs to ``releases``, which sits above tickets because
it joins versions to the tickets raised on them.
"""

from django.db import models
from django.utils import timezone


class Product(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, default="")
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
    end_of_life = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["product__name", "-released_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="releases_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.name}"
