"""iCalendar feeds of on-call shifts (RFC 5545, written with ``icalendar``): a person's shifts
across their teams, or a team's whole schedule.

A calendar app cannot sign in, so a feed's address carries a secret key. Unlike the product
lifecycle feed (``releases/ical.py``, a key derived from the site's secret: public dates), a
schedule names people, so each key is random, belongs to the person who made it, can be
revoked, and only its SHA-256 digest is stored (the address is shown once, like an API
token). Making a new address revokes the previous one of the same person and target. A feed
answers only while its maker is active staff.

Each event's UID names the team, the start and the person, so a subscribed calendar updates
rather than duplicates a shift whose end moves.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from sustain.accounts import audit
from sustain.accounts.choices import AuditAction
from sustain.accounts.models import Team, User
from sustain.core.errors import NotFound
from sustain.oncall.models import CalendarFeed
from sustain.oncall.selectors import plan_of, require_view

PAST = timedelta(days=30)
AHEAD = timedelta(days=90)


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    key: str  # shown once


def create_feed(*, actor: User, team: Team | None = None) -> NewFeed:
    """A new secret address for ``actor``'s own shifts, or for ``team``'s schedule."""
    require_view(actor)
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        mine = CalendarFeed.objects.filter(created_by=actor, revoked_at__isnull=True)
        mine = mine.filter(user=actor) if team is None else mine.filter(team=team)
        for old in mine:
            _revoke(actor, old)
        feed = CalendarFeed.objects.create(
            user=None if team else actor,
            team=team,
            digest=digest_of(key),
            prefix=key[:8],
            created_by=actor,
        )
        target = {"team": team.name} if team else {"user": actor.email}
        audit.record(actor, AuditAction.CALENDAR_FEED_CREATED, feed, target)
    return NewFeed(feed, key)


def _revoke(actor: User, feed: CalendarFeed) -> None:
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    audit.record(actor, AuditAction.CALENDAR_FEED_REVOKED, feed, {})


def revoke_feed(*, actor: User, feed_id: int) -> None:
    with transaction.atomic():
        feed = (
            CalendarFeed.objects.select_for_update()
            .filter(pk=feed_id, created_by=actor, revoked_at__isnull=True)
            .first()
        )
        if feed is None:
            raise NotFound(f"No calendar address {feed_id} of yours.")
        _revoke(actor, feed)


def feed_for_key(key: str) -> CalendarFeed:
    """The live feed that ``key`` opens (NotFound otherwise: no hint which part was wrong)."""
    feed = (
        CalendarFeed.objects.select_related("user", "team", "created_by")
        .filter(digest=digest_of(key), revoked_at__isnull=True)
        .first()
    )
    maker = feed.created_by if feed else None
    if feed is None or maker is None or not (maker.is_active and maker.is_staff_member):
        raise NotFound("No such calendar.")
    return feed


def feed_calendar(feed: CalendarFeed, *, domain: str, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    start, end = now - PAST, now + AHEAD
    if feed.team is not None:
        teams = [feed.team]
        name = f"On call: {feed.team.name}"
    else:
        assert feed.user is not None
        teams = list(feed.user.teams.order_by("name"))
        name = f"On call: {feed.user.display_name}"
    plan = plan_of([t.pk for t in teams], start, end)
    calendar = Calendar()
    calendar.add("prodid", "-//Sustain//On call//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    users: dict[int, User] = {}
    for team in teams:
        for piece in plan.schedule(team.pk, start, end):
            if feed.user is not None and piece.user_id != feed.user.pk:
                continue
            if piece.user_id not in users:
                users |= User.objects.in_bulk([piece.user_id])
            person = users.get(piece.user_id)
            who = person.display_name if person else "?"
            event = Event()
            begins = piece.start.astimezone(UTC)
            event.add("uid", f"oncall-{team.pk}-{begins:%Y%m%dT%H%M%SZ}-{piece.user_id}@{domain}")
            event.add("summary", f"On call: {team.name}" if feed.user else f"{who} on call")
            event.add("description", f"{who}, {team.name} ({piece.label})")
            event.add("dtstart", piece.start)
            event.add("dtend", piece.end)
            event.add("dtstamp", now)
            event.add("transp", "OPAQUE" if feed.user else "TRANSPARENT")
            event.add("categories", ["on-call", team.name])
            calendar.add_component(event)
    return bytes(calendar.to_ical())
