"""Which ticket a message belongs to, in the order mail clients make reliable.

1. ``In-Reply-To`` / ``References`` against every Message-ID Sustain has stored: inbound mail,
   its own outbound mail (the outbox keeps each Message-ID), and the ticket's thread id
   (``<ticket-12@host>``) that all of its mail carries in ``References``.
2. The ticket number in a plus-address (``support+SUS-12@…``).
3. The ``[SUS-12]`` token in the subject.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings

from sustain.core.models import OutboxMessage
from sustain.mail.models import InboundMail
from sustain.mail.parsing import ParsedMail
from sustain.tickets.models import Ticket
from sustain.tickets.notifications import ticket_id_from_key


def _prefix() -> str:
    return re.escape(settings.SUSTAIN_TICKET_PREFIX)


def find_ticket(mail: ParsedMail) -> Ticket | None:
    ticket_id = (
        _by_message_ids(mail.thread_ids)
        or _by_plus_address([*mail.to, *mail.cc, mail.headers.get("Delivered-To", "")])
        or _by_subject(mail.subject)
    )
    if ticket_id is None:
        return None
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    # A reply to a merged ticket belongs to the ticket it was merged into.
    seen = set()
    while ticket is not None and ticket.merged_into_id is not None and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.filter(pk=ticket.merged_into_id).first()
    return ticket


def _by_message_ids(ids: list[str]) -> int | None:
    if not ids:
        return None
    own = re.compile(rf"^<ticket-(\d+)@{re.escape(_own_host())}>$")
    known: dict[str, int] = {
        message_id: ticket_id
        for message_id, ticket_id in InboundMail.objects.filter(
            message_id__in=ids, ticket__isnull=False
        ).values_list("message_id", "ticket_id")
        if ticket_id is not None
    }
    # Sustain's own mail: the outbox keeps the Message-ID of everything it sent.
    for message_id, key in OutboxMessage.objects.filter(message_id__in=ids).values_list(
        "message_id", "idempotency_key"
    ):
        ticket_id = ticket_id_from_key(key)
        if ticket_id is not None:
            known.setdefault(message_id, ticket_id)
    for message_id in ids:  # nearest reference first
        if message_id in known:
            return known[message_id]
        match = own.match(message_id)
        if match:
            return int(match.group(1))
    return None


def _own_host() -> str:
    return urlsplit(settings.SUSTAIN_BASE_URL).hostname or "sustain.invalid"


def _by_plus_address(addresses: list[str]) -> int | None:
    pattern = re.compile(rf"^[^@+]+\+{_prefix()}-(\d+)@", re.IGNORECASE)
    for address in addresses:
        match = pattern.match(address.strip().lower())
        if match:
            return int(match.group(1))
    return None


def _by_subject(subject: str) -> int | None:
    match = re.search(rf"\[{_prefix()}-(\d+)\]", subject, re.IGNORECASE)
    return int(match.group(1)) if match else None
