"""Inbound mail: every message becomes the right ticket or follow-up, and nothing is lost.

``receive`` is the one entry point for the API upload, the SMTP/LMTP listener and the IMAP
poller. It parses the message, drops it only if it is a copy of one already stored
(``mail.duplicates``: the same bytes, or the same Message-ID and the same content), stores
the raw message, then classifies and threads it, all in one transaction: a crash leaves
either nothing (and the message is fetched again) or the whole result.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from sustain.accounts.actors import EMAIL
from sustain.accounts.models import User
from sustain.core import batches, fastsql, outbox
from sustain.core.errors import Conflict, NotFound, PayloadTooLarge, ServiceError
from sustain.core.uploads import Upload, check_upload, store_once
from sustain.mail import loops
from sustain.mail.contacts import find_or_create_contact, organisation_for_domain
from sustain.mail.duplicates import REUSED_WARNING, content_digest, find_known
from sustain.mail.models import BouncingAddress, InboundMail, raw_mail_path
from sustain.mail.parsing import ParsedMail, parse
from sustain.mail.threading import find_ticket
from sustain.tickets.choices import Channel, LinkKind
from sustain.tickets.creation import NewTicket, create_ticket_with_message
from sustain.tickets.linking import link_tickets
from sustain.tickets.models import Message, Ticket
from sustain.tickets.rules import reopen_window
from sustain.tickets.selectors import visible_tickets
from sustain.tickets.services import add_message
from sustain.tickets.system import TicketEvent, record_events
from sustain.tickets.watching import watch_ticket

logger = logging.getLogger(__name__)
State = InboundMail.State


@dataclass(frozen=True)
class Received:
    mail: InboundMail
    duplicate: bool


def max_bytes() -> int:
    return int(settings.SUSTAIN_MAIL_MAX_BYTES)


def sender_hourly_limit() -> int:
    return int(settings.SUSTAIN_MAIL_SENDER_HOURLY_LIMIT)


@dataclass
class Batch:
    """What ``receive_batch`` did: one outcome per message taken, in order (a refused message's
    outcome is the error that refused it), and the error that stopped the batch, if any."""

    outcomes: list[Received | ServiceError] = field(default_factory=list)
    failure: Exception | None = None


def receive_batch(raws: Iterable[bytes], *, source: str) -> Batch:
    """Several messages in one transaction (the IMAP poller), each succeeding or failing alone.

    A commit costs more than a small message's work (an fsync, the queue's own write), so a
    poller that fetched ten messages commits once. Each message still succeeds or fails alone:
    a refused one (too large) is an outcome like the others; one whose processing fails is
    rolled back alone and kept as held (``hold_unprocessable``), so that it neither blocks the
    mailbox nor gets lost. Only when even that fails does the batch stop, keeping the messages
    before it, so that the caller moves or flags exactly those before it reports the error. A
    crash before the commit loses nothing: none of the batch was flagged, and ``receive``
    drops the copies of it that are fetched again. The e-mails the batch records go to the
    queue as one delivery job.

    Failures are rare, so the batch is first taken without a savepoint per message (two
    statements fewer each); only when something in it fails is it rolled back whole and taken
    again message by message, each in its savepoint, where the failure is found and held.
    """
    raws = list(raws)
    try:
        return _receive_together(raws, source)
    except Exception as exc:
        logger.info(
            "a message of a batch of %d failed (%s); taking them one by one",
            len(raws),
            type(exc).__name__,
        )
    return _receive_one_by_one(raws, source)


def _receive_together(raws: list[bytes], source: str) -> Batch:
    """The whole batch, or an exception and nothing written."""
    batch = Batch()
    with transaction.atomic(), outbox.one_delivery_job(), batches.one_batch():
        for raw in raws:
            try:
                check_size(raw)
            except PayloadTooLarge as exc:  # refused before anything of it was written
                batch.outcomes.append(exc)
                continue
            batch.outcomes.append(receive(raw, source=source, savepoint=False))
        if transaction.get_rollback():
            # An error inside was caught by the code that met it, but it left the transaction
            # to be rolled back: the atomic block would do so silently, losing the batch.
            raise TransactionManagementError("a database error was caught inside the batch")
    return batch


def _receive_one_by_one(raws: list[bytes], source: str) -> Batch:
    batch = Batch()
    with transaction.atomic(), outbox.one_delivery_job(), batches.one_batch():
        for raw in raws:
            try:  # receive sends every statement inside a savepoint of its own
                batch.outcomes.append(receive(raw, source=source))
            except ServiceError as exc:
                batch.outcomes.append(exc)
            except Exception as exc:
                try:
                    with transaction.atomic():
                        batch.outcomes.append(hold_unprocessable(raw, source=source, error=exc))
                except Exception as hold_error:
                    batch.failure = hold_error
                    break
    return batch


def hold_unprocessable(raw: bytes, *, source: str, error: Exception) -> Received:
    """Keep a message that processing failed on, held for an administrator, with the error.

    Its raw copy is stored like any other, so releasing it (``process_again``) after the defect
    is fixed turns it into what it should have become."""
    logger.error("processing a message from %s failed; held", source, exc_info=error)
    sha256 = hashlib.sha256(raw).hexdigest()
    known = InboundMail.objects.filter(sha256=sha256).first()
    if known is not None:
        return Received(known, duplicate=True)
    try:  # who sent it and what about, for the list of held mail, if the parser manages
        parsed: ParsedMail | None = parse(raw)
    except Exception:  # the parser may be what failed; the row is kept regardless
        parsed = None
    warnings = [f"Processing failed: {type(error).__name__}: {error}"[:2000]]
    digest = content_digest(parsed) if parsed is not None else ""
    mail = _store(raw, sha256, digest, parsed, warnings, source)
    mail.state = State.HELD
    mail.save()
    return Received(mail, duplicate=False)


def check_size(raw: bytes) -> None:
    """PayloadTooLarge for a message over the limit, whose sender is told (a bounce)."""
    if len(raw) > max_bytes():
        _bounce_oversized(raw)
        raise PayloadTooLarge(
            f"The message is {len(raw)} bytes; the limit is {max_bytes()} bytes.",
            errors={"message": [f"larger than {max_bytes()} bytes"]},
        )


def receive(raw: bytes, *, source: str, savepoint: bool = True) -> Received:
    """One message, in its own transaction, or in a savepoint of ``receive_batch``'s: every
    statement it sends is inside that one atomic block, so an error leaves nothing behind.

    Without ``savepoint`` (inside a transaction that is rolled back whole on any error) a
    message stored meanwhile by another worker is an IntegrityError for the caller."""
    check_size(raw)
    sha256 = hashlib.sha256(raw).hexdigest()
    parsed = parse(raw)
    digest = content_digest(parsed)
    try:
        with transaction.atomic(savepoint=savepoint):
            return _receive(raw, sha256, digest, parsed, source)
    except IntegrityError:
        if not savepoint:
            raise
        # Another worker stored the same message between our check and our insert.
        with transaction.atomic():
            duplicate = find_known(sha256, parsed.message_id, digest).duplicate
        if duplicate is None:
            raise
        return Received(duplicate, duplicate=True)


def _receive(raw: bytes, sha256: str, digest: str, parsed: ParsedMail, source: str) -> Received:
    known = find_known(sha256, parsed.message_id, digest, sender=parsed.from_address[:254])
    if known.duplicate is not None:
        return Received(known.duplicate, duplicate=True)
    warnings = list(parsed.warnings)
    if known.reused_by:
        warnings.append(known.warning(parsed.message_id))
        logger.warning(
            "Message-ID %s reused by a different message from %s; kept as a new message",
            parsed.message_id,
            parsed.from_address or "(no sender)",
        )
    mail = _store(raw, sha256, digest, parsed, warnings, source)
    _process(mail, parsed, raw, sent_last_hour=known.sent_last_hour)
    return Received(mail, duplicate=False)


def _store(
    raw: bytes,
    sha256: str,
    digest: str,
    parsed: ParsedMail | None,
    warnings: list[str],
    source: str,
) -> InboundMail:
    """The message's row, not yet written (``_finish`` writes it once, with what it became),
    and its raw copy. ``parsed`` is None only for a message the parser failed on (held)."""
    mail = InboundMail(
        sha256=sha256, content_digest=digest, size=len(raw), source=source, warnings=warnings
    )
    if parsed is not None:
        mail.message_id = parsed.message_id[:255]
        mail.sender, mail.subject = parsed.from_address[:254], parsed.subject[:250]
    # Named by its digest: a copy left by a transaction that rolled back is the same file.
    store_once(mail.raw, raw_mail_path(mail, ""), raw)
    return mail


def process_again(mail: InboundMail) -> InboundMail:
    """Process a stored message again (a held one an administrator released)."""
    with mail.raw.open("rb") as stored:
        raw = stored.read()
    parsed = parse(raw)
    with transaction.atomic():
        mail = InboundMail.objects.select_for_update().get(pk=mail.pk)
        # What the first processing found out about the parse stays (a reused Message-ID).
        kept = [w for w in mail.warnings if w.startswith(REUSED_WARNING.partition("{")[0])]
        mail.warnings = [*parsed.warnings, *kept]
        _process(mail, parsed, raw, sent_last_hour=None)
    return mail


def _process(
    mail: InboundMail, parsed: ParsedMail, raw: bytes, *, sent_last_hour: int | None
) -> None:
    """What the message becomes. ``sent_last_hour``: the sender's messages stored within the
    last hour, this one not yet written (held mail counts too); None lifts the sender limit
    (an administrator released the message)."""
    automatic = loops.classify(parsed)
    mail.automatic = automatic.value
    if automatic is loops.Automatic.BOUNCE:
        _record_bounce(mail, parsed)
        return _finish(mail, State.BOUNCE)
    if automatic is not loops.Automatic.NONE:
        # Kept for review, never answered and never added to a ticket: an out-of-office
        # reply must not reopen a ticket that waits for the customer.
        return _finish(mail, State.IGNORED)
    if not parsed.from_address:
        mail.warnings.append("The message has no sender address.")
        return _finish(mail, State.HELD)
    sender = find_or_create_contact(parsed.from_address, parsed.from_name)
    if not sender.is_active:
        mail.warnings.append(f"{sender.email} is deactivated.")
        return _finish(mail, State.HELD)
    if sent_last_hour is not None and sent_last_hour >= sender_hourly_limit():
        mail.warnings.append(
            f"{mail.sender} sent more than {sender_hourly_limit()} messages within an hour."
        )
        return _finish(mail, State.HELD)
    uploads = _uploads(mail, parsed, raw)
    body = parsed.text or "(The message has no text.)"
    ticket = find_ticket(parsed)
    reply, visible = _reply(sender, ticket, body, uploads) if ticket else (None, False)
    if reply is not None:
        mail.ticket, mail.ticket_message = ticket, reply
        state = State.FOLLOW_UP
    else:
        created = create_ticket_with_message(
            actor=sender,
            data=NewTicket(title=_title(parsed), description=body, attachments=uploads),
            channel=Channel.EMAIL,
        )
        mail.ticket, mail.ticket_message = created.ticket, created.message
        if ticket is not None and visible:
            # The sender could not reopen the old ticket; the link tells the agent the history.
            link_tickets(
                actor=EMAIL,
                source_ref=created.ticket.pk,
                target_ref=ticket.pk,
                kind=LinkKind.RELATED,
                channel=Channel.EMAIL,
            )
        state = State.TICKET
    mail.html = _html_with_stored_images(parsed, mail.ticket_message)
    _add_cc_watchers(mail.ticket, parsed, sender)
    _log_warnings(mail)
    return _finish(mail, state)


def _reply(
    sender: User, ticket: Ticket, body: str, uploads: list[Upload]
) -> tuple[Message | None, bool]:
    """The message on ``ticket`` if the sender may add to it, and whether they may see it.

    A reply joins its ticket when the sender may see it and it may still be replied to
    (``reopen_window``). ``add_message`` checks both itself (``NotFound``, ``Conflict``) and
    writes nothing when it refuses, so it is asked directly rather than after a query of
    its own.
    """
    if not reopen_window(ticket).may_reply:
        return None, visible_tickets(sender).filter(pk=ticket.pk).exists()
    try:
        message = add_message(
            actor=sender, ref=ticket.pk, body=body, channel=Channel.EMAIL, attachments=uploads
        )
    except NotFound:
        return None, False
    except Conflict:  # finished, or merged, since find_ticket read it
        return None, True
    return message, True


def _finish(mail: InboundMail, state: str) -> None:
    """Write the message's row: once, with what it became (or again, when processed again)."""
    mail.state = state
    if mail.pk is None:
        fastsql.insert(mail)
    else:
        fastsql.update(mail, _PROCESSED)


_PROCESSED = ("state", "automatic", "ticket", "ticket_message", "warnings", "html")


def _html_with_stored_images(parsed: ParsedMail, message: Message | None) -> str:
    """Point ``cid:`` images at the attachments they became, so they show in place."""
    html = parsed.html
    if not html or message is None:
        return html
    inline = [part for part in parsed.attachments if part.content_id]
    if not inline or "cid:" not in html:
        return html
    stored = dict(message.attachments.values_list("sha256", "id"))
    for part in inline:
        attachment_id = stored.get(part.sha256)
        if attachment_id is not None:
            html = html.replace(f"cid:{part.content_id}", f"/api/v1/attachments/{attachment_id}")
    return html


def _add_cc_watchers(ticket: Ticket | None, parsed: ParsedMail, sender: User) -> None:
    """People in Cc follow the ticket when the setting says so and they may see it."""
    if ticket is None or not settings.SUSTAIN_MAIL_CC_WATCHERS or not parsed.cc:
        return
    own = {
        parseaddr(address)[1].lower()
        for address in (settings.SUSTAIN_MAIL_REPLY_ADDRESS, settings.DEFAULT_FROM_EMAIL)
    } - {""}
    added = []
    for address in parsed.cc:
        if address == sender.email or _without_tag(address) in own:
            continue
        # Watching would let the contact read the ticket: only colleagues of the requester's
        # organisation (and staff) qualify, and only they become contacts if unknown.
        contact = User.objects.filter(email=address).first()
        if contact is None:
            domain_org = organisation_for_domain(address.rpartition("@")[2])
            if ticket.organisation_id is None or domain_org != ticket.organisation:
                continue
            contact = find_or_create_contact(address, "")
        colleague = ticket.organisation_id is not None and (
            contact.organisation_id == ticket.organisation_id
        )
        if contact.is_active and (colleague or contact.is_staff_member):
            added.append(contact)
    if added:
        watch_ticket(actor=EMAIL, ref=ticket.pk, watchers=added, channel=Channel.EMAIL)


def _without_tag(address: str) -> str:
    """``support+SUS-12@x`` → ``support@x``."""
    local, _, domain = address.partition("@")
    return f"{local.partition('+')[0]}@{domain}"


def _title(parsed: ParsedMail) -> str:
    title = " ".join(parsed.subject.split())[:250]
    return title or "(no subject)"


def _uploads(mail: InboundMail, parsed: ParsedMail, raw: bytes) -> list[Upload]:
    """Attachments that pass the checks; the rest are named in the warnings, not dropped
    silently. When the message was not fully readable the raw message is attached too."""
    uploads = []
    for part in parsed.attachments:
        upload = Upload(part.filename, part.content, part.content_type)
        try:
            check_upload(upload)
        except ServiceError as exc:
            mail.warnings.append(f"Attachment not stored: {exc.detail}")
            continue
        uploads.append(upload)
    if mail.warnings:
        uploads.append(Upload("original-message.eml", raw, "message/rfc822"))
    return uploads


def _log_warnings(mail: InboundMail) -> None:
    if mail.ticket is None or not mail.warnings:
        return
    warning = TicketEvent(mail.ticket.pk, "email_warning", "; ".join(mail.warnings)[:2000])
    record_events(actor=EMAIL, events=[warning], channel=Channel.EMAIL)


def _record_bounce(mail: InboundMail, parsed: ParsedMail) -> None:
    reason = (parsed.text or parsed.subject)[:1000]
    users = User.objects.filter(email__in=parsed.failed_recipients)
    for user in users:
        bounce, created = BouncingAddress.objects.get_or_create(
            user=user, defaults={"last_reason": reason}
        )
        if not created:
            bounce.count += 1
            bounce.last_bounce_at = timezone.now()
            bounce.last_reason = reason
            bounce.save(update_fields=["count", "last_bounce_at", "last_reason"])
    if not parsed.failed_recipients:
        mail.warnings.append("A bounce that names no recipient.")


def _bounce_oversized(raw: bytes) -> None:
    """Tell a person (never a robot) why their message was refused."""
    head = parse(raw[:65536])
    if not head.from_address or loops.classify(head) is not loops.Automatic.NONE:
        return
    digest = hashlib.sha256(raw).hexdigest()[:32]
    with transaction.atomic():
        outbox.record_email(
            key=f"mail:too-large:{digest}",
            to=[head.from_address],
            subject=f"Not delivered: {head.subject or '(no subject)'}"[:200],
            body=(
                f"Your message of {len(raw)} bytes is larger than the {max_bytes()} bytes "
                "our support desk accepts, so it did not reach us. Please send it again "
                "with smaller attachments, or share large files by a link."
            ),
        )
