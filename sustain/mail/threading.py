"""Which ticket a message belongs to, in the order mail clients make reliable.

1. ``In-Reply-To`` / ``References`` against every Message-ID Sustain has stored: inbound mail,
   its own outbound mail (the outbox keeps each Message-ID), and the ticket's thread id
   (``<ticket-12@host>``) that all of its mail carries in ``References``. Mailers reuse
   Message-IDs, so one id may name messages of several tickets; then the other references of
   the reply decide, else the ticket of a message from the same sender (or their domain),
   else the newest.
2. The ticket number in a plus-address (``support+SUS-12@…``).
3. The ``[SUS-12]`` token in the subject.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from sustain.core import fastsql
from sustain.core.models import OutboxMessage
from sustain.mail.models import InboundMail
from sustain.mail.parsing import ParsedMail
from sustain.tickets.models import Ticket
from sustain.tickets.notifications import ticket_id_from_key


def _prefix() -> str:
    return re.escape(settings.SUSTAIN_TICKET_PREFIX)


def find_ticket(mail: ParsedMail) -> Ticket | None:
    ticket_id = (
        _by_message_ids(mail.thread_ids, mail.from_address)
        or _by_plus_address([*mail.to, *mail.cc, mail.headers.get("Delivered-To", "")])
        or _by_subject(mail.subject)
    )
    if ticket_id is None:
        return None
    ticket = _TICKET.get(ticket_id)
    # A reply to a merged ticket belongs to the ticket it was merged into.
    seen = set()
    while ticket is not None and ticket.merged_into_id is not None and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = _TICKET.get(ticket.merged_into_id)
    return ticket


# Every reply reads its ticket by id: one statement written once (core/fastsql.py).
_TICKET = fastsql.RowLookup(Ticket, "id")


def _by_message_ids(ids: list[str], sender: str) -> int | None:
    if not ids:
        return None
    known = _tickets_of(ids, sender)
    for message_id in ids:  # nearest reference first
        tickets = known.get(message_id)
        if not tickets:
            continue
        if len(set(tickets)) == 1:
            return tickets[0]
        # A reused Message-ID: a ticket that another reference names alone wins.
        named_alone = {found[0] for found in known.values() if len(set(found)) == 1}
        return next((t for t in tickets if t in named_alone), tickets[0])
    return None


def _tickets_of(ids: list[str], sender: str) -> dict[str, list[int]]:
    """The tickets each of ``ids`` belongs to, the likeliest first: those of a message from
    ``sender``, then from their domain, each newest first."""
    own = re.compile(rf"^<ticket-(\d+)@{re.escape(_own_host())}>$")
    domain = sender.rpartition("@")[2]
    ranked: dict[str, list[tuple[int, int]]] = {}
    sent: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        cursor.execute(_references_sql(len(ids)), [*ids, *ids])
        rows = cursor.fetchall()
    for message_id, ticket_id, from_address, outbound, _received_at, _id in rows:
        if outbound:  # Sustain's own mail: the outbox keeps the Message-ID of all it sent
            sent.append((message_id, from_address))
            continue
        if sender and from_address == sender:
            rank = 0
        elif domain and from_address.rpartition("@")[2] == domain:
            rank = 1
        else:
            rank = 2
        ranked.setdefault(message_id, []).append((rank, ticket_id))
    known = {
        # sorted() is stable: newest first within a rank.
        message_id: [ticket_id for _, ticket_id in sorted(found, key=lambda pair: pair[0])]
        for message_id, found in ranked.items()
    }
    for message_id, key in sent:
        sent_for = ticket_id_from_key(key)
        if sent_for is not None:
            known.setdefault(message_id, [sent_for])
    for message_id in ids:
        match = own.match(message_id)
        if match and message_id not in known:
            known[message_id] = [int(match.group(1))]
    return known


@fastsql.per_vendor
def _references_sql(db: BaseDatabaseWrapper, count: int) -> str:
    """Inbound mail with a ticket under any of ``count`` Message-IDs, newest first, then the
    outbox's rows under them (with their key in the sender's place): one statement per
    reply, kept per number of references."""
    quote = db.ops.quote_name
    marks = ", ".join(["%s"] * count)
    inbound, sent = quote(InboundMail._meta.db_table), quote(OutboxMessage._meta.db_table)
    # As the index on Message-IDs, which leaves out the empty one, says it.
    return fastsql.prepared(
        f"SELECT m.{quote('message_id')}, m.{quote('ticket_id')}, m.{quote('sender')}, 0, "  # noqa: S608
        f"m.{quote('received_at')}, m.{quote('id')} FROM {inbound} m "
        f"WHERE m.{quote('message_id')} IN ({marks}) AND m.{quote('ticket_id')} IS NOT NULL "
        f"AND NOT (m.{quote('message_id')} = '') "
        f"UNION ALL SELECT o.{quote('message_id')}, NULL, o.{quote('idempotency_key')}, 1, "
        f"NULL, NULL FROM {sent} o WHERE o.{quote('message_id')} IN ({marks}) "
        "ORDER BY 4, 5 DESC, 6 DESC"
    )


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
