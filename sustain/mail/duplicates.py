"""Whether a message that comes in is one Sustain already has.

A mailbox fetched again after a crash, a message that reaches two polled addresses, or an
SMTP client that retries all deliver the same message twice, and it must become one message.
The bytes are not a reliable witness: every relay adds its own ``Received`` (and other trace)
headers. Nor is the Message-ID alone: mailers reuse them (broken clients, monitoring tools,
bulk senders), and dropping a different message because its id was seen before loses mail.

So a message is a duplicate of a stored one when

- its bytes are the same (the SHA-256 of the raw message), or
- it has the same Message-ID **and** says the same: the same sender address, subject, date,
  text, HTML and attachments (:func:`content_digest`, computed from the parsed message so that
  another transfer encoding or other trace headers do not matter).

A known Message-ID on a message that says something else is kept as a message of its own,
with a warning in the inbound log and on the ticket.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field
from django.utils import timezone

from sustain.core import fastsql
from sustain.mail.models import InboundMail
from sustain.mail.parsing import ParsedMail, parse

logger = logging.getLogger(__name__)

# Bumped when the parts of the digest change; rows of an older version are recomputed.
DIGEST_VERSION = b"content-v1"
REUSED_WARNING = "Message-ID {message_id} was used before by a different message"


def content_digest(parsed: ParsedMail) -> str:
    """The SHA-256 of what a message says: sender address, subject, date, text, sanitised
    HTML, and each attachment's name, type and bytes. Trace headers (``Received``,
    ``Delivered-To``, ``Return-Path``…) and the transfer encoding are left out: a copy of the
    message fetched again has the same digest."""
    digest = hashlib.sha256(DIGEST_VERSION)
    parts: list[str | bytes] = [
        parsed.from_address,
        parsed.subject,
        parsed.date.isoformat() if parsed.date else "",
        parsed.text,
        parsed.html,
    ]
    for attachment in parsed.attachments:
        parts += [attachment.filename, attachment.content_type, attachment.sha256]
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        # Length-prefixed, so that no two different lists of parts hash alike.
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class Known:
    """What the stored messages say about one that comes in."""

    # The stored message this one is a copy of, if any.
    duplicate: InboundMail | None = None
    # Stored messages with the same Message-ID that say something else.
    reused_by: tuple[int, ...] = ()
    # Messages stored from the same sender within the last hour (the sender limit reads it;
    # asked in the same statement, as intake needs both for nearly every message).
    sent_last_hour: int = 0

    def warning(self, message_id: str) -> str:
        numbers = ", ".join(f"#{pk}" for pk in self.reused_by)
        return (
            REUSED_WARNING.format(message_id=message_id)
            + f" (inbound {numbers}); this one is kept as a message of its own."
        )


def find_known(sha256: str, message_id: str, digest: str, *, sender: str = "") -> Known:
    """Look the message up by its bytes and by its Message-ID, and count what ``sender`` sent
    within the last hour, in one query."""
    since = timezone.now() - timedelta(hours=1)
    received_at = InboundMail._meta.get_field("received_at")
    assert isinstance(received_at, Field)
    with connection.cursor() as cursor:
        cursor.execute(
            _lookup_sql(),
            [
                sha256,
                message_id or None,
                sender,
                received_at.get_db_prep_value(since, connection),
            ],
        )
        rows = cursor.fetchall()
    same_id: list[int] = []
    sent_last_hour = 0
    for pk, row_sha256, row_digest, count in rows:
        if pk is None:  # the count's row
            sent_last_hour = int(count) if sender else 0
            continue
        if row_sha256 == sha256:
            return Known(duplicate=InboundMail.objects.get(pk=pk))
        if not row_digest:
            row_digest = _backfill_digest(pk)
        if row_digest == digest:
            return Known(duplicate=InboundMail.objects.get(pk=pk))
        same_id.append(pk)
    return Known(reused_by=tuple(sorted(same_id)), sent_last_hour=sent_last_hour)


@fastsql.per_vendor
def _lookup_sql(db: BaseDatabaseWrapper) -> str:
    # A NULL Message-ID matches no row: messages without one are found by their bytes only.
    # The index on Message-IDs leaves out the empty one; a query that says so in the index's
    # own words may use it for any parameter (SQLite, and PostgreSQL's generic plan).
    quote = db.ops.quote_name
    table, message_id = quote(InboundMail._meta.db_table), quote("message_id")
    return fastsql.prepared(
        f"SELECT {quote('id')}, {quote('sha256')}, {quote('content_digest')}, NULL "  # noqa: S608
        f"FROM {table} WHERE {quote('sha256')} = %s "
        f"OR ({message_id} = %s AND NOT ({message_id} = '')) "
        f"UNION ALL SELECT NULL, NULL, NULL, COUNT(*) FROM {table} "
        f"WHERE {quote('sender')} = %s AND {quote('received_at')} >= %s"
    )


def _backfill_digest(pk: int) -> str:
    """The digest of a message stored before digests were kept, read from its raw copy (and
    kept, so that this happens once per such message). A raw copy that cannot be read
    counts as different content: two messages kept are better than one lost."""
    mail = InboundMail.objects.get(pk=pk)
    try:
        with mail.raw.open("rb") as stored:
            raw = stored.read()
    except OSError:
        logger.warning("Inbound mail %s: raw copy unreadable, its content is unknown", pk)
        return ""
    digest = content_digest(parse(raw))
    InboundMail.objects.filter(pk=pk, content_digest="").update(content_digest=digest)
    return digest
