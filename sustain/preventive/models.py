"""Preventive maintenance: schedules that open maintenance tickets, and what became of each
occurrence. The rules are in ``services``, ``sweep`` and ``completion``."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product
from sustain.preventive.choices import Mode, Outcome
from sustain.tickets.choices import Priority
from sustain.tickets.models import Ticket

SKIP_REASON_MAX_LENGTH = 500


class Schedule(models.Model):
    """Routine work that opens a maintenance ticket (kind maintenance task, type preventive)
    ``lead_time`` before each occurrence is due.

    ``next_due`` is the occurrence the sweep opens next; ``next_open_at`` is when (``next_due``
    minus the lead time), NULL while nothing is to be opened (paused, a rule that ended, or
    waiting for the completion of the open occurrence in "after completion" mode). The sweep
    finds its work by ``next_open_at`` alone and claims each occurrence with a conditional
    UPDATE on ``next_due`` (``sweep.open_occurrence``)."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    active = models.BooleanField(default=True)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.CALENDAR)
    # Calendar mode: an RFC 5545 RRULE from the local start in the schedule's time zone.
    rrule = models.CharField(max_length=500, blank=True, default="")
    # The first occurrence, as a local wall time in ``time_zone`` (both modes: in "after
    # completion" mode the first due, and the time of day every later one is due at).
    start_date = models.DateField()
    start_time = models.TimeField()
    time_zone = models.CharField(max_length=64, default="UTC")
    interval_days = models.PositiveIntegerField(null=True, blank=True)
    lead_time = models.DurationField(default=timedelta(0))

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    component = models.ForeignKey(
        Component, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.P3)
    # [{"text": "...", "mandatory": true}, ...]: copied onto each ticket.
    checklist = models.JSONField(default=list, blank=True)
    # The person the tickets are opened as (their requester): who created the schedule.
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    next_due = models.DateTimeField(null=True, blank=True)
    next_open_at = models.DateTimeField(null=True, blank=True)
    # Why the sweep could not open the last occurrence (it tries again at the next sweep).
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # The sweep's only read: the schedules whose next ticket is due to open.
            models.Index(
                fields=["next_open_at"],
                name="preventive_next_open_idx",
                condition=models.Q(next_open_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Occurrence(models.Model):
    """One occurrence of a schedule: opened as a ticket, then done on time or late, or
    skipped with a reason. At most one row per schedule and due instant."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="occurrences")
    due_at = models.DateTimeField()
    ticket = models.OneToOneField(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    opened_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # When the missed occurrence was escalated (once: the sweep claims this column).
    escalated_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=SKIP_REASON_MAX_LENGTH, blank=True, default="")
    skipped_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "due_at"], name="preventive_occurrence_once"
            ),
        ]
        indexes = [
            # The sweep's second read: open occurrences past due, not yet escalated.
            models.Index(
                fields=["due_at"],
                name="preventive_missed_idx",
                condition=models.Q(outcome="open", escalated_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} due {self.due_at:%Y-%m-%d %H:%M}"
