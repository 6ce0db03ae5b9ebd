"""Backup history, schedule, retention, verification and alarms."""

from __future__ import annotations

import tarfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.storage import FileSystemStorage

from sustain.backups import operations, services
from sustain.backups.models import Backup
from sustain.core.errors import Conflict, NotFound, PermissionDenied
from sustain.core.models import OutboxMessage
from sustain.tickets.models import Ticket


def test_scheduled_backup_writes_an_archive_and_records_it(helpdesk, admin):
    backup = services.run_scheduled_backup(today=date(2026, 11, 22))
    assert backup is not None
    backup.refresh_from_db()
    assert backup.status == Backup.Status.SUCCEEDED
    assert backup.trigger == Backup.Trigger.SCHEDULE
    path = Path(backup.location)
    assert path.is_file()
    assert path.parent == services.backup_dir()
    assert backup.size == path.stat().st_size
    assert len(backup.sha256) == 64
    assert backup.files == 2
    assert backup.rows is not None
    assert backup.rows > 10
    assert backup.duration is not None
    assert operations.check_archive(path, passphrase=None).rows("tickets.ticket") == 3


def test_scheduled_backup_runs_once_per_day(helpdesk):
    assert services.run_scheduled_backup(today=date(2026, 11, 22)) is not None
    assert services.run_scheduled_backup(today=date(2026, 11, 22)) is None
    assert Backup.objects.count() == 1


def test_scheduled_backup_can_be_switched_off(helpdesk, settings):
    settings.SUSTAIN_BACKUP_ENABLED = False
    assert services.run_scheduled_backup() is None
    assert services.next_scheduled_run() is None
    assert not Backup.objects.exists()


def test_encrypted_when_a_passphrase_is_configured(helpdesk, settings, monkeypatch):
    monkeypatch.setattr("sustain.backups.crypto.SCRYPT_LOG2_N", 10)
    settings.SUSTAIN_BACKUP_PASSPHRASE = "from the environment"
    backup = services.run_scheduled_backup()
    assert backup is not None
    assert backup.encrypted
    assert backup.location.endswith(".enc")
    assert services.verify_backup(backup_id=backup.pk).verification == Backup.Verification.PASSED


def test_backup_into_a_storage_backend(helpdesk, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "offsite")},
        },
    }
    settings.SUSTAIN_BACKUP_STORAGE = "backups"
    backup = services.run_scheduled_backup()
    assert backup is not None
    assert backup.status == Backup.Status.SUCCEEDED
    assert backup.storage == "backups"
    assert FileSystemStorage(tmp_path / "offsite").exists(backup.location)
    assert not any(services.backup_dir().iterdir())
    verified = services.verify_backup(backup_id=backup.pk)
    assert verified.verification == Backup.Verification.PASSED


def test_failed_backup_notifies_admins_and_opens_a_ticket(
    helpdesk, admin, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(operations, "write_archive", broken)
    tickets_before = Ticket.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        backup = services.run_scheduled_backup()
    assert backup is not None
    backup.refresh_from_db()
    assert backup.status == Backup.Status.FAILED
    assert "No space left on device" in backup.error
    alarm = OutboxMessage.objects.get(idempotency_key=f"backup:{backup.pk}:backup-failed")
    assert alarm.payload["to"] == [admin.email]
    assert "No space left on device" in alarm.payload["body"]
    assert any("backup failed" in m.subject for m in mail.outbox)
    ticket = Ticket.objects.order_by("-pk").first()
    assert Ticket.objects.count() == tickets_before + 1
    assert ticket is not None
    assert "backup failed" in ticket.title
    assert ticket.requester == admin
    assert ticket.priority == 1


def test_failure_without_any_admin_is_only_logged(bob, monkeypatch, caplog):
    monkeypatch.setattr(operations, "write_archive", lambda *a, **k: 1 / 0)
    backup = services.run_scheduled_backup()
    assert backup is not None
    assert backup.status == Backup.Status.FAILED
    assert not Ticket.objects.exists()
    assert "no admin to tell" in caplog.text


def test_verification_records_a_pass(helpdesk):
    backup = services.run_scheduled_backup()
    assert backup is not None
    checked = services.verify_backup(backup_id=backup.pk)
    assert checked.verification == Backup.Verification.PASSED
    assert checked.verified_at is not None
    assert checked.verification_detail.startswith("OK:")


def test_failed_verification_notifies_and_opens_a_ticket(helpdesk, admin):
    backup = services.run_scheduled_backup()
    assert backup is not None
    path = Path(backup.location)
    # A byte of the tickets' data: a byte at a fixed fraction of the file can land in the
    # padding between tar members, which nothing reads.
    with tarfile.open(path) as archive:
        member = next(m for m in archive if m.name.startswith("data/tickets.ticket/"))
    data = bytearray(path.read_bytes())
    data[member.offset_data + member.size // 2] ^= 0x10
    path.write_bytes(bytes(data))
    checked = services.verify_backup(backup_id=backup.pk)
    assert checked.verification == Backup.Verification.FAILED
    assert checked.verification_detail.startswith("FAILED:")
    assert OutboxMessage.objects.filter(
        idempotency_key=f"backup:{backup.pk}:verification-failed"
    ).exists()
    assert Ticket.objects.filter(title__contains="verification failed").exists()


def test_missing_archive_fails_verification(helpdesk, admin):
    backup = services.run_scheduled_backup()
    assert backup is not None
    Path(backup.location).unlink()
    checked = services.verify_backup(backup_id=backup.pk)
    assert checked.verification == Backup.Verification.FAILED
    assert "does not exist" in checked.verification_detail


def test_periodic_verification_checks_the_newest_backup_once(helpdesk):
    older = services.run_scheduled_backup(today=date(2026, 11, 21))
    newer = services.run_scheduled_backup(today=date(2026, 11, 22))
    assert older is not None
    assert newer is not None
    Backup.objects.filter(pk=older.pk).update(created_at=datetime(2026, 11, 21, tzinfo=UTC))
    checked = services.verify_newest_backup()
    assert checked is not None
    assert checked.pk == newer.pk
    assert checked.verification == Backup.Verification.PASSED
    assert services.verify_newest_backup() is None
    older.refresh_from_db()
    assert older.verification == Backup.Verification.PENDING


def test_nothing_to_verify_without_backups(db):
    assert services.verify_newest_backup() is None


def test_periodic_verification_leaves_command_line_archives_alone(helpdesk, tmp_path):
    services.create_backup_at(tmp_path / "mine.sustain-backup")
    assert services.verify_newest_backup() is None


def test_retention_keeps_daily_weekly_and_monthly():
    start = datetime(2026, 1, 1, 2, 30, tzinfo=UTC)
    created = [(n, start + timedelta(days=n)) for n in range(120)]  # 1 Jan … 30 Apr
    created.append((1000, start + timedelta(days=119, hours=1)))  # second backup on the last day
    keep = services.retained(created, daily=3, weekly=2, monthly=3)
    newest_days = {1000, 118, 117}
    # ISO weeks: the newest of the current week (1000) and of the week before (Sunday 26 Apr).
    previous_week = {115}
    months = {1000, 89, 58}  # newest of April, March (31st) and February (28th)
    assert keep == newest_days | previous_week | months


def test_retention_always_keeps_the_newest():
    now = datetime(2026, 11, 22, tzinfo=UTC)
    assert services.retained([(1, now), (2, now - timedelta(days=1))], 0, 0, 0) == {1}
    assert services.retained([], 3, 3, 3) == set()


def test_retention_deletes_old_archives_but_keeps_the_history(helpdesk, settings, tmp_path):
    settings.SUSTAIN_BACKUP_KEEP_DAILY = 2
    settings.SUSTAIN_BACKUP_KEEP_WEEKLY = 0
    settings.SUSTAIN_BACKUP_KEEP_MONTHLY = 0
    backups = []
    for day in (18, 19, 20):
        backup = services.run_scheduled_backup(today=date(2026, 11, day))
        assert backup is not None
        Backup.objects.filter(pk=backup.pk).update(
            created_at=datetime(2026, 11, day, 2, 30, tzinfo=UTC)
        )
        backups.append(backup)
    command_line = tmp_path / "mine.sustain-backup"
    services.create_backup_at(command_line)
    Backup.objects.filter(trigger=Backup.Trigger.COMMAND).update(
        created_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    # Each scheduled run applies retention after it: the third one dropped the first.
    assert services.apply_retention() == []
    statuses = dict(Backup.objects.values_list("pk", "status"))
    assert statuses[backups[0].pk] == Backup.Status.DELETED
    assert not Path(backups[0].location).exists()
    assert Path(backups[1].location).exists()
    assert Path(backups[2].location).exists()
    assert command_line.exists()  # the operator's own file is never touched


def test_only_admins_see_and_run_backups(alice, bob, admin):
    for outsider in (alice, bob):
        with pytest.raises(PermissionDenied):
            services.request_backup(actor=outsider)
        with pytest.raises(PermissionDenied):
            services.backups_for(outsider)
    with pytest.raises(NotFound):
        services.get_backup_for(admin, 12345)


def test_back_up_now_queues_and_a_worker_runs_it(
    helpdesk, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        backup = services.request_backup(actor=admin)
    backup.refresh_from_db()
    assert backup.trigger == Backup.Trigger.MANUAL
    assert backup.requested_by == admin
    assert backup.status == Backup.Status.SUCCEEDED
    # Running the same id again (a retried job) changes nothing.
    assert services.run_backup(backup_id=backup.pk).finished_at == backup.finished_at


def test_back_up_now_refuses_while_one_is_queued(admin):
    services.request_backup(actor=admin)
    with pytest.raises(Conflict, match="already queued"):
        services.request_backup(actor=admin)


def test_verification_on_request_needs_a_good_backup(helpdesk, admin):
    failed = Backup.objects.create(trigger=Backup.Trigger.MANUAL, status=Backup.Status.FAILED)
    with pytest.raises(Conflict):
        services.request_verification(actor=admin, backup_id=failed.pk)
    assert services.verify_backup(backup_id=failed.pk).verification == "pending"


def test_next_scheduled_run(settings):
    settings.SUSTAIN_BACKUP_HOUR = 2
    before = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    after = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    assert services.next_scheduled_run(before) == datetime(2026, 11, 22, 2, 30, tzinfo=UTC)
    assert services.next_scheduled_run(after) == datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
