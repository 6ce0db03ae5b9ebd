from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from huey import MemoryHuey
from huey.contrib.djhuey import HUEY

from sustain.core import outbox
from sustain.core.models import OutboxMessage
from sustain.core.tasks import deliver_outbox_message_task
from sustain.core.tests.conftest import LOCMEM_MAILERS, expire_lease
from sustain.schedule import deliver_due_outbox_task

State = OutboxMessage.State


def _record(key: str = "ticket:1:reply:ann", **overrides) -> OutboxMessage:
    fields = {"to": ["ann@example.com"], "subject": "Your ticket", "body": "Hello Ann"}
    with transaction.atomic():
        return outbox.record_email(key=key, **(fields | overrides))


def _reload(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


@pytest.fixture
def no_enqueue(monkeypatch):
    """The process dies right after COMMIT, before the delivery task is enqueued."""
    monkeypatch.setattr(outbox, "_enqueue", lambda message_id: None)


# --- Recording ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_records_and_sends_nothing(mailoutbox):
    def change_that_fails_after_recording() -> None:
        with transaction.atomic():
            outbox.record_email(key="k", to=["ann@example.com"], subject="s", body="b")
            raise RuntimeError("the change failed after the e-mail was recorded")

    with pytest.raises(RuntimeError):
        change_that_fails_after_recording()

    assert not OutboxMessage.objects.exists()
    assert outbox.deliver_due() == 0
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_raises():
    with pytest.raises(outbox.OutboxError, match=r"inside transaction\.atomic"):
        outbox.record_email(key="k", to=["ann@example.com"], subject="s", body="b")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_recording_the_same_key_twice_keeps_one_row(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _record(key="same")
        second = _record(key="same", subject="a different subject")

    assert second.pk == first.pk
    assert second.payload["subject"] == "Your ticket"
    assert OutboxMessage.objects.count() == 1
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_unknown_kind_is_refused_when_recorded():
    with pytest.raises(ValueError, match="Unknown outbox kind 'fax'"), transaction.atomic():
        outbox.record(kind="fax", key="k", payload={})


@pytest.mark.django_db
def test_header_with_line_break_is_refused_when_recorded():
    with pytest.raises(ValueError, match="line breaks"):
        _record(subject="Hello\r\nBcc: everyone@example.com")


# --- Delivery -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_committed_message_is_delivered_once_on_commit(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _record()

    message = _reload(message)
    assert message.state == State.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.claimed_until is None
    assert [m.to for m in mailoutbox] == [["ann@example.com"]]
    assert outbox.deliver_due() == 0
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_real_commit_delivers_through_the_queue(mailoutbox):
    message = _record()

    assert _reload(message).state == State.SENT
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_crash_between_commit_and_delivery_is_recovered_by_the_sweep(mailoutbox, no_enqueue):
    message = _record()
    assert _reload(message).state == State.PENDING
    assert mailoutbox == []

    assert outbox.deliver_due() == 1
    assert outbox.deliver_due() == 0
    assert len(mailoutbox) == 1
    assert _reload(message).state == State.SENT


@pytest.mark.django_db(transaction=True)
def test_queue_down_at_commit_keeps_the_commit_and_the_sweep_delivers(
    mailoutbox, monkeypatch, caplog
):
    def queue_down(message_id: int) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(outbox, "_enqueue", queue_down)
    message = _record()

    assert _reload(message).state == State.PENDING
    assert "redis is down" in caplog.text
    assert outbox.deliver_due() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_second_worker_cannot_claim_a_claimed_row():
    message = _record()

    assert outbox.claim(message.pk) is True
    assert outbox.claim(message.pk) is False
    assert _reload(message).attempts == 1


@pytest.mark.django_db
def test_two_workers_delivering_the_same_row_send_one_mail(mailoutbox):
    message = _record()

    results = [outbox.deliver(message.pk), outbox.deliver(message.pk)]

    assert results == [True, False]
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_claim_whose_lease_expired_is_claimed_again_and_delivered_once(mailoutbox):
    message = _record()
    assert outbox.claim(message.pk)  # the worker dies here
    assert outbox.deliver(message.pk) is False

    expire_lease(message.pk)

    assert outbox.deliver(message.pk) is True
    assert outbox.deliver(message.pk) is False
    assert len(mailoutbox) == 1
    assert _reload(message).attempts == 2


@pytest.mark.django_db
def test_failed_send_stays_pending_with_backoff_and_is_sent_later(
    settings, failing_mail, mailoutbox, clock
):
    message = _record()

    assert outbox.deliver_due() == 0
    failed = _reload(message)
    assert failed.state == State.PENDING
    assert failed.claimed_until is None
    assert "ConnectionRefusedError: SMTP relay refused" in failed.last_error
    assert timezone.now() < failed.available_at <= timezone.now() + timedelta(seconds=30)
    assert outbox.deliver_due() == 0  # not due yet

    settings.MAILERS = LOCMEM_MAILERS
    clock.advance(seconds=31)

    assert outbox.deliver_due() == 1
    assert len(mailoutbox) == 1
    assert _reload(message).attempts == 2


@pytest.mark.django_db
def test_message_is_dead_after_max_attempts(settings, failing_mail, clock, caplog):
    settings.SUSTAIN_OUTBOX_MAX_ATTEMPTS = 3
    message = _record()

    for _ in range(5):
        outbox.deliver_due()
        clock.advance(hours=1)

    dead = _reload(message)
    assert dead.state == State.DEAD
    assert dead.attempts == 3
    assert "SMTP relay refused" in dead.last_error
    assert any(r.levelno == logging.ERROR and "is dead" in r.message for r in caplog.records)


@pytest.mark.django_db
def test_unknown_kind_is_dead_at_delivery(caplog):
    message = OutboxMessage.objects.create(kind="fax", idempotency_key="k", payload={})

    assert outbox.deliver(message.pk) is False
    dead = _reload(message)
    assert dead.state == State.DEAD
    assert "No handler for outbox kind 'fax'" in dead.last_error


@pytest.mark.django_db
def test_sweep_delivers_oldest_first_up_to_the_limit(mailoutbox):
    for n in range(3):
        _record(key=f"k{n}", subject=f"mail {n}")

    assert outbox.deliver_due(limit=2) == 2
    assert [m.subject for m in mailoutbox] == ["mail 0", "mail 1"]
    assert outbox.deliver_due(limit=2) == 1


@pytest.mark.parametrize(
    ("attempts", "low", "high"),
    [(1, 15, 30), (2, 30, 60), (5, 240, 480), (8, 1800, 3600), (30, 1800, 3600)],
)
def test_backoff_doubles_with_jitter_and_is_capped_at_an_hour(attempts, low, high):
    for _ in range(50):
        delay = outbox.backoff_delay(attempts).total_seconds()
        assert low <= delay <= high


# --- The e-mail ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_message_id_is_stable_across_redeliveries(settings, mailoutbox):
    settings.DEFAULT_FROM_EMAIL = "Sustain <help@example.com>"
    message = _record()
    # A worker sends, then dies before it can mark the row sent.
    assert outbox.claim(message.pk)
    outbox.send_email(message.payload)
    expire_lease(message.pk)

    assert outbox.deliver(message.pk) is True

    first, repeat = (m.message()["Message-ID"] for m in mailoutbox)
    assert first == repeat == outbox.message_id_for("ticket:1:reply:ann")
    assert first.endswith("@example.com>")


@pytest.mark.django_db
def test_automatic_mail_is_marked_auto_submitted_and_keeps_threading_headers(mailoutbox):
    thread = "<ticket-1@example.com>"
    message = _record(
        html_body="<p>Hello Ann</p>", headers={"In-Reply-To": thread, "References": thread}
    )
    outbox.deliver(message.pk)

    sent = mailoutbox[0].message()
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["In-Reply-To"] == thread
    assert sent["References"] == thread
    assert sent.get_body(("html",)).get_content().strip() == "<p>Hello Ann</p>"


@pytest.mark.django_db
def test_mail_written_by_a_person_is_not_auto_submitted(mailoutbox):
    message = _record(automatic=False)
    outbox.deliver(message.pk)

    assert mailoutbox[0].message()["Auto-Submitted"] is None


# --- The queue ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_huey_task_delivers_in_immediate_mode(mailoutbox, no_enqueue):
    assert isinstance(HUEY, MemoryHuey)
    assert HUEY.immediate
    message = _record()

    result = deliver_outbox_message_task(message.pk)

    assert deliver_outbox_message_task.retries == 0
    assert result() is True
    assert len(mailoutbox) == 1
    assert deliver_outbox_message_task(message.pk)() is False


@pytest.mark.django_db(transaction=True)
def test_periodic_sweep_runs_every_minute_and_delivers(mailoutbox, no_enqueue):
    sweep = deliver_due_outbox_task.task_class
    for minute in (0, 17, 59):
        # huey compares naive UTC times against the crontab.
        at = datetime(2030, 1, 1, 3, minute, tzinfo=UTC).replace(tzinfo=None)
        assert any(isinstance(task, sweep) for task in HUEY.read_periodic(at))
    assert deliver_due_outbox_task.retries == 0
    _record()

    deliver_due_outbox_task()  # huey keeps no results of periodic tasks

    assert OutboxMessage.objects.get().state == State.SENT
    assert len(mailoutbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_on_postgresql_send_one_mail(mailoutbox, no_enqueue):
    message = _record()
    start = threading.Barrier(4)
    results: list[bool] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(outbox.deliver(message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, False, False, True]
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_drain_delivers_a_backlog_larger_than_one_batch(mailoutbox, no_enqueue):
    for n in range(7):
        _record(key=f"backlog:{n}")

    assert outbox.drain_due(batch=3) == 7

    assert len(mailoutbox) == 7


@pytest.mark.django_db(transaction=True)
def test_prune_drops_old_sent_rows_and_keeps_the_rest(mailoutbox, no_enqueue):
    old, recent, dead = _record(key="old"), _record(key="recent"), _record(key="dead")
    outbox.deliver_due()
    OutboxMessage.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=40))
    OutboxMessage.objects.filter(pk=dead.pk).update(state=State.DEAD)

    assert outbox.prune_sent(older_than=timedelta(days=30)) == 1

    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, dead.pk}


def _batch(*keys: str) -> list[outbox.Email]:
    return [outbox.Email(key=k, to=[f"{k}@example.com"], subject="s", body="b") for k in keys]


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_recorded_and_delivered_once_per_key(mailoutbox):
    with transaction.atomic():
        outbox.record_emails(_batch("b1", "b2"))
    with transaction.atomic():
        outbox.record_emails(_batch("b2", "b3"))  # b2 again: kept as it was

    assert sorted(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == [
        "b1",
        "b2",
        "b3",
    ]
    assert sorted(m.to[0] for m in mailoutbox) == [
        "b1@example.com",
        "b2@example.com",
        "b3@example.com",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_batch_leaves_nothing(mailoutbox):
    def change_that_fails() -> None:
        with transaction.atomic():
            outbox.record_emails(_batch("r1", "r2"))
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert not OutboxMessage.objects.exists()
    assert outbox.deliver_due() == 0
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_one_delivery_job_takes_every_batch_recorded_inside_it(mailoutbox, monkeypatch):
    jobs: list[list[str]] = []
    enqueue = outbox._enqueue_keys

    def counted(keys: list[str]) -> None:
        jobs.append(keys)
        enqueue(keys)

    monkeypatch.setattr(outbox, "_enqueue_keys", counted)

    def change_that_fails(key: str) -> None:
        with transaction.atomic():
            outbox.record_emails(_batch(key))
            raise RuntimeError("this change failed")

    with transaction.atomic(), outbox.one_delivery_job():
        outbox.record_emails(_batch("j1"))
        with pytest.raises(RuntimeError):
            change_that_fails("gone")  # a change inside rolls back
        with transaction.atomic():
            outbox.record_emails(_batch("j2", "j3"))
    with transaction.atomic():  # without it, each change has its job
        outbox.record_emails(_batch("k1"))
        outbox.record_emails(_batch("k2"))

    # "gone" joined the job before its change rolled back: the job finds no row and sends
    # nothing for it.
    assert jobs == [["j1", "gone", "j2", "j3"], ["k1"], ["k2"]]
    assert sorted(m.to[0] for m in mailoutbox) == [
        "j1@example.com",
        "j2@example.com",
        "j3@example.com",
        "k1@example.com",
        "k2@example.com",
    ]


def test_a_batch_outside_a_transaction_is_refused():
    with pytest.raises(outbox.OutboxError):
        outbox.record_emails(_batch("x"))
