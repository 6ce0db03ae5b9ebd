"""Telling customers about maintenance: ahead of time, at the start and at the end of each
instance of a window, once each per person.

The periodic job (``sustain/schedule.py``) calls ``announce_due`` every minute. For each
planned window with an instance near now, the instance's phase decides the message: starting
within ``SUSTAIN_MAINTENANCE_NOTICE_HOURS`` (ahead), running (start), ended within the last
day (end). A phase missed while no worker ran is sent late, never a phase already past (no
"starts soon" for a window that has started). The audience is the active customers, with an
address, of the affected organisations (``selectors.affected_organisations``).

Once each per person: an ``Announcement`` row per window, instance, kind and person (unique),
written in the same transaction as the e-mail's outbox row, whose key is built from the same
four values — two workers sweeping at once write one row and one e-mail.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sustain.accounts.choices import CUSTOMER_ROLES
from sustain.accounts.models import User
from sustain.core import outbox
from sustain.core.recurrence import Occurrence
from sustain.maintenance.choices import AnnouncementKind
from sustain.maintenance.models import Announcement, MaintenanceWindow
from sustain.maintenance.selectors import affected_organisations, in_range
from sustain.maintenance.timing import spans_of

AFTER_END = timedelta(days=1)
SUBJECTS = {
    AnnouncementKind.AHEAD: "Planned maintenance: {title} on {when}",
    AnnouncementKind.START: "Maintenance has started: {title}",
    AnnouncementKind.END: "Maintenance has ended: {title}",
}


def phase(occurrence: Occurrence, now: datetime, notice: timedelta) -> str | None:
    if occurrence.start > now:
        return AnnouncementKind.AHEAD if occurrence.start - now <= notice else None
    if occurrence.end > now:
        return AnnouncementKind.START
    return AnnouncementKind.END if now - occurrence.end <= AFTER_END else None


def announce_due(now: datetime | None = None) -> int:
    """Send what is due; the number of people told."""
    now = now or timezone.now()
    notice = timedelta(hours=settings.SUSTAIN_MAINTENANCE_NOTICE_HOURS)
    start, end = now - AFTER_END, now + notice + timedelta(seconds=1)
    due: list[tuple[int, Occurrence, str]] = []
    # Thousands of recurring windows: their rules are read as values, a window is loaded only
    # when one of its instances has something to announce.
    rows = in_range(MaintenanceWindow.objects.all(), start, end).order_by("pk")
    for pk, rule, day, moment, zone, duration, exdates in rows.values_list(
        "pk", "rrule", "start_date", "start_time", "time_zone", "duration", "exdates"
    ):
        local = datetime.combine(day, moment)
        for a, b in spans_of(rule, local, zone, duration, exdates, start, end):
            occurrence = Occurrence(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC))
            kind = phase(occurrence, now, notice)
            if kind is not None:
                due.append((pk, occurrence, kind))
    windows = MaintenanceWindow.objects.in_bulk({pk for pk, _, _ in due})
    return sum(announce(windows[pk], occurrence, kind) for pk, occurrence, kind in due)


def _audience(window: MaintenanceWindow) -> list[User]:
    return list(
        User.objects.filter(
            organisation__in=affected_organisations(window),
            role__in=CUSTOMER_ROLES,
            is_active=True,
        )
        .exclude(email="")
        .order_by("pk")
    )


def announce(window: MaintenanceWindow, occurrence: Occurrence, kind: str) -> int:
    """Tell those of the audience not yet told about this instance and kind."""
    with transaction.atomic():
        told = set(
            Announcement.objects.filter(
                window=window, occurrence_start=occurrence.start, kind=kind
            ).values_list("user_id", flat=True)
        )
        people = [p for p in _audience(window) if p.pk not in told]
        if not people:
            return 0
        Announcement.objects.bulk_create(
            [
                Announcement(
                    window=window, occurrence_start=occurrence.start, kind=kind, user=person
                )
                for person in people
            ],
            ignore_conflicts=True,
        )
        outbox.record_emails([_email(window, occurrence, kind, p) for p in people])
    return len(people)


def _email(
    window: MaintenanceWindow, occurrence: Occurrence, kind: str, person: User
) -> outbox.Email:
    zone = _zone_of(person)
    start = timezone.localtime(occurrence.start, zone)
    end = timezone.localtime(occurrence.end, zone)
    when = f"{start:%a %d %b %Y, %H:%M} – {end:%H:%M %Z}"
    link = settings.SUSTAIN_BASE_URL + reverse("portal:maintenance")
    opening = {
        AnnouncementKind.AHEAD: f"Maintenance is planned for {when}.",
        AnnouncementKind.START: f"Maintenance has started; it is planned to end at {end:%H:%M %Z}.",
        AnnouncementKind.END: "The maintenance has ended.",
    }[AnnouncementKind(kind)]
    name = person.display_name
    details = f"\n\n{window.description}" if window.description else ""
    text = f"Hello {name},\n\n{window.title}: {opening}{details}\n\nUpcoming maintenance: {link}\n"
    page = (
        f"<p>Hello {html.escape(name)},</p><p><strong>{html.escape(window.title)}</strong>: "
        f"{html.escape(opening)}</p>"
        + (f"<p>{html.escape(window.description)}</p>" if window.description else "")
        + f'<p><a href="{html.escape(link)}">Upcoming maintenance</a></p>'
    )
    stamp = int(occurrence.start.timestamp())
    return outbox.Email(
        key=f"maintenance:{window.pk}:{stamp}:{kind}:to:{person.pk}",
        to=[person.email],
        subject=SUBJECTS[AnnouncementKind(kind)].format(
            title=window.title, when=f"{start:%d %b %H:%M %Z}"
        ),
        body=text,
        html_body=page,
    )


def _zone_of(person: User) -> ZoneInfo:
    try:
        return ZoneInfo(person.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
