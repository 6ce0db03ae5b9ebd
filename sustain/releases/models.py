"""Minimal product catalogue; the releases issue extends it with deployments and lifecycles."""

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
