"""Times as people read them: relative ("3 h ago") with the exact local time beside it."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def site_today() -> date:
    """The site's calendar day (``settings.TIME_ZONE``), whatever zone the request runs in:
    the day on which dates that belong to the site, not to a viewer (an end of life, a review
    date), are reached."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


UNITS = ((86400 * 365, "y"), (86400 * 30, "mo"), (86400, "d"), (3600, "h"))


def relative(moment: datetime, now: datetime | None = None) -> str:
    """A short relative phrase; past and future both read naturally."""
    now = now or timezone.now()
    seconds = int((now - moment).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now" if not future else "in a moment"
    size, unit = next(((size, unit) for size, unit in UNITS if seconds >= size), (60, "min"))
    amount = max(1, round(seconds / size))
    return f"in {amount} {unit}" if future else f"{amount} {unit} ago"


def exact(moment: datetime) -> str:
    """The exact time in the active (viewer's) time zone, with the zone named."""
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d %H:%M %Z")
