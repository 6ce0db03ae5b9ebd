"""Dated away periods (holiday, leave): who may record them, and who is away at an instant.

Everybody records their own; leads and administrators (``oncall.manage``, who plan the
schedules, or ``people.manage``) record them for anyone on the staff. Automatic assignment
reads the periods in its own statements (``tickets/assignment.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from django.utils import timezone

from sustain.accounts.models import AwayPeriod, User
from sustain.core.errors import NotFound, PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability

REASON_MAX_LENGTH = 200
MAX_LENGTH = timedelta(days=366)


def may_record_for(actor: User, user: User) -> bool:
    if not (actor.is_active and actor.is_staff_member):
        return False
    if actor.pk == user.pk:
        return True
    return actor.can(Capability.ONCALL_MANAGE) or actor.can(Capability.PEOPLE_MANAGE)


def add_away_period(
    *, actor: User, user: User, starts_at: datetime, ends_at: datetime, reason: str = ""
) -> AwayPeriod:
    if not may_record_for(actor, user):
        raise PermissionDenied("You may record only your own away periods.")
    if not user.is_staff_member:
        raise ValidationFailed.field("user_id", "Only staff have away periods.")
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if timezone.is_naive(value):
            raise ValidationFailed.field(name, "Give a time zone (or UTC).")
    if ends_at <= starts_at:
        raise ValidationFailed.field("ends_at", "Must be after the start.")
    if ends_at - starts_at > MAX_LENGTH:
        raise ValidationFailed.field("ends_at", "At most a year after the start.")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed.field("reason", f"At most {REASON_MAX_LENGTH} characters.")
    return AwayPeriod.objects.create(
        user=user, starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=actor
    )


def delete_away_period(*, actor: User, period_id: int) -> None:
    period = AwayPeriod.objects.select_related("user").filter(pk=period_id).first()
    if period is None or not (actor.is_active and actor.is_staff_member):
        raise NotFound(f"No away period with id {period_id}.")
    if not may_record_for(actor, period.user):
        raise PermissionDenied("You may remove only your own away periods.")
    period.delete()


def away_at(user_ids: Collection[int], at: datetime) -> set[int]:
    """Which of ``user_ids`` are away at ``at``: marked away, or inside an away period."""
    marked = User.objects.filter(pk__in=list(user_ids), is_away=True).values_list("pk", flat=True)
    dated = AwayPeriod.objects.filter(
        user_id__in=list(user_ids), starts_at__lte=at, ends_at__gt=at
    ).values_list("user_id", flat=True)
    return set(marked) | set(dated)
