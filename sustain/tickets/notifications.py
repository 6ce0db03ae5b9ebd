"""Ticket e-mails. They are written to the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings

from sustain.accounts.models import User
from sustain.core import outbox
from sustain.tickets.models import Activity, Message, Ticket, ticket_url


def thread_id(ticket: Ticket) -> str:
    """A stable Message-ID-like id so that mail clients thread all mail of one ticket."""
    host = urlsplit(settings.SUSTAIN_BASE_URL).hostname or "sustain.invalid"
    return f"<ticket-{ticket.pk}@{host}>"


def _recipients(users: Iterable[User | None], *, exclude: User | None) -> list[User]:
    seen: dict[int, User] = {}
    for user in users:
        if user is None or not user.is_active or not user.email:
            continue
        if exclude is not None and user.pk == exclude.pk:
            continue
        seen.setdefault(user.pk, user)
    return list(seen.values())


def _send(ticket: Ticket, activity: Activity, users: list[User], subject: str, body: str) -> None:
    # One e-mail per person: recipients never see each other's addresses.
    footer = f"\n\n-- \n{ticket.number}: {ticket.title}\n{ticket_url(ticket.number)}\n"
    thread = {"References": thread_id(ticket), "In-Reply-To": thread_id(ticket)}
    outbox.record_emails(
        [
            outbox.Email(
                key=f"ticket:{ticket.pk}:activity:{activity.pk}:to:{user.pk}",
                to=[user.email],
                subject=f"[{ticket.number}] {subject}",
                body=body + footer,
                headers=thread,
            )
            for user in users
        ]
    )


def _watchers(ticket: Ticket) -> list[User]:
    return list(ticket.watchers.all())


def ticket_created(ticket: Ticket, activity: Activity, actor: User, watchers: list[User]) -> None:
    users = _recipients([ticket.requester, ticket.assignee, *watchers], exclude=None)
    body = (
        f"A new ticket was opened by {actor.display_name}.\n\n"
        f"Priority: {ticket.get_priority_display()}\nStatus: {ticket.get_status_display()}"
    )
    _send(ticket, activity, users, ticket.title, body)


def message_added(ticket: Ticket, activity: Activity, message: Message) -> None:
    if message.is_internal:
        candidates = [ticket.assignee, *_watchers(ticket)]
        users = [u for u in _recipients(candidates, exclude=message.author) if u.is_staff_member]
        heading = f"{message.author.display_name} added an internal note:"
    else:
        candidates = [ticket.requester, ticket.assignee, *_watchers(ticket)]
        users = _recipients(candidates, exclude=message.author)
        heading = f"{message.author.display_name} wrote:"
    _send(ticket, activity, users, ticket.title, f"{heading}\n\n{message.body}")


def status_changed(ticket: Ticket, activity: Activity, actor: User | None) -> None:
    users = _recipients([ticket.requester, ticket.assignee, *_watchers(ticket)], exclude=actor)
    body = f"The status changed from {activity.old_value} to {activity.new_value}."
    _send(ticket, activity, users, ticket.title, body)


def assigned(ticket: Ticket, activity: Activity, actor: User | None) -> None:
    users = _recipients([ticket.assignee], exclude=actor)
    by = actor.display_name if actor else "Sustain"
    _send(ticket, activity, users, ticket.title, f"{by} assigned this ticket to you.")
