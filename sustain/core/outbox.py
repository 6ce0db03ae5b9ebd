"""The outbox: the only way side effects (e-mail, webhooks…) leave Sustain.

A service calls :func:`record` (or :func:`record_email`) inside the transaction of the change
that causes the effect, so the effect exists if and only if the change commits. On commit a
delivery task is enqueued for the new row, which makes delivery fast when all goes well; the
periodic sweep (:func:`deliver_due`, scheduled in ``sustain/schedule.py``) picks up
whatever that missed: a crash between commit and enqueue, a queue that was down, a retry.

Delivery is at-least-once. A worker claims a row with a conditional UPDATE before sending, so
two workers never send the same row at once; a worker that dies after sending but before
marking the row sent causes one repeat, which carries the same Message-ID (derived from the
idempotency key) so that the receiver can drop it.

A claim is a short lease (:data:`DEFAULT_LEASE`, 30 s) that the sending worker renews while
its handler runs, so a slow send keeps its row however long it takes, and the row of a worker
that died is free again within 30 s; :func:`watch_leases` (every minute) retries it the moment
its lease runs out. Leases are read and written on the database's clock, the one clock every
worker shares.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from sustain.core import fastsql
from sustain.core.models import OutboxMessage

logger = logging.getLogger(__name__)

Payload = dict[str, Any]
Handler = Callable[[Payload], None]

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
# Long enough for an SMTP conversation transcript, short enough to keep the row small.
MAX_ERROR_CHARS = 2000
_KEY_MAX_LENGTH = OutboxMessage._meta.get_field("idempotency_key").max_length or 200


class OutboxError(RuntimeError):
    """The outbox was used in a way that could lose or duplicate a side effect."""


# --- Recording ----------------------------------------------------------------------------


def _check_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise OutboxError(
            "outbox.record() must be called inside transaction.atomic(): the message has to "
            "commit or roll back together with the change that causes it."
        )


def _check_key(key: str) -> None:
    if not key or len(key) > _KEY_MAX_LENGTH:
        raise ValueError(f"An outbox key must be 1 to {_KEY_MAX_LENGTH} characters long.")


def record(*, kind: str, key: str, payload: Payload) -> OutboxMessage:
    """Write a side effect to the outbox in the caller's transaction.

    Recording a key that already exists returns the existing row unchanged, so a service that
    runs twice (a retried request, a re-imported e-mail) produces the effect once.
    """
    _check_atomic()
    if kind not in HANDLERS:
        raise ValueError(f"Unknown outbox kind {kind!r}; known kinds: {', '.join(HANDLERS)}.")
    _check_key(key)
    # Insert first under a savepoint and read only on a clash: a new key (nearly always) costs
    # one INSERT, and a concurrent recorder of the same key gets the winner's row.
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                idempotency_key=key, kind=kind, payload=payload, message_id=_message_id_of(payload)
            )
        created = True
    except IntegrityError:
        message = OutboxMessage.objects.get(idempotency_key=key)
        created = False
    if created:
        # robust: a queue that is down must not turn a committed change into an error page;
        # the sweep delivers the row anyway.
        transaction.on_commit(functools.partial(_enqueue, message.pk), robust=True)
    return message


def record_email(
    *,
    key: str,
    to: list[str],
    subject: str,
    body: str,
    html_body: str | None = None,
    headers: dict[str, str] | None = None,
    automatic: bool = True,
) -> OutboxMessage:
    """Record an e-mail. ``automatic`` marks mail no human wrote, so auto-responders stay quiet."""
    email = Email(key, to, subject, body, html_body, headers, automatic)
    return record(kind="email", key=key, payload=email.payload())


@dataclass(frozen=True)
class Email:
    key: str
    to: list[str]
    subject: str
    body: str
    html_body: str | None = None
    headers: dict[str, str] | None = None
    automatic: bool = True
    # Stored files to attach, read at delivery time: {"name": storage name, "filename",
    # "content_type"}. The payload stays small and the bytes are never copied into it.
    attachments: tuple[dict[str, str], ...] = ()

    def payload(self) -> Payload:
        if not self.to:
            raise ValueError("An e-mail needs at least one recipient.")
        _check_key(self.key)
        all_headers = dict(self.headers or {})
        if self.automatic:
            all_headers["Auto-Submitted"] = "auto-generated"
        all_headers["Message-ID"] = message_id_for(self.key)
        _reject_line_breaks({"Subject": self.subject, "To": ", ".join(self.to), **all_headers})
        return {
            "from_email": settings.DEFAULT_FROM_EMAIL,
            "to": list(self.to),
            "subject": self.subject,
            "body": self.body,
            "html_body": self.html_body,
            "headers": all_headers,
            "attachments": [dict(item) for item in self.attachments],
        }


def record_emails(emails: list[Email]) -> None:
    """Record several e-mails of one change with a single INSERT.

    A key that exists already keeps its row (the INSERT skips it); its delivery job then finds
    nothing to claim. One job delivers the whole batch after the commit.
    """
    _check_atomic()
    if not emails:
        return
    payloads = [(email.key, email.payload()) for email in emails]
    rows = [
        OutboxMessage(
            kind="email", idempotency_key=key, payload=payload, message_id=_message_id_of(payload)
        )
        for key, payload in payloads
    ]
    fastsql.insert_rows(rows, skip_conflicts=True)
    _enqueue_keys_on_commit([email.key for email in emails])


# The keys of the e-mails recorded inside ``one_delivery_job``, when one is open.
_job_keys: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "outbox_job_keys", default=None
)


@contextlib.contextmanager
def one_delivery_job() -> Iterator[None]:
    """Hand the e-mails recorded inside to the queue as one delivery job, after the commit.

    Each change that records e-mails enqueues a job of its own; a caller that makes many
    changes in one transaction (mail intake commits ten messages at once) would pay a queue
    write for each. Keys recorded in a savepoint that rolls back ride along: their job finds
    no row under them and sends nothing for them."""
    keys: list[str] = []
    token = _job_keys.set(keys)
    try:
        yield
    finally:
        _job_keys.reset(token)
    if keys:
        transaction.on_commit(functools.partial(_enqueue_keys, keys), robust=True)


def _enqueue_keys_on_commit(keys: list[str]) -> None:
    collecting = _job_keys.get()
    if collecting is not None:
        collecting.extend(keys)
    else:
        transaction.on_commit(functools.partial(_enqueue_keys, keys), robust=True)


def _message_id_of(payload: Payload) -> str:
    headers = payload.get("headers") or {}
    return str(headers.get("Message-ID", ""))[:255] if isinstance(headers, dict) else ""


def message_id_for(key: str) -> str:
    """The Message-ID of the e-mail recorded under ``key``: the same for every redelivery."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{_mail_domain()}>"


def _mail_domain() -> str:
    return _domain_of(settings.DEFAULT_FROM_EMAIL, settings.SUSTAIN_BASE_URL)


@functools.cache
def _domain_of(from_email: str, base_url: str) -> str:
    # Cached: every e-mail asks, and parsing the address costs more than the rest of its Message-ID.
    domain = parseaddr(from_email)[1].rpartition("@")[2]
    return domain or urlsplit(base_url).hostname or "sustain.invalid"


def _reject_line_breaks(headers: dict[str, str]) -> None:
    # Checked here rather than at send time: a bad header would otherwise fail every retry
    # and surface hours later as a dead message, far from the code that wrote it.
    for name, value in headers.items():
        if "\r" in name or "\n" in name or "\r" in value or "\n" in value:
            raise ValueError(f"E-mail header {name!r} must not contain line breaks.")


def _enqueue(message_id: int) -> None:
    # Imported here because tasks.py imports this module.
    from sustain.core.tasks import deliver_outbox_message_task

    deliver_outbox_message_task(message_id)


def _enqueue_keys(keys: list[str]) -> None:
    from sustain.core.tasks import deliver_outbox_keys_task

    deliver_outbox_keys_task(keys)


def deliver_keys(keys: list[str]) -> int:
    """Deliver the rows recorded under ``keys`` (the batch job); returns how many were sent."""
    ids = OutboxMessage.objects.filter(idempotency_key__in=keys).values_list("id", flat=True)
    return sum(1 for message_id in list(ids) if deliver(message_id))


# --- Delivery -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lease:
    """How long a claim lasts, and how often its worker renews it while the handler runs.

    Renewing three times per lease leaves two renewals' worth of slack (a slow query, a
    pause of the process) before a live worker's row could be taken from it."""

    seconds: float = 30.0
    renew_every: float = 10.0

    @property
    def length(self) -> timedelta:
        return timedelta(seconds=self.seconds)


DEFAULT_LEASE = Lease()
# A dead worker's row is retried this long after its lease ran out: the database must see the
# lease as past (claims compare strictly), and the queue's scheduler wakes once a second.
RECLAIM_MARGIN_SECONDS = 1.0


def claim(message_id: int, *, lease: Lease = DEFAULT_LEASE) -> bool:
    """Take the row for one delivery attempt; False if it is not due or someone else has it.

    The UPDATE is conditional and the row count decides, so of two workers racing for the
    same row exactly one wins (PostgreSQL re-checks the WHERE clause after the row lock;
    SQLite serialises writers). A lease instead of a flag lets a dead worker's row be
    claimed again once the lease runs out. The attempt count the claim sets identifies it:
    only the worker holding that attempt may renew it (:func:`renew`).
    """
    changed = (
        _due(timezone.now())
        .filter(pk=message_id)
        .update(claimed_until=Now() + lease.length, attempts=F("attempts") + 1)
    )
    return changed == 1


def renew(message_id: int, attempt: int, *, lease: Lease = DEFAULT_LEASE) -> bool:
    """Extend the claim of ``attempt`` by a whole lease; False if that claim is no longer
    the row's (it ran out and another worker claimed the row, or the row is done)."""
    claimed = OutboxMessage.objects.filter(
        pk=message_id, state=OutboxMessage.State.PENDING, attempts=attempt
    )
    return claimed.update(claimed_until=Now() + lease.length) == 1


class LeaseKeeper:
    """Renews a claim every ``lease.renew_every`` seconds, from a thread of its own, for as
    long as the ``with`` block (the handler) runs. A send that ends before the first renewal
    (nearly all of them) costs the thread's start and nothing in the database."""

    def __init__(self, message_id: int, attempt: int, lease: Lease = DEFAULT_LEASE) -> None:
        self.message_id, self.attempt, self.lease = message_id, attempt, lease
        self.renewals = 0
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._keep, name=f"outbox-lease-{message_id}", daemon=True
        )

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _keep(self) -> None:
        try:
            while not self._stop.wait(self.lease.renew_every):
                try:
                    kept = renew(self.message_id, self.attempt, lease=self.lease)
                except DatabaseError as exc:
                    # Try again at the next turn: the lease has slack for a renewal or two.
                    logger.warning(
                        "Outbox message %s: renewing its lease failed: %s", self.message_id, exc
                    )
                    continue
                if not kept:
                    self.lost = True
                    logger.error(
                        "Outbox message %s: its lease ran out while it was being sent and "
                        "another worker claimed it; it may be sent twice.",
                        self.message_id,
                    )
                    return
                self.renewals += 1
        finally:
            connections.close_all()  # this thread's own connections only


def deliver(message_id: int, *, lease: Lease = DEFAULT_LEASE) -> bool:
    """Claim the row, run its handler and record the outcome; True if it was sent now.

    Call it outside a transaction (as the worker does), so that the claim is committed and
    visible to other workers before the side effect happens.
    """
    if not claim(message_id, lease=lease):
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    handler = HANDLERS.get(message.kind)
    if handler is None:
        _give_up(message, f"No handler for outbox kind {message.kind!r}.")
        return False
    try:
        with LeaseKeeper(message_id, message.attempts, lease):
            handler(message.payload)
    except Exception as exc:  # any failure of the handler is a failed attempt, retried later
        _record_failure(message, exc)
        return False
    return _mark_sent(message)


def watch_leases(*, limit: int = 500) -> int:
    """For each row a worker holds now, a delivery attempt for the moment its lease runs out.

    A live worker has renewed its lease by then, and the attempt finds nothing to claim. A
    dead worker's row is claimed by it at once, rather than by the first sweep after the
    lease ran out: with sweeps a minute apart, that is what keeps the retry of a dead
    worker's row within a minute of the death. Returns how many attempts were scheduled.
    """
    # Imported here because tasks.py imports this module.
    from sustain.core.tasks import deliver_outbox_message_task

    held = (
        OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, claimed_until__gte=Now())
        .annotate(left=F("claimed_until") - Now())  # on the database's clock, like the lease
        .order_by("claimed_until")
        .values_list("pk", "left")[:limit]
    )
    scheduled = 0
    for message_id, left in held:
        delay = max(left.total_seconds(), 0.0) + RECLAIM_MARGIN_SECONDS
        deliver_outbox_message_task.schedule(args=(message_id,), delay=delay)
        scheduled += 1
    return scheduled


def deliver_due(limit: int = 200) -> int:
    """The sweep: deliver every due row (up to ``limit``); returns how many were sent."""
    now = timezone.now()
    ids = list(
        _due(now).order_by("available_at", "id").values_list("id", flat=True)[:limit],
    )
    return sum(1 for message_id in ids if deliver(message_id))


def drain_due(*, budget_seconds: float = 45.0, batch: int = 200) -> int:
    """Deliver due rows batch after batch until none is left or the time budget is spent.

    The periodic sweep uses this so that a backlog after an outage drains at the speed of the
    mail server, not at one batch per minute; the budget keeps a run shorter than the minute
    between runs.
    """
    deadline = time.monotonic() + budget_seconds
    sent = 0
    while time.monotonic() < deadline:
        due = _due(timezone.now()).order_by("available_at", "id")
        ids = list(due.values_list("id", flat=True)[:batch])
        if not ids:
            break
        sent += sum(1 for message_id in ids if deliver(message_id))
        if len(ids) < batch:
            break
    return sent


def prune_sent(*, older_than: timedelta) -> int:
    """Delete delivered rows older than ``older_than``; dead rows stay for an operator."""
    cutoff = timezone.now() - older_than
    deleted, _ = OutboxMessage.objects.filter(
        state=OutboxMessage.State.SENT, sent_at__lt=cutoff
    ).delete()
    return deleted


def requeue_dead(*, ids: list[int] | None = None) -> int:
    """Give dead rows (all, or the given ones) a fresh set of attempts, due now."""
    dead = OutboxMessage.objects.filter(state=OutboxMessage.State.DEAD)
    if ids is not None:
        dead = dead.filter(pk__in=ids)
    return dead.update(
        state=OutboxMessage.State.PENDING,
        attempts=0,
        available_at=timezone.now(),
        claimed_until=None,
    )


def backoff_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter, so that rows failing together do not retry together."""
    ceiling = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))


def _due(now: datetime) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=Now()),
        state=OutboxMessage.State.PENDING,
        available_at__lte=now,
    )


def _pending(message: OutboxMessage) -> QuerySet[OutboxMessage]:
    # Every outcome is written only while the row is still pending, so a late worker cannot
    # overwrite "sent" with "failed".
    return OutboxMessage.objects.filter(pk=message.pk, state=OutboxMessage.State.PENDING)


def _claimed(message: OutboxMessage) -> QuerySet[OutboxMessage]:
    # A failure is written only by the worker whose claim is the row's: one that lost its
    # lease must not free the row (claimed_until = NULL) under the worker now sending it.
    return _pending(message).filter(attempts=message.attempts)


def _mark_sent(message: OutboxMessage) -> bool:
    # Not only by the claim's holder: once the mail is out, no worker should send it again.
    changed = _pending(message).update(
        state=OutboxMessage.State.SENT, sent_at=timezone.now(), claimed_until=None
    )
    return changed == 1


def _record_failure(message: OutboxMessage, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    if message.attempts >= settings.SUSTAIN_OUTBOX_MAX_ATTEMPTS:
        _give_up(message, error)
        return
    retry_at = timezone.now() + backoff_delay(message.attempts)
    _claimed(message).update(last_error=error, claimed_until=None, available_at=retry_at)
    logger.warning(
        "Outbox message %s (%s) failed on attempt %s, retrying at %s: %s",
        message.pk,
        message.kind,
        message.attempts,
        retry_at.isoformat(),
        error,
    )


def _give_up(message: OutboxMessage, error: str) -> None:
    _claimed(message).update(state=OutboxMessage.State.DEAD, last_error=error, claimed_until=None)
    logger.error(
        "Outbox message %s (%s, key %s) is dead after %s attempts: %s",
        message.pk,
        message.kind,
        message.idempotency_key,
        message.attempts,
        error,
    )


# --- Handlers -----------------------------------------------------------------------------


def send_email(payload: Payload) -> None:
    """Send a recorded e-mail through the default mailer (``settings.MAILERS["default"]``)."""
    email = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload.get("from_email") or settings.DEFAULT_FROM_EMAIL,
        to=payload["to"],
        headers=payload.get("headers") or {},
    )
    if payload.get("html_body"):
        email.attach_alternative(payload["html_body"], "text/html")
    for item in payload.get("attachments") or []:
        # A missing file raises: the delivery is retried and finally reported as dead.
        with default_storage.open(item["name"], "rb") as stored:
            email.attach(item["filename"], stored.read(), item["content_type"])
    email.send()


# Explicit, so that the kinds Sustain can deliver are listed in one place.
HANDLERS: dict[str, Handler] = {"email": send_email}
