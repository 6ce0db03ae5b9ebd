"""Deployments: the current state (one row per organisation × product × environment) and its
history (one row per change, never changed afterwards), plus the signed webhooks CI/CD
pipelines report deployments through.

Current state and history are separate tables rather than "the latest history row": the
questions asked in seconds ("who runs 4.2 in production?", the matrix of 10,000
organisations) read one small indexed table, and the history grows beside it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product, Version
from sustain.core.models import AppendOnly
from sustain.releases.deployments.choices import DeploymentChangeKind, DeploymentChannel

ENVIRONMENT_MAX_LENGTH = 40
NOTE_MAX_LENGTH = 500


class Deployment(models.Model):
    """What ``organisation`` runs of ``product`` in ``environment`` now."""

    # Indexed by the unique constraint, whose first column it is.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="deployments", db_index=False
    )
    # The version's product, kept on the row so that "one version per product and
    # environment" is a constraint of the database.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    environment = models.CharField(max_length=ENVIRONMENT_MAX_LENGTH, default="production")
    # A version somebody runs cannot be deleted from the catalogue.
    version = models.ForeignKey(
        Version, on_delete=models.PROTECT, related_name="deployments", db_index=False
    )
    since = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=20, choices=DeploymentChannel.choices)
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True, default="")

    class Meta:
        # Lists choose their own order; the default adds no joins to the queries that need none.
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "product", "environment"], name="deployment_current_unique"
            )
        ]
        indexes = [
            # Who runs this version (in this environment): the matrix's columns, the API filter.
            models.Index(fields=["version", "environment"], name="deployment_version_idx"),
            # A product's deployments in an environment: the matrix's rows.
            models.Index(fields=["product", "environment"], name="deployment_product_env_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.version_id} ({self.environment})"


class DeploymentHook(models.Model):
    """A webhook secret a CI/CD pipeline signs its deployment reports with (Standard Webhooks:
    HMAC-SHA256 over id, timestamp and body). The secret is needed to check a signature, so it
    is kept encrypted (``webhooks.seal``), not hashed; it is shown once, when created.

    ``organisation`` set: the hook reports only that organisation's deployments (a customer's
    own pipeline). Unset: any organisation, named in each report (the vendor's pipeline).
    ``product`` set: only that product's versions.
    """

    name = models.CharField(max_length=100)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deployment_hooks",
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sealed_secret = models.TextField()
    # The first characters of the secret, so people can tell their hooks apart.
    prefix = models.CharField(max_length=16)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class DeploymentChange(AppendOnly):
    """One change of a deployment: set, upgraded, downgraded or removed; by whom, when,
    through which channel, with a note. Never changed or deleted afterwards.

    Versions are kept by reference and by name: a version deleted from the catalogue later
    leaves its name in the history.
    """

    RECORD_NAME = "Deployment history"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="deployment_changes", db_index=False
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    environment = models.CharField(max_length=ENVIRONMENT_MAX_LENGTH)
    kind = models.CharField(max_length=20, choices=DeploymentChangeKind.choices)
    from_version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_name = models.CharField(max_length=100, blank=True, default="")
    to_version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_name = models.CharField(max_length=100, blank=True, default="")
    actor = models.ForeignKey(
        # NULL: a webhook, an operator's command, or a person deleted since.
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(max_length=20, choices=DeploymentChannel.choices)
    hook = models.ForeignKey(
        DeploymentHook, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The webhook's delivery id (``webhook-id``), for tracing a pipeline's report.
    delivery_id = models.CharField(max_length=200, blank=True, default="")
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # An organisation's history, newest first (a backward scan).
            models.Index(
                fields=["organisation", "created_at", "id"], name="deployment_change_org_idx"
            ),
            # A product's history (what moved to 4.2 this week).
            models.Index(fields=["product", "created_at"], name="deployment_change_product_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_name or '—'} → {self.to_name or '—'}"


class HookDelivery(models.Model):
    """A delivery a hook has acted on, by its ``webhook-id``: a delivery sent again (a retry,
    or a replay inside the signature's time window) is answered from here and changes nothing.
    Kept for ``RETENTION`` (``webhooks.prune_deliveries``), far beyond the five minutes after
    which a signature is refused as stale."""

    hook = models.ForeignKey(DeploymentHook, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    change = models.ForeignKey(
        DeploymentChange, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the delivery asked, as it was answered (for the answer to a repeat).
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hook", "delivery_id"], name="hook_delivery_unique")
        ]

    def __str__(self) -> str:
        return f"{self.hook_id}: {self.delivery_id}"
