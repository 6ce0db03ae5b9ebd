"""Ticket e-mails. They are written to the outbox in the caller's transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string

from sustain.accounts.actors import Actor, SystemActor
from sustain.accounts.models import User
from sustain.core import fastsql, outbox
from sustain.tickets.activity import display_change
from sustain.tickets.models import Activity, Attachment, Message, Ticket, ticket_url


def thread_id(ticket: Ticket) -> str:
    """A stable Message-ID-like id so that mail clients thread all mail of one ticket."""
    host = urlsplit(settings.SUSTAIN_BASE_URL).hostname or "sustain.invalid"
    return f"<ticket-{ticket.pk}@{host}>"


def _recipients(users: Iterable[User | None], *, exclude: Actor | None) -> list[User]:
    """The people to tell, once each, without the one who made the change (a system actor
    receives no mail, so it excludes nobody)."""
    seen: dict[int, User] = {}
    for user in users:
        if user is None or not user.is_active or not user.email:
            continue
        if isinstance(exclude, User) and user.pk == exclude.pk:
            continue
        seen.setdefault(user.pk, user)
    return list(seen.values())


def reply_address(ticket: Ticket) -> str:
    """``support+SUS-12@example.com``: a reply finds its ticket even without its headers."""
    address = settings.SUSTAIN_MAIL_REPLY_ADDRESS
    if not address:
        return ""
    local, _, domain = address.partition("@")
    return f"{local}+{ticket.number}@{domain}"


def ticket_id_from_key(key: str) -> int | None:
    """The ticket an outbox key of this module belongs to (the inverse of ``_send``'s keys)."""
    match = KEY.match(key)
    return int(match.group(1)) if match else None


KEY = re.compile(r"^ticket:(\d+):")


def _send(
    ticket: Ticket,
    activity: Activity,
    users: list[User],
    subject: str,
    body: str,
    *,
    heading: str = "",
    files: tuple[dict[str, str], ...] = (),
) -> None:
    # One e-mail per person: recipients never see each other's addresses.
    context = {"ticket": ticket, "url": ticket_url(ticket.number), "heading": heading, "body": body}
    text = render_to_string("tickets/email/notification.txt", context)
    html = render_to_string("tickets/email/notification.html", context)
    headers = {"References": thread_id(ticket), "In-Reply-To": thread_id(ticket)}
    if reply_to := reply_address(ticket):
        headers["Reply-To"] = reply_to
    outbox.record_emails(
        [
            outbox.Email(
                key=f"ticket:{ticket.pk}:activity:{activity.pk}:to:{user.pk}",
                to=[user.email],
                subject=f"[{ticket.number}] {subject}",
                body=text,
                html_body=html,
                headers=headers,
                attachments=files,
            )
            for user in users
        ]
    )


def _watchers(ticket: Ticket) -> list[User]:
    # Every reply and status change asks: one statement written once (core/fastsql.py).
    links = _WATCHERS.all(ticket.pk)
    return sorted((link.user for link in links), key=lambda user: user.email)


_WATCHERS = fastsql.RowLookup(Ticket.watchers.through, "ticket", related="user")


def ticket_created(ticket: Ticket, activity: Activity, actor: User, watchers: list[User]) -> None:
    users = _recipients([ticket.requester, ticket.assignee, *watchers], exclude=None)
    body = (
        f"A new ticket was opened by {actor.display_name}.\n\n"
        f"Priority: {ticket.get_priority_display()}\nStatus: {ticket.get_status_display()}"
    )
    _send(ticket, activity, users, ticket.title, body)


def message_added(
    ticket: Ticket, activity: Activity, message: Message, attachments: Iterable[Attachment]
) -> None:
    """``attachments``: the message's files, which the caller has just stored."""
    if message.is_internal:
        candidates = [ticket.assignee, *_watchers(ticket)]
        users = [u for u in _recipients(candidates, exclude=message.author) if u.is_staff_member]
        heading = f"{message.author.display_name} added an internal note:"
    else:
        candidates = [ticket.requester, ticket.assignee, *_watchers(ticket)]
        users = _recipients(candidates, exclude=message.author)
        heading = f"{message.author.display_name} wrote:"
    files = tuple(
        {"name": str(a.file.name), "filename": a.filename, "content_type": a.content_type}
        for a in attachments
    )
    _send(ticket, activity, users, ticket.title, message.body, heading=heading, files=files)


def status_changed(ticket: Ticket, activity: Activity, actor: Actor | None) -> None:
    users = _recipients([ticket.requester, ticket.assignee, *_watchers(ticket)], exclude=actor)
    old, new = display_change(activity)
    body = f"The status changed from {old} to {new}."
    _send(ticket, activity, users, ticket.title, body)


def assigned(ticket: Ticket, activity: Activity, actor: Actor | None) -> None:
    users = _recipients([ticket.assignee], exclude=actor)
    by = _name(actor)
    _send(ticket, activity, users, ticket.title, f"{by} assigned this ticket to you.")


def _name(actor: Actor | None) -> str:
    if isinstance(actor, SystemActor):
        return actor.label
    return actor.display_name if actor else "Sustain"
