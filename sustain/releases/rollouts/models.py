"""A rollout and its transitions.

The deployment a rollout moves is named by its parts (organisation, product, environment) and
not by the ``Deployment`` row: a first installation has no row yet, and a row is deleted when
the organisation stops running the product, while the rollout's record stays.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from sustain.accounts.models import Organisation, User
from sustain.catalog.models import Product, Version
from sustain.releases.deployments.models import ENVIRONMENT_MAX_LENGTH, DeploymentChange
from sustain.releases.rollouts.choices import RolloutChannel, RolloutStatus
from sustain.tickets.models import Ticket

NOTE_MAX_LENGTH = 1000


class Rollout(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="rollouts", db_index=False
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    environment = models.CharField(max_length=ENVIRONMENT_MAX_LENGTH)
    # A version with a rollout cannot leave the catalogue: the record would lose its point.
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="rollouts")
    # What ran there when the rollout was planned, and again when it started (by name too:
    # the version may leave the catalogue later). Empty for a first installation.
    from_version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_name = models.CharField(max_length=100, blank=True, default="")
    change_ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="rollouts")
    status = models.CharField(
        max_length=20, choices=RolloutStatus.choices, default=RolloutStatus.PLANNED
    )
    planned_start = models.DateTimeField()
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True, default="")
    planned_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When it became done, rolled back or cancelled, and by whom.
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The deployment history entry a done rollout wrote (None when that version already ran).
    deployment_change = models.ForeignKey(
        DeploymentChange, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-planned_start", "-id"]
        constraints = [
            # One rollout at a time moves a deployment.
            models.UniqueConstraint(
                fields=["organisation", "product", "environment"],
                condition=models.Q(status=RolloutStatus.IN_PROGRESS),
                name="rollout_one_in_progress",
            )
        ]
        indexes = [
            # An organisation's rollouts (its page, the portal), newest plan first.
            models.Index(fields=["organisation", "-planned_start"], name="rollout_org_idx"),
            # The list filtered by status, and the change failure rate's finished rollouts.
            models.Index(fields=["status", "-planned_start"], name="rollout_status_idx"),
            models.Index(fields=["finished_at", "status"], name="rollout_finished_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"Rollout {self.pk}: {self.version_id} to {self.organisation_id} ({self.environment})"
        )


class RolloutEvent(models.Model):
    """One transition of a rollout (planned counts as the first): who, when, through which
    channel, with a note. Never changed or deleted afterwards."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True, default="")
    to_status = models.CharField(max_length=20, choices=RolloutStatus.choices)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=RolloutChannel.choices)
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.rollout_id}: {self.from_status or '—'} → {self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Rollout history cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Rollout history cannot be deleted.")
