"""Maintenance windows, freeze periods, the announcements sent about them, calendar feed keys.

A window's start is a local wall time in its own zone (a date and a time, not an instant): a
weekly window at 02:00 Europe/Berlin stays at 02:00 across DST, and ``core.recurrence`` turns
each local start into an instant the RFC 5545 way. ``first_start`` and ``last_end`` are those
instants for the first instance and the end of the last (None: the rule never ends), kept so
that a query narrows the windows of a range on an index before any rule is expanded.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone

from sustain.accounts.models import Organisation, Team, User
from sustain.catalog.models import Component, Product
from sustain.maintenance.choices import AnnouncementKind, WindowStatus

TITLE_MAX_LENGTH = 200
ACTIVITY_MAX_LENGTH = 300
MAX_ACTIVITIES = 50


class MaintenanceWindow(models.Model):
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=20, choices=WindowStatus.choices, default=WindowStatus.ACTIVE
    )
    time_zone = models.CharField(max_length=64)
    start_date = models.DateField()
    start_time = models.TimeField()
    # RFC 5545 texts: "PT2H", "P1D"; "FREQ=WEEKLY;BYDAY=SU" (empty: a one-off window).
    duration = models.CharField(max_length=40)
    rrule = models.CharField(max_length=500, blank=True, default="")
    # Local starts ("2026-12-24T02:00") of instances left out.
    exdates = models.JSONField(default=list, blank=True)
    first_start = models.DateTimeField()
    last_end = models.DateTimeField(null=True, blank=True)
    # The planned activities, a checklist of short texts in order.
    activities = models.JSONField(default=list, blank=True)
    products = models.ManyToManyField(Product, blank=True, related_name="+")
    components = models.ManyToManyField(Component, blank=True, related_name="+")
    # Customers told and shown; none named: the organisations that deploy an affected product.
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="+")
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    adhoc = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["first_start", "id"]
        indexes = [
            # The windows of a range (calendar, in_maintenance, announcements).
            models.Index(fields=["status", "first_start"], name="mwindow_status_start_idx"),
            models.Index(fields=["status", "last_end"], name="mwindow_status_end_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def start_local(self) -> datetime:
        return datetime.combine(self.start_date, self.start_time)

    @property
    def recurring(self) -> bool:
        return bool(self.rrule)


class FreezePeriod(models.Model):
    """A time in which no maintenance should happen (a release freeze, a customer's busy
    season) — for the products named, or for everything when none is."""

    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    reason = models.TextField(blank=True, default="")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    products = models.ManyToManyField(Product, blank=True, related_name="+")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="freeze_ends_after"
            )
        ]
        indexes = [models.Index(fields=["ends_at"], name="freeze_end_idx")]

    def __str__(self) -> str:
        return self.title


class Announcement(models.Model):
    """One person told about one instance of a window, once per kind (ahead, start, end)."""

    window = models.ForeignKey(
        MaintenanceWindow, on_delete=models.CASCADE, related_name="announcements"
    )
    occurrence_start = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=AnnouncementKind.choices)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["window", "occurrence_start", "kind", "user"],
                name="announcement_once_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.window_id} {self.kind} → {self.user_id}"


class FeedKey(models.Model):
    """A secret in the address of a team's or an organisation's calendar feed (a calendar app
    cannot sign in). Only its SHA-256 digest is kept; the key is shown once."""

    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(team__isnull=False, organisation__isnull=True)
                    | models.Q(team__isnull=True, organisation__isnull=False)
                ),
                name="feedkey_team_or_organisation",
            )
        ]

    def __str__(self) -> str:
        # The audit log's label: whose calendar, not the prefix (a piece of the key).
        owner = self.team or self.organisation
        return f"calendar of {owner} (key of {self.created_by.email})"
