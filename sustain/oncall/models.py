"""Rotations (the layers of a team's on-call schedule), overrides, shift swaps, handover
notices, calendar feeds and each team's capacity. The computation is ``shifts.py``."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from sustain.accounts.models import Team, User
from sustain.oncall.choices import Handover, NoticeRole, Restriction, SwapStatus

NAME_MAX_LENGTH = 100
REASON_MAX_LENGTH = 500


class Rotation(models.Model):
    """One layer of a team's schedule: members in turn, handing over at a local time."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rotations")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    time_zone = models.CharField(max_length=64, default="UTC")
    handover = models.CharField(max_length=20, choices=Handover.choices, default=Handover.WEEKLY)
    # N of "every N days / hours"; 1 for daily and weekly.
    every = models.PositiveSmallIntegerField(default=1)
    handover_time = models.TimeField()
    # The first shift starts at handover_time on this local date.
    start_date = models.DateField()
    # Higher layers win where they have somebody.
    layer = models.PositiveSmallIntegerField(default=0)
    restriction = models.CharField(
        max_length=20, choices=Restriction.choices, default=Restriction.ALWAYS
    )
    # For a custom restriction: [[weekday, start minute, end minute], ...] in the time zone.
    windows = models.JSONField(default=list, blank=True)
    members = models.ManyToManyField(User, through="RotationMember", related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "-layer", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="oncall_rotation_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.team_id}: {self.name}"


class RotationMember(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="turns")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rotation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "position"], name="oncall_member_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rotation_id} #{self.position}: {self.user_id}"


class ShiftSwap(models.Model):
    """Two people exchange shifts: ``requester`` gives up ``[give_start, give_end)`` to
    ``partner`` and takes ``[take_start, take_end)`` from them (or nothing, for a plain cover).
    Accepted, it becomes two overrides naming who agreed."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    requester = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    give_start = models.DateTimeField()
    give_end = models.DateTimeField()
    take_start = models.DateTimeField(null=True, blank=True)
    take_end = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=REASON_MAX_LENGTH, blank=True, default="")
    status = models.CharField(
        max_length=12, choices=SwapStatus.choices, default=SwapStatus.REQUESTED
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "status"], name="oncall_swap_partner_idx")]

    def __str__(self) -> str:
        return f"Swap {self.pk}: {self.requester_id} ↔ {self.partner_id} ({self.status})"


class Override(models.Model):
    """``user`` is on call for ``team`` in ``[starts_at, ends_at)``, whatever the rotations
    say; the newer of two overlapping overrides wins."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="oncall_overrides")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True, default="")
    # Who would have been on call (as the schedule stood when the override was made).
    replaces = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    swap = models.ForeignKey(
        ShiftSwap, null=True, blank=True, on_delete=models.CASCADE, related_name="overrides"
    )
    # For a swap: the person who agreed to it (the partner, or the lead who recorded it).
    agreed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="oncall_override_positive"
            )
        ]
        indexes = [models.Index(fields=["team", "ends_at"], name="oncall_override_team_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} covers {self.team_id} {self.starts_at:%Y-%m-%d %H:%M}"


class HandoverNotice(models.Model):
    """One handover told to one person (incoming or outgoing): recorded once, with its e-mail
    in the outbox in the same transaction, so a rerun of the job tells nobody twice."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    handover_at = models.DateTimeField()
    role = models.CharField(max_length=10, choices=NoticeRole.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user", "handover_at", "role"], name="oncall_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.user_id} at {self.handover_at:%Y-%m-%d %H:%M}"


class CalendarFeed(models.Model):
    """The secret address of an iCalendar feed: a person's shifts or a team's schedule. Only
    a SHA-256 digest of the key is stored; the address is shown once."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=True) ^ Q(team__isnull=True), name="oncall_feed_one_owner"
            )
        ]

    def __str__(self) -> str:
        # Never the prefix: it is a piece of the key (this is what the audit log shows).
        owner = f"team {self.team_id}" if self.team_id else f"user {self.user_id}"
        return f"Calendar address {self.pk} ({owner})"


class TeamCapacity(models.Model):
    """How many hours a week each member of a team can give to planned work."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="capacity")
    hours_per_member_week = models.PositiveSmallIntegerField(default=40)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.team_id}: {self.hours_per_member_week} h/member/week"
