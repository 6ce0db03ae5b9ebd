"""Template helpers for mail-borne messages: quoted history and signatures fold away."""

from __future__ import annotations

from django import template

from sustain.mail.quotes import split_reply

register = template.Library()


@register.filter
def reply_parts(body: str) -> tuple[str, str]:
    """(what the person wrote now, the quoted history and signature below it)."""
    return split_reply(body)
