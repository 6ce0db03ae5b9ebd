from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class Backup(models.Model):
    """One backup run and what became of its archive (verification, retention)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        DELETED = "deleted", "Deleted by retention"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Back up now"
        COMMAND = "command", "Command line"

    class Verification(models.TextChoices):
        PENDING = "pending", "Not verified yet"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    # No database constraint: a restore with --force replaces every user, and the history of
    # this installation must survive that (the restore clears this column instead).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    # One scheduled run per day: a second worker that starts the same job finds the slot taken.
    slot = models.CharField(max_length=40, unique=True, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Empty storage: a path on this machine; otherwise a key of settings.STORAGES.
    storage = models.CharField(max_length=50, blank=True, default="")
    location = models.CharField(max_length=500, blank=True, default="")
    encrypted = models.BooleanField(default=False)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    rows = models.PositiveBigIntegerField(null=True, blank=True)
    files = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    verification = models.CharField(
        max_length=10, choices=Verification.choices, default=Verification.PENDING
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_detail = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="backup_status_idx")]

    def __str__(self) -> str:
        return f"backup {self.pk} ({self.status})"

    @property
    def duration(self) -> timedelta | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at
