"""The e-mail corpus in ``tests/mail_corpus``: loading, placeholders, delivery and what became
of each message.

Ticket numbers are assigned at run time, so a message that threads by plus-address or subject
token names its ticket by the corpus file that opened it: ``{ticket:001-plain-utf8.eml}``
becomes ``SUS-12`` and ``{tid:001-plain-utf8.eml}`` becomes ``12``. Big attachments are not
committed: ``{big-base64:N}`` becomes N bytes as base64 lines, and ``{big-base64:mail-limit}``
as many bytes as the inbound limit allows (so the message is larger than the limit);
``{own-host}`` is the host of Sustain's own Message-IDs (``<ticket-12@host>``).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from sustain.core.errors import PayloadTooLarge
from sustain.core.models import OutboxMessage
from sustain.mail.models import BouncingAddress, InboundMail
from sustain.mail.services import receive
from sustain.tickets.models import Activity, Attachment, Ticket

CORPUS = Path(__file__).resolve().parents[1] / "mail_corpus"
PLACEHOLDER = re.compile(rb"\{(ticket|tid):([\w.-]+\.eml)\}")
BIG = re.compile(rb"\{big-base64:(\d+|mail-limit)\}")
OWN_HOST = b"{own-host}"


def expectations() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text("utf-8"))
    return data


def names() -> list[str]:
    """The corpus files in delivery order."""
    return sorted(expectations())


@dataclass
class Outcome:
    state: str = ""
    automatic: str = ""
    duplicate: bool = False
    mail_id: int | None = None
    subject: str = ""
    sender: str = ""
    ticket_id: int | None = None
    ticket_number: str = ""
    title: str = ""
    organisation: str | None = None
    author_name: str = ""
    body: str = ""
    attachments: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    warning_logged: bool = False
    bounced: list[str] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)
    raw_kept: bool = False


def big_base64(size: int) -> bytes:
    pattern = bytes(range(256))
    data = (pattern * (size // len(pattern) + 1))[:size]
    return base64.encodebytes(data).replace(b"\n", b"\r\n").rstrip(b"\r\n")


def substitute(raw: bytes, outcomes: dict[str, Outcome]) -> bytes:
    def ticket(match: re.Match[bytes]) -> bytes:
        outcome = outcomes[match.group(2).decode()]
        if outcome.ticket_id is None:
            raise AssertionError(f"{match.group(2).decode()} opened no ticket to refer to")
        value = outcome.ticket_number if match.group(1) == b"ticket" else str(outcome.ticket_id)
        return value.encode()

    def big(match: re.Match[bytes]) -> bytes:
        spec = match.group(1)
        size = int(settings.SUSTAIN_MAIL_MAX_BYTES) if spec == b"mail-limit" else int(spec)
        return big_base64(size)

    host = (urlsplit(settings.SUSTAIN_BASE_URL).hostname or "").encode()
    return BIG.sub(big, PLACEHOLDER.sub(ticket, raw)).replace(OWN_HOST, host)


def substitute_text(text: str, outcomes: dict[str, Outcome]) -> str:
    return substitute(text.encode(), outcomes).decode()


def deliver_corpus() -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    for name in names():
        raw = substitute((CORPUS / name).read_bytes(), outcomes)
        outcomes[name] = deliver(raw)
    return outcomes


def deliver(raw: bytes) -> Outcome:
    bounces_before = _bounce_counts()
    warnings_before = _warning_activities()
    outbox_before = set(OutboxMessage.objects.values_list("pk", flat=True))
    try:
        received = receive(raw, source="imap")
    except PayloadTooLarge:
        notified = OutboxMessage.objects.exclude(pk__in=outbox_before).filter(
            idempotency_key__startswith="mail:too-large:"
        )
        return Outcome(
            state="refused", notified=[to for m in notified for to in m.payload.get("to", [])]
        )
    mail = received.mail
    outcome = Outcome(
        state=mail.state,
        automatic=mail.automatic,
        duplicate=received.duplicate,
        mail_id=mail.pk,
        subject=mail.subject,
        sender=mail.sender,
        warnings=list(mail.warnings),
        raw_kept=_raw_of(mail) == raw,
    )
    after = _bounce_counts()
    outcome.bounced = sorted(e for e, n in after.items() if n > bounces_before.get(e, 0))
    if mail.ticket_id is not None:
        _read_ticket(outcome, mail)
        outcome.warning_logged = _warning_activities() > warnings_before
    return outcome


def _read_ticket(outcome: Outcome, mail: InboundMail) -> None:
    assert mail.ticket_id is not None
    ticket = Ticket.objects.select_related("organisation").get(pk=mail.ticket_id)
    outcome.ticket_id = ticket.pk
    outcome.ticket_number = ticket.number
    outcome.title = ticket.title
    outcome.organisation = ticket.organisation.name if ticket.organisation else None
    message = mail.ticket_message
    if message is None:
        return
    outcome.body = message.body
    outcome.author_name = message.author.full_name if message.author else ""
    for attachment in Attachment.objects.filter(message=message):
        with attachment.file.open("rb") as handle:
            outcome.attachments[attachment.filename] = handle.read()


def _raw_of(mail: InboundMail) -> bytes:
    with mail.raw.open("rb") as handle:
        data: bytes = handle.read()
    return data


def _warning_activities() -> int:
    return Activity.objects.filter(field="email_warning").count()


def _bounce_counts() -> dict[str, int]:
    return dict(BouncingAddress.objects.values_list("user__email", "count"))
