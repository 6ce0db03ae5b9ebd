"""Outbox leases: a dead worker's row is retried within a minute, a live slow one's never twice.

A claim lasts 30 s on the database's clock; the sending worker renews it every 10 s while its
handler runs, and every minute ``watch_leases`` schedules a retry for the moment each lease
runs out. The expiry of a dead worker's lease is simulated on the database's clock
(``expire_lease``) or, on PostgreSQL, happens for real to a worker process that is killed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Now
from huey.contrib.djhuey import HUEY

from sustain.core import outbox
from sustain.core.models import OutboxMessage
from sustain.core.testing import production_environment
from sustain.core.tests.conftest import expire_lease
from sustain.schedule import watch_outbox_leases_task

State = OutboxMessage.State
QUICK = outbox.Lease(seconds=1.0, renew_every=0.25)


def _record(key: str = "ticket:1:reply:ann") -> OutboxMessage:
    with transaction.atomic():
        return outbox.record_email(
            key=key, to=["ann@example.com"], subject="Your ticket", body="Hello Ann"
        )


def _lease_left(message_id: int) -> timedelta:
    """How long the row's claim still lasts, on the database's clock."""
    left: timedelta = (
        OutboxMessage.objects.filter(pk=message_id)
        .annotate(left=F("claimed_until") - Now())
        .values_list("left", flat=True)
        .get()
    )
    return left


def _run_due_retries() -> list[bool]:
    """Run the scheduled delivery attempts whose time has come, as the queue would."""
    return [task.execute() for task in HUEY.read_schedule(HUEY._get_timestamp())]


@pytest.fixture
def no_enqueue(monkeypatch):
    """The on-commit delivery never happens: these tests deliver by hand."""
    monkeypatch.setattr(outbox, "_enqueue", lambda message_id: None)


@pytest.fixture
def schedule() -> Iterator[None]:
    """The queue's schedule (where ``watch_leases`` puts its retries) starts and ends empty."""
    HUEY.storage.flush_schedule()
    yield
    HUEY.storage.flush_schedule()


def _scheduled_retries() -> dict[int, float]:
    """The delivery attempts in the schedule: message id -> seconds until it runs."""
    now = HUEY._get_timestamp()
    return {
        task.args[0]: (task.eta - now).total_seconds()
        for task in HUEY.scheduled()
        if task.name.endswith("deliver_outbox_message_task")
    }


# --- the lease ----------------------------------------------------------------------------


def test_the_default_lease_is_renewed_three_times_and_retried_within_a_minute():
    lease = outbox.DEFAULT_LEASE
    assert lease.renew_every * 3 <= lease.seconds
    # A dead worker's row is retried at most a lease and the margin after its last renewal.
    assert lease.seconds + outbox.RECLAIM_MARGIN_SECONDS <= 60


@pytest.mark.django_db
def test_a_claim_lasts_30_seconds_on_the_database_clock():
    message = _record()

    assert outbox.claim(message.pk)

    assert timedelta(seconds=28) < _lease_left(message.pk) <= timedelta(seconds=30)
    assert outbox.claim(message.pk) is False


@pytest.mark.django_db
def test_only_the_holder_of_a_claim_can_renew_it(mailoutbox):
    message = _record()
    assert outbox.claim(message.pk)  # attempt 1, whose worker stalls
    expire_lease(message.pk)
    assert outbox.claim(message.pk)  # attempt 2, another worker

    assert outbox.renew(message.pk, 1) is False
    assert outbox.renew(message.pk, 2) is True
    assert _lease_left(message.pk) > timedelta(seconds=28)


@pytest.mark.django_db
def test_a_worker_that_lost_its_claim_does_not_free_the_row_of_the_new_holder(
    failing_mail, mailoutbox
):
    message = _record()
    assert outbox.claim(message.pk)
    stale = OutboxMessage.objects.get(pk=message.pk)  # attempt 1's copy
    expire_lease(message.pk)
    assert outbox.claim(message.pk)  # attempt 2 is sending now

    outbox._record_failure(stale, ConnectionRefusedError("attempt 1 failed late"))

    row = OutboxMessage.objects.get(pk=message.pk)
    assert row.claimed_until is not None
    assert row.last_error == ""
    assert outbox.claim(message.pk) is False


@pytest.mark.django_db(transaction=True)
def test_the_lease_keeper_renews_the_claim_while_the_handler_runs(no_enqueue):
    message = _record()
    assert outbox.claim(message.pk, lease=QUICK)

    with outbox.LeaseKeeper(message.pk, 1, QUICK) as keeper:
        time.sleep(1.6)  # a slow send, longer than the lease

    assert keeper.renewals >= 4
    assert not keeper.lost
    assert _lease_left(message.pk) > timedelta(seconds=0.5)
    assert outbox.claim(message.pk) is False


# --- the watch ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_watch_schedules_a_retry_for_when_each_held_lease_runs_out(mailoutbox, schedule):
    held, free, sent = _record("held"), _record("free"), _record("sent")
    outbox.deliver(sent.pk)
    assert outbox.claim(held.pk)  # its worker dies now

    assert outbox.watch_leases() == 1

    retries = _scheduled_retries()
    assert list(retries) == [held.pk]
    assert 29 < retries[held.pk] <= 30 + outbox.RECLAIM_MARGIN_SECONDS
    assert free.pk not in retries

    # When it runs, the dead worker's lease is over: the retry sends the mail.
    expire_lease(held.pk)
    [task] = HUEY.scheduled()
    assert task.execute() is True
    assert OutboxMessage.objects.get(pk=held.pk).state == State.SENT
    assert [m.extra_headers["Message-ID"] for m in mailoutbox] == [
        outbox.message_id_for("sent"),
        outbox.message_id_for("held"),
    ]


@pytest.mark.django_db
def test_a_retry_that_finds_the_lease_renewed_sends_nothing(mailoutbox, schedule):
    message = _record()
    assert outbox.claim(message.pk)
    outbox.watch_leases()
    assert outbox.renew(message.pk, 1)  # the worker is alive and renewed in time

    [task] = HUEY.scheduled()
    assert task.execute() is False
    assert mailoutbox == []


def test_the_watch_runs_every_minute():
    watch = watch_outbox_leases_task.task_class
    for minute in (0, 17, 59):
        at = datetime(2030, 1, 1, 3, minute, tzinfo=UTC).replace(tzinfo=None)  # huey: naive UTC
        assert any(isinstance(task, watch) for task in HUEY.read_periodic(at))
    assert watch_outbox_leases_task.retries == 0


# --- two workers for real (PostgreSQL: concurrent writers) --------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_live_slow_worker_is_not_double_sent_by_others(mailoutbox, no_enqueue, schedule):
    message = _record()
    sending = threading.Event()
    results: list[bool] = []

    def slow_smtp(payload: outbox.Payload) -> None:
        sending.set()
        time.sleep(3 * QUICK.seconds)  # three leases long
        outbox.send_email(payload)

    def slow_worker() -> None:
        try:
            results.append(outbox.deliver(message.pk, lease=QUICK))
        finally:
            connection.close()

    handlers = {**outbox.HANDLERS, "email": slow_smtp}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox, "HANDLERS", handlers)
        worker = threading.Thread(target=slow_worker)
        worker.start()
        assert sending.wait(10)
        # Meanwhile the other workers: the sweep, direct deliveries and the lease watch.
        while worker.is_alive():
            assert outbox.deliver(message.pk) is False
            assert outbox.drain_due(budget_seconds=0.1) == 0
            outbox.watch_leases()
            assert True not in _run_due_retries()
            time.sleep(0.05)
        worker.join()

    assert results == [True]
    assert len(mailoutbox) == 1
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.state, row.attempts) == (State.SENT, 1)


CHILD_WORKER = """
import sys, time
import django
django.setup()
from sustain.core import outbox

send = outbox.HANDLERS["email"]

def slow_smtp(payload):
    print("sending", flush=True)
    time.sleep(float(sys.argv[2]))
    send(payload)

outbox.HANDLERS["email"] = slow_smtp
lease = outbox.Lease(seconds=1.0, renew_every=0.25)
print("sent" if outbox.deliver(int(sys.argv[1]), lease=lease) else "not sent", flush=True)
"""


def _child_worker(tmp_path: Path, message_id: int, send_seconds: float) -> subprocess.Popen[str]:
    """A worker in a process of its own, on the test's database, whose SMTP server takes
    ``send_seconds`` to accept a mail (written to ``tmp_path/sent-mail``)."""
    db = settings.DATABASES["default"]
    url = (
        f"postgres://{db['USER'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}"
    )
    return subprocess.Popen(
        [sys.executable, "-c", CHILD_WORKER, str(message_id), str(send_seconds)],
        env=production_environment(tmp_path, DATABASE_URL=url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(child: subprocess.Popen[str], expected: str) -> None:
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    assert line == expected, f"{line!r}; stderr: {child.stderr.read() if child.stderr else ''}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_row_of_a_killed_worker_process_is_retried_when_its_lease_runs_out(
    mailoutbox, no_enqueue, schedule, tmp_path
):
    message = _record()
    child = _child_worker(tmp_path, message.pk, send_seconds=3600)
    try:
        _wait_for_line(child, "sending")
        child.send_signal(signal.SIGKILL)  # dies in the middle of the send
        child.wait(10)
        killed_at = time.monotonic()
        assert outbox.deliver(message.pk) is False  # its lease still holds

        assert outbox.watch_leases() == 1
        retry_in = _scheduled_retries()[message.pk]
        assert retry_in <= QUICK.seconds + outbox.RECLAIM_MARGIN_SECONDS
        time.sleep(max(retry_in, 0) + 0.05)
        assert _run_due_retries() == [True]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert time.monotonic() - killed_at < QUICK.seconds + outbox.RECLAIM_MARGIN_SECONDS + 1
    assert len(mailoutbox) == 1
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.state, row.attempts) == (State.SENT, 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_worker_process_keeps_its_row_for_as_long_as_it_sends(
    mailoutbox, no_enqueue, schedule, tmp_path
):
    message = _record()
    child = _child_worker(tmp_path, message.pk, send_seconds=3 * QUICK.seconds)
    try:
        _wait_for_line(child, "sending")
        while child.poll() is None:
            assert outbox.deliver(message.pk) is False
            outbox.watch_leases()
            assert True not in _run_due_retries()
            time.sleep(0.05)
        _wait_for_line(child, "sent")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert mailoutbox == []
    assert len(list((tmp_path / "sent-mail").glob("*.log"))) == 1
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.state, row.attempts) == (State.SENT, 1)
