"""Template helpers every page uses: times, and what the viewer may do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import template
from django.utils.html import format_html

from sustain.core import timefmt
from sustain.core.permissions import Capability

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


@register.filter
def can(user: Any, capability: str) -> bool:
    """``{% if user|can:"sla.manage" %}``: the capability table decides, as in the services.
    Anonymous visitors may do nothing; a misspelt capability fails loudly (``ValueError``)."""
    check = getattr(user, "can", None)
    if check is None:
        Capability(capability)
        return False
    return bool(check(capability))
