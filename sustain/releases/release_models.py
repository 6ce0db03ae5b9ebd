"""Release records: one per version, with its notes, and the record of who was told of it.

A release fixes the tickets whose ``fixed_in_version`` is its version (``sustain.tickets``).
Publishing it freezes that list into ``ReleaseFix`` rows and tells each reporter and watcher of
those tickets once (``FixNotice``, one row per person, and one e-mail each through the outbox).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from sustain.accounts.models import User
from sustain.catalog.models import Version
from sustain.tickets.models import Ticket


class ReleaseKind(models.TextChoices):
    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"
    PATCH = "patch", "Patch"
    HOTFIX = "hotfix", "Hotfix"
    SECURITY = "security", "Security"


class ReleaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Release(models.Model):
    """The release of one version: its date, kind and notes (Markdown, and the sanitised HTML
    that pages show). Customers and the public see it only once it is published."""

    version = models.OneToOneField(Version, on_delete=models.CASCADE, related_name="release")
    kind = models.CharField(max_length=10, choices=ReleaseKind.choices, default=ReleaseKind.PATCH)
    date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")  # Markdown, as written
    notes_html = models.TextField(blank=True, default="")  # rendered and sanitised
    status = models.CharField(
        max_length=10, choices=ReleaseStatus.choices, default=ReleaseStatus.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Bumped on every change so that an edit based on a stale copy can be refused.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            # The portal's, the public page's and the feeds' lists: published, newest first.
            models.Index(fields=["status", "-published_at", "-id"], name="release_published_idx"),
        ]

    def __str__(self) -> str:
        return str(self.version)

    @property
    def is_published(self) -> bool:
        return self.status == ReleaseStatus.PUBLISHED


class ReleaseFix(models.Model):
    """A ticket a published release fixes, as the list stood when it was published: what
    "fix available" is read from, whatever happens to the ticket later."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="fixes")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="release_fixes")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "ticket"], name="releasefix_unique")
        ]
        indexes = [models.Index(fields=["ticket", "release"], name="releasefix_ticket_idx")]

    def __str__(self) -> str:
        return f"release {self.release_id} fixes ticket {self.ticket_id}"


class FixNotice(models.Model):
    """One person told that a release fixes tickets they reported or watch: at most one per
    person and release, whichever of their tickets it fixes."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # The ids of the fixed tickets the message listed (their reporter or watcher was this user).
    tickets = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["release", "user"], name="fixnotice_unique")]

    def __str__(self) -> str:
        return f"release {self.release_id} told user {self.user_id}"
