from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A side effect (e-mail, webhook…) written in the transaction of the change that causes it.

    The worker claims a row with a conditional UPDATE, delivers it, and marks it sent; a row
    whose worker died is claimed again once its lease runs out. The idempotency key is unique,
    so recording the same effect twice keeps one row, and it travels with the delivery
    (as the e-mail's Message-ID) so that a receiver can drop a repeat.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        DEAD = "dead", "Gave up"

    kind = models.CharField(max_length=30)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # The Message-ID of an e-mail, so that a reply to it finds its way back (sustain.mail).
    message_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "available_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key} ({self.state})"


class AppendOnly(models.Model):
    """A record written once and never changed or deleted through the ORM (the audit log, a
    deployment's history): what happened stays as it was recorded. ``RECORD_NAME`` names the
    records in the refusal."""

    RECORD_NAME: ClassVar[str] = "These records"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{self.RECORD_NAME} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.RECORD_NAME} cannot be deleted.")
