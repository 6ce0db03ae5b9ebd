"""Template helpers every page uses: times and the htmx partial switch."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.utils.html import format_html

from sustain.core import timefmt

register = template.Library()


@register.filter
def when(moment: datetime | None) -> str:
    """``<time>`` with a relative text and the exact local time on hover."""
    if moment is None:
        return ""
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.astimezone(UTC).isoformat(timespec="seconds"),
        timefmt.exact(moment),
        timefmt.relative(moment),
    )
