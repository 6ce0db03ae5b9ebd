"""Several messages per commit (the IMAP poller): each still succeeds or fails alone."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from sustain.core import outbox
from sustain.core.errors import PayloadTooLarge
from sustain.core.models import OutboxMessage
from sustain.mail import imap
from sustain.mail.imap import poll
from sustain.mail.mailboxes import release_held
from sustain.mail.models import InboundMail, Mailbox
from sustain.mail.secrets import seal
from sustain.mail.services import Received, receive_batch
from sustain.mail.tests.dovecot import ImapServer, dovecot
from sustain.mail.tests.factories import plain
from sustain.tickets import hooks
from sustain.tickets.models import Ticket

pytestmark = pytest.mark.django_db


class Explodes(RuntimeError):
    pass


@pytest.fixture
def explosive_subject() -> Iterator[None]:
    """A ticket hook of another app with a defect: it fails on tickets titled "explode"
    (the kind of error intake cannot foresee)."""

    def hook(ticket_ids: Collection[int], *, created: bool = False) -> None:
        if Ticket.objects.filter(pk__in=ticket_ids, title="explode").exists():
            raise Explodes("the hook broke")

    hooks.on_ticket_changed(hook)
    yield
    hooks._ticket_changed.remove(hook)


def test_a_batch_commits_every_message_and_reports_each_outcome(acme, settings):
    settings.SUSTAIN_MAIL_MAX_BYTES = 4096
    raws = [
        plain(sender="dana@acme.test", subject="first", message_id="<b1@acme>"),
        plain(sender="dana@acme.test", subject="too large", body="x" * 8000),
        plain(sender="dana@acme.test", subject="third", message_id="<b3@acme>"),
        plain(sender="dana@acme.test", subject="first", message_id="<b1@acme>"),
    ]
    batch = receive_batch(raws, source="imap")
    assert batch.failure is None
    first, refused, third, again = batch.outcomes
    assert isinstance(first, Received)
    assert not first.duplicate
    assert isinstance(refused, PayloadTooLarge)
    assert isinstance(third, Received)
    assert not third.duplicate
    assert isinstance(again, Received)
    assert again.duplicate
    assert again.mail.pk == first.mail.pk
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["first", "third"]


def test_a_message_whose_processing_fails_is_held_alone_and_released_later(acme, explosive_subject):
    raws = [
        plain(sender="dana@acme.test", subject="before"),
        plain(sender="dana@acme.test", subject="explode", message_id="<boom@acme>"),
        plain(sender="dana@acme.test", subject="after"),
    ]
    batch = receive_batch(raws, source="imap")
    assert batch.failure is None
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["after", "before"]
    held = batch.outcomes[1]
    assert isinstance(held, Received)
    mail = InboundMail.objects.get(pk=held.mail.pk)
    assert mail.state == InboundMail.State.HELD
    assert mail.ticket_id is None
    assert mail.warnings == ["Processing failed: Explodes: the hook broke"]
    assert (mail.sender, mail.subject) == ("dana@acme.test", "explode")
    assert mail.raw.read() == raws[1]
    # The same message fetched again is the held one, not a second failure.
    again = receive_batch([raws[1]], source="imap").outcomes
    assert isinstance(again[0], Received)
    assert again[0].duplicate
    assert again[0].mail.pk == mail.pk


def test_releasing_a_held_failure_after_the_fix_opens_its_ticket(acme, admin):
    def hook(ticket_ids: Collection[int], *, created: bool = False) -> None:
        raise Explodes("broken for now")

    hooks.on_ticket_changed(hook)
    try:
        held = receive_batch([plain(sender="dana@acme.test", subject="later")], source="imap")
    finally:
        hooks._ticket_changed.remove(hook)
    outcome = held.outcomes[0]
    assert isinstance(outcome, Received)
    released = release_held(actor=admin, mail_id=outcome.mail.pk)
    assert released.state == InboundMail.State.TICKET
    assert released.warnings == []
    assert Ticket.objects.get().title == "later"


def test_one_delivery_job_per_commit_for_the_whole_batch(
    acme, monkeypatch, django_capture_on_commit_callbacks
):
    jobs: list[list[str]] = []
    enqueue = outbox._enqueue_keys

    def counted(keys: list[str]) -> None:
        jobs.append(keys)
        enqueue(keys)  # the real job still runs: the queue is immediate in the tests

    monkeypatch.setattr(outbox, "_enqueue_keys", counted)
    raws = [plain(sender=f"user{n}@acme.test", subject=f"n{n}") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        receive_batch(raws, source="imap")
    assert len(jobs) == 1
    recorded = set(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    assert recorded
    assert set(jobs[0]) == recorded


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    # Not tmp_path: Dovecot's mail processes run as another user and must reach the folder.
    root = Path(tempfile.mkdtemp(prefix="sustain-dovecot-"))
    try:
        with dovecot(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_polling_commits_in_groups_and_a_broken_message_does_not_block_the_mailbox(
    imap_server, acme, explosive_subject, monkeypatch
):
    monkeypatch.setattr(imap, "COMMIT_EVERY", 2)
    for n in range(5):
        subject = "explode" if n == 1 else f"message {n}"
        imap_server.append(plain(sender="dana@acme.test", subject=subject))
    mailbox = Mailbox.objects.create(
        name="support",
        host=imap_server.host,
        port=imap_server.port,
        security=Mailbox.Security.NONE,
        username=imap_server.username,
        secret=seal(imap_server.password),
    )
    result = poll(mailbox)
    assert result.fetched == 5
    assert Ticket.objects.count() == 4
    assert InboundMail.objects.filter(state=InboundMail.State.HELD).count() == 1
    assert imap_server.count("INBOX") == 0
    assert imap_server.count("Processed") == 5


def test_a_batch_that_cannot_even_hold_a_message_keeps_those_before_it(
    acme, explosive_subject, monkeypatch
):
    from sustain.mail import services

    def broken_hold(raw: bytes, *, source: str, error: Exception) -> Received:
        raise OSError("the disk is full")  # storing the held copy fails too

    monkeypatch.setattr(services, "hold_unprocessable", broken_hold)
    raws = [
        plain(sender="dana@acme.test", subject="kept"),
        plain(sender="dana@acme.test", subject="explode"),
        plain(sender="dana@acme.test", subject="never taken"),
    ]
    batch = receive_batch(raws, source="imap")
    assert isinstance(batch.failure, OSError)
    assert len(batch.outcomes) == 1
    assert list(Ticket.objects.values_list("title", flat=True)) == ["kept"]
    assert InboundMail.objects.count() == 1


def test_a_batch_reads_the_sla_policies_fingerprint_once(acme):
    raws = [
        plain(sender=f"user{n}@acme.test", subject=f"Problem {n}", message_id=f"<fp{n}@acme>")
        for n in range(3)
    ]
    with CaptureQueriesContext(connection) as queries:
        batch = receive_batch(raws, source="imap")
    assert batch.failure is None
    assert Ticket.objects.count() == 3
    fingerprints = [q for q in queries.captured_queries if "sla_businesscalendar" in q["sql"]]
    assert len(fingerprints) == 1


def test_a_batch_without_failures_takes_no_savepoint_per_message(acme):
    raws = [
        plain(sender="dana@acme.test", subject=f"s{n}", message_id=f"<s{n}@acme>") for n in range(3)
    ]
    with CaptureQueriesContext(connection) as queries:
        batch = receive_batch(raws, source="imap")
    assert batch.failure is None
    assert Ticket.objects.count() == 3
    # One: the batch's own block, a savepoint inside the test's transaction.
    assert len([q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]) == 1


def test_an_error_caught_where_it_happened_does_not_lose_the_batch_silently(acme):
    # A defective hook swallows a database error: the transaction can only be rolled back,
    # which the batch's atomic block would otherwise do without a word after "success".
    def swallowing(ticket_ids: Collection[int], *, created: bool = False) -> None:
        if Ticket.objects.filter(pk__in=ticket_ids, title="swallow").exists():
            try:
                with transaction.atomic(savepoint=False):
                    raise IntegrityError("duplicate key")
            except IntegrityError:
                pass

    hooks.on_ticket_changed(swallowing)
    try:
        raws = [
            plain(sender="dana@acme.test", subject="kept", message_id="<k1@acme>"),
            plain(sender="dana@acme.test", subject="swallow", message_id="<k2@acme>"),
        ]
        batch = receive_batch(raws, source="imap")
    finally:
        hooks._ticket_changed.remove(swallowing)
    assert batch.failure is None
    assert list(Ticket.objects.values_list("title", flat=True)) == ["kept"]
    states = sorted(InboundMail.objects.values_list("subject", "state"))
    assert states == [("kept", InboundMail.State.TICKET), ("swallow", InboundMail.State.HELD)]
