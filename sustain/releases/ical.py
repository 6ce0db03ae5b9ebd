"""iCalendar feeds of lifecycle dates (RFC 5545, written with ``icalendar``).

``lifecycle_calendar`` takes any set of release lines — one product's for the product feed; a
customer's deployed lines for a per-customer feed — and gives one all-day event per dated
milestone: release, LTS, end of active support, end of life, end of extended support,
discontinued. Each event's UID is stable (the line's id and the milestone), so a calendar
app that subscribes to the feed updates an event when its date moves rather than adding a
second one.

The product feed's address carries a key derived from the site's secret and the product, so
a calendar app (which cannot sign in) can subscribe to it; anyone signed in reads it without.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.core import signing
from django.utils.crypto import constant_time_compare
from icalendar import Calendar, Event

from sustain.releases.lifecycle import milestone
from sustain.releases.line_models import ReleaseLine

_SALT = "sustain.releases.lifecycle-ics"
MILESTONE_TITLES = {
    "lts": "becomes LTS",
    "eoas": "end of active support",
    "eol": "end of life",
    "eoes": "end of extended support",
    "discontinued": "discontinued",
}


def feed_key(product_id: int) -> str:
    """The key that opens a product's feed without signing in."""
    return signing.Signer(salt=_SALT).sign(str(product_id)).rsplit(":", 1)[1]


def key_opens(product_id: int, key: str) -> bool:
    return bool(key) and constant_time_compare(key, feed_key(product_id))


def lifecycle_calendar(lines: Iterable[ReleaseLine], *, name: str, domain: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Sustain//Release lifecycle//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for line in lines:
        product = line.product.name
        days: list[tuple[str, str, date]] = []
        if line.release_date:
            days.append(("release", "released", line.release_date))
        for key, title in MILESTONE_TITLES.items():
            value = milestone(line, key)
            if isinstance(value, date):
                days.append((key, title, value))
        for key, title, day in days:
            event = Event()
            event.add("uid", f"line-{line.pk}-{key}@{domain}")
            event.add("summary", f"{product} {line.name}: {title}")
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
            event.add("dtstamp", line.updated_at)
            event.add("transp", "TRANSPARENT")
            event.add("categories", [product, "lifecycle"])
            calendar.add_component(event)
    return bytes(calendar.to_ical())
