"""Update policies (one per product), deprecation notices, and the record of end-of-life
notices sent (one per organisation, release line and offset: the unique constraint is what
keeps a rerun, or two workers at once, from sending a notice twice)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product, Version
from sustain.releases.line_models import ReleaseLine
from sustain.releases.policy.choices import UpdateChannel, UpdateDelivery

NOTES_MAX_LENGTH = 2000
FEATURE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 4000


def _stable() -> list[str]:
    return [UpdateChannel.STABLE.value]


class UpdatePolicy(models.Model):
    """How a product's customers are expected to keep up.

    ``max_minor_behind``: how many minor versions (major.minor series) a deployment may be
    behind its target; ``max_days_behind``: how many days after a newer version came out a
    deployment may stay on its version. Either, both (a deployment is behind when it exceeds
    either), or neither (the policy only states channels and delivery).
    """

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, related_name="update_policy", primary_key=True
    )
    channels = models.JSONField(default=_stable)
    max_minor_behind = models.PositiveIntegerField(null=True, blank=True)
    max_days_behind = models.PositiveIntegerField(null=True, blank=True)
    delivery = models.CharField(
        max_length=20, choices=UpdateDelivery.choices, default=UpdateDelivery.SELF_SERVICE
    )
    delivery_notes = models.TextField(max_length=NOTES_MAX_LENGTH, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "update policies"

    def __str__(self) -> str:
        return f"Update policy of {self.product_id}"


class Deprecation(models.Model):
    """A deprecation notice: of one version (``version`` set) or of a feature of the product
    (``feature`` set), with its dates and text. A feature's notice concerns the deployments of
    versions before ``removed_in`` (all of the product's, when that is not stated)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="deprecations")
    version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.CASCADE, related_name="deprecations"
    )
    feature = models.CharField(max_length=FEATURE_MAX_LENGTH, blank=True, default="")
    announced_on = models.DateField()
    deprecated_from = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deprecated_on = models.DateField(null=True, blank=True)
    removed_in = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_on = models.DateField(null=True, blank=True)
    text = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True, default="")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-announced_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(version__isnull=False) & Q(feature=""))
                | (Q(version__isnull=True) & ~Q(feature="")),
                name="releases_deprecation_version_or_feature",
            )
        ]
        indexes = [models.Index(fields=["product", "announced_on"], name="releases_deprec_idx")]

    def __str__(self) -> str:
        return self.feature or f"version {self.version_id}"


class EolNotice(models.Model):
    """An end-of-life notice sent: to the customer admins of ``organisation``, about
    ``line``, ``offset_days`` ahead of its end of life (``eol_on``, as it stood then)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    line = models.ForeignKey(ReleaseLine, on_delete=models.CASCADE, related_name="+")
    offset_days = models.PositiveIntegerField()
    eol_on = models.DateField()
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "line", "offset_days"], name="releases_eol_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: line {self.line_id}, {self.offset_days} days"
