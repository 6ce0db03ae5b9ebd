"""iCalendar feeds of maintenance windows (RFC 5545, written with ``icalendar``): one per team
(its windows and those its members own) and one per customer organisation (the windows
affecting it).

A calendar app cannot sign in, so the feed's address carries a secret key. The key is random,
shown once when created; only its SHA-256 digest is stored (``FeedKey``), so a copy of the
database opens no feed. Each person creates their own key and may revoke it.

Instances are written out one event each, in UTC, from 30 days back to a year ahead, rather
than as one event with an RRULE: calendar apps read DST gaps and folds each their own way,
and Sustain's reading (``core.recurrence``) is the one customers were told. Each event's UID
is the window and the instance's start, so a moved window updates in place.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from icalendar import Calendar, Event

from sustain.accounts import audit
from sustain.accounts.choices import AuditAction
from sustain.accounts.models import Organisation, Team, User
from sustain.core.errors import NotFound, PermissionDenied, ValidationFailed
from sustain.core.permissions import Capability
from sustain.maintenance.models import FeedKey, MaintenanceWindow
from sustain.maintenance.selectors import entries, windows_of_organisation, windows_of_team

PAST = timedelta(days=30)
AHEAD = timedelta(days=365)
MAX_KEYS_PER_PERSON = 20


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def may_subscribe(actor: User, *, team: Team | None, organisation: Organisation | None) -> bool:
    if team is not None:
        return actor.is_staff_member and (
            actor.can(Capability.SETTINGS_READ) or team.members.filter(pk=actor.pk).exists()
        )
    if organisation is not None:
        return actor.is_staff_member or actor.organisation_id == organisation.pk
    return False


def create_feed_key(
    *, actor: User, team: Team | None = None, organisation: Organisation | None = None
) -> tuple[FeedKey, str]:
    """A new key for a team's or an organisation's feed: the row and the raw key (once)."""
    if (team is None) == (organisation is None):
        # Neither field is wrong alone: the pair is (so the problem names no field).
        raise ValidationFailed("Name a team or an organisation: one of the two.")
    if not may_subscribe(actor, team=team, organisation=organisation):
        raise PermissionDenied("You may not subscribe to this calendar.")
    if FeedKey.objects.filter(created_by=actor).count() >= MAX_KEYS_PER_PERSON:
        raise ValidationFailed.field(
            "team_id", f"At most {MAX_KEYS_PER_PERSON} calendar keys each; revoke one first."
        )
    raw = secrets.token_urlsafe(24)
    with transaction.atomic():
        row = FeedKey.objects.create(
            team=team,
            organisation=organisation,
            digest=digest_of(raw),
            prefix=raw[:8],
            created_by=actor,
        )
        audit.record(
            actor,
            AuditAction.CALENDAR_KEY_CREATED,
            row,
            audit.created(row, ["team", "organisation"]),
        )
    return row, raw


def revoke_feed_key(*, actor: User, key_id: int) -> None:
    with transaction.atomic():
        row = (
            FeedKey.objects.select_related("team", "organisation", "created_by")
            .filter(pk=key_id, created_by=actor)
            .first()
        )
        if row is None:
            raise NotFound(f"No calendar key with id {key_id}.")
        audit.record(actor, AuditAction.CALENDAR_KEY_REVOKED, row)
        row.delete()


def feed_of(raw: str) -> FeedKey | None:
    """The key's row when it opens a feed (its owner still active), marking it used."""
    if not raw or len(raw) > 100:
        return None
    row = (
        FeedKey.objects.select_related("team", "organisation", "created_by")
        .filter(digest=digest_of(raw), created_by__is_active=True)
        .first()
    )
    if row is None:
        return None
    owner = row.created_by
    if owner.is_customer and owner.organisation_id != row.organisation_id:
        return None  # moved to another organisation since
    FeedKey.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row


def windows_of(key: FeedKey) -> tuple[QuerySet[MaintenanceWindow], str, bool]:
    """The feed's windows, its name, and whether it is for staff (activities included)."""
    if key.team is not None:
        return windows_of_team(key.team), f"{key.team.name} maintenance", True
    assert key.organisation is not None
    name = f"{key.organisation.name} maintenance"
    return windows_of_organisation(key.organisation), name, False


def window_calendar(
    rows: QuerySet[MaintenanceWindow],
    *,
    name: str,
    domain: str,
    staff: bool,
    now: datetime | None = None,
) -> bytes:
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Sustain//Maintenance windows//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for entry in entries(rows, now - PAST, now + AHEAD):
        window = entry.window
        event = Event()
        event.add("uid", f"maintenance-{window.pk}-{int(entry.start.timestamp())}@{domain}")
        event.add("summary", window.title)
        event.add("dtstart", entry.start)
        event.add("dtend", entry.end)
        event.add("dtstamp", window.updated_at)
        text = window.description
        if staff and window.activities:
            text = (text + "\n\n" if text else "") + "\n".join(f"- {a}" for a in window.activities)
        if text:
            event.add("description", text)
        event.add("categories", ["maintenance"])
        calendar.add_component(event)
    return bytes(calendar.to_ical())
