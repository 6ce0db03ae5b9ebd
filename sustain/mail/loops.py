"""Telling automatic mail apart, so that Sustain never answers a robot and no loop starts."""

from __future__ import annotations

from enum import StrEnum

from sustain.mail.parsing import ParsedMail

BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@", "mail-daemon@")
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
# Values of Microsoft's X-Auto-Response-Suppress that an auto-responder sets on its own mail.
SUPPRESS_VALUES = frozenset({"all", "oof", "autoreply"})


class Automatic(StrEnum):
    """Why a message counts as automatic; an empty value means a person wrote it."""

    NONE = ""
    BOUNCE = "bounce"
    AUTO_REPLY = "auto-reply"
    BULK = "bulk"


def classify(mail: ParsedMail) -> Automatic:
    headers = {name.lower(): value.strip().lower() for name, value in mail.headers.items()}
    if _is_bounce(mail, headers):
        return Automatic.BOUNCE
    auto_submitted = headers.get("auto-submitted", "no")
    if auto_submitted and auto_submitted != "no":  # RFC 3834
        return Automatic.AUTO_REPLY
    if "x-autoreply" in headers or "x-autorespond" in headers:
        return Automatic.AUTO_REPLY
    suppress = {value.strip() for value in headers.get("x-auto-response-suppress", "").split(",")}
    if suppress & SUPPRESS_VALUES:
        return Automatic.AUTO_REPLY
    if headers.get("precedence") in BULK_PRECEDENCE or "list-id" in headers:
        return Automatic.BULK
    return Automatic.NONE


def _is_bounce(mail: ParsedMail, headers: dict[str, str]) -> bool:
    if mail.content_type == "multipart/report" or "x-failed-recipients" in headers:
        return True
    if headers.get("return-path") == "<>":
        return True
    return mail.from_address.startswith(BOUNCE_SENDERS)
