"""Backups as the installation keeps them: history, schedule, retention, verification, alarms.

The archive work itself is in ``operations.py``; here are the rules around it. Every backup
run has a :class:`Backup` row. A run is claimed with a conditional UPDATE (queued → running),
so two workers never run the same backup, and the scheduled run of a day has a unique slot.
A failed backup or verification notifies the admins through the outbox and opens a ticket.
"""

from __future__ import annotations

import logging
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from sustain.accounts.models import User
from sustain.backups import operations
from sustain.backups.models import Backup
from sustain.core import outbox
from sustain.core.errors import Conflict, NotFound, ServiceError
from sustain.core.permissions import Capability, require, roles_with

logger = logging.getLogger(__name__)
ARCHIVE_SUFFIX = ".sustain-backup"


# --- settings (declared in settings.py, read through these for the tests to override) -----
def backup_dir() -> Path:
    return Path(settings.SUSTAIN_BACKUP_DIR)


def backup_storage_name() -> str:
    return str(settings.SUSTAIN_BACKUP_STORAGE)


def backup_passphrase() -> str:
    return str(settings.SUSTAIN_BACKUP_PASSPHRASE)


def schedule_hour() -> int:
    return int(settings.SUSTAIN_BACKUP_HOUR)


def schedule_enabled() -> bool:
    return bool(settings.SUSTAIN_BACKUP_ENABLED)


def retention() -> tuple[int, int, int]:
    return (
        int(settings.SUSTAIN_BACKUP_KEEP_DAILY),
        int(settings.SUSTAIN_BACKUP_KEEP_WEEKLY),
        int(settings.SUSTAIN_BACKUP_KEEP_MONTHLY),
    )


SCHEDULE_MINUTE = 30


# --- permissions and reading ----------------------------------------------------------------
ADMINS_ONLY = "Only administrators can see and run backups."


def backups_for(actor: User) -> QuerySet[Backup]:
    require(actor, Capability.BACKUPS_MANAGE, ADMINS_ONLY)
    return Backup.objects.select_related("requested_by")


def get_backup_for(actor: User, backup_id: int) -> Backup:
    backup = backups_for(actor).filter(pk=backup_id).first()
    if backup is None:
        raise NotFound(f"There is no backup with id {backup_id}.")
    return backup


def next_scheduled_run(now: datetime | None = None) -> datetime | None:
    """When the periodic job next starts a backup (huey reads its crontab in UTC)."""
    if not schedule_enabled():
        return None
    now = now or timezone.now()
    run = now.astimezone(UTC).replace(
        hour=schedule_hour(), minute=SCHEDULE_MINUTE, second=0, microsecond=0
    )
    return run if run > now else run + timedelta(days=1)


# --- running --------------------------------------------------------------------------------
def request_backup(*, actor: User) -> Backup:
    """Queue a backup now ("Back up now"); a worker runs it."""
    require(actor, Capability.BACKUPS_MANAGE, ADMINS_ONLY)
    with transaction.atomic():
        if Backup.objects.filter(status__in=[Backup.Status.QUEUED, Backup.Status.RUNNING]).exists():
            raise Conflict("A backup is already queued or running; wait for it to finish.")
        backup = Backup.objects.create(trigger=Backup.Trigger.MANUAL, requested_by=actor)
        transaction.on_commit(partial(_enqueue_backup, backup.pk), robust=True)
    return backup


def _enqueue_backup(backup_id: int) -> None:
    from sustain.backups.tasks import run_backup_task

    run_backup_task(backup_id)


def run_scheduled_backup(today: date | None = None) -> Backup | None:
    """The daily backup; a second call on the same day (another worker) does nothing."""
    if not schedule_enabled():
        return None
    today = today or timezone.now().date()
    try:
        with transaction.atomic():
            backup = Backup.objects.create(
                trigger=Backup.Trigger.SCHEDULE, slot=f"schedule:{today.isoformat()}"
            )
    except IntegrityError:
        return None
    return run_backup(backup_id=backup.pk)


def run_backup(*, backup_id: int) -> Backup:
    """Run a queued backup into the configured destination; idempotent per backup id."""
    claimed = Backup.objects.filter(pk=backup_id, status=Backup.Status.QUEUED).update(
        status=Backup.Status.RUNNING, started_at=timezone.now()
    )
    backup = Backup.objects.get(pk=backup_id)
    if not claimed:
        return backup
    passphrase = backup_passphrase() or None
    name = _archive_name(backup, encrypted=bool(passphrase))
    storage_name = backup_storage_name()
    try:
        path = backup_dir() / name
        result = operations.write_archive(path, passphrase=passphrase)
        location = str(path)
        if storage_name:
            location = _upload(storages[storage_name], path, name)
    except Exception as exc:  # any failure must be recorded and reported
        _fail(backup, exc)
        return backup
    _succeed(backup, result, storage_name, location)
    apply_retention()
    return backup


def create_backup_at(path: Path, *, passphrase: str | None = None) -> Backup:
    """A backup from the command line to a path of the operator's choosing, kept in history
    (retention leaves it alone: the operator owns that file)."""
    backup = Backup.objects.create(
        trigger=Backup.Trigger.COMMAND, status=Backup.Status.RUNNING, started_at=timezone.now()
    )
    try:
        result = operations.write_archive(path, passphrase=passphrase)
    except Exception as exc:
        backup.status, backup.error = Backup.Status.FAILED, _describe(exc)
        backup.finished_at = timezone.now()
        backup.save(update_fields=["status", "error", "finished_at"])
        raise
    _succeed(backup, result, "", str(path.resolve()))
    return backup


def _archive_name(backup: Backup, *, encrypted: bool) -> str:
    stamp = (backup.started_at or timezone.now()).strftime("%Y%m%dT%H%M%SZ")
    return f"sustain-{stamp}-{backup.pk}{ARCHIVE_SUFFIX}{'.enc' if encrypted else ''}"


def _upload(storage: Storage, path: Path, name: str) -> str:
    with open(path, "rb") as stream:
        saved = storage.save(name, File(stream, name=name))
    path.unlink()
    return saved


def _succeed(
    backup: Backup, result: operations.WriteResult, storage_name: str, location: str
) -> None:
    backup.status = Backup.Status.SUCCEEDED
    backup.finished_at = timezone.now()
    backup.storage, backup.location = storage_name, location
    backup.size, backup.sha256, backup.encrypted = result.size, result.sha256, result.encrypted
    backup.rows, backup.files = result.rows, result.files
    if result.missing_files:
        backup.error = "Files referenced but missing from storage: " + ", ".join(
            result.missing_files[:20]
        )
    backup.save()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ServiceError):
        return exc.detail
    return "".join(traceback.format_exception_only(exc)).strip()


def _fail(backup: Backup, exc: BaseException) -> None:
    logger.exception("Backup %s failed", backup.pk)
    backup.status, backup.error = Backup.Status.FAILED, _describe(exc)
    backup.finished_at = timezone.now()
    with transaction.atomic():
        backup.save(update_fields=["status", "error", "finished_at"])
        notify_failure(backup, "backup", backup.error)


# --- verifying ------------------------------------------------------------------------------
def request_verification(*, actor: User, backup_id: int) -> Backup:
    backup = get_backup_for(actor, backup_id)
    if backup.status != Backup.Status.SUCCEEDED:
        raise Conflict(f"Backup {backup.pk} is {backup.get_status_display().lower()}.")
    transaction.on_commit(partial(_enqueue_verification, backup.pk), robust=True)
    return backup


def _enqueue_verification(backup_id: int) -> None:
    from sustain.backups.tasks import verify_backup_task

    verify_backup_task(backup_id)


def verify_backup(*, backup_id: int) -> Backup:
    """Restore the archive into a scratch database, compare, and record the result."""
    backup = Backup.objects.get(pk=backup_id)
    if backup.status != Backup.Status.SUCCEEDED:
        return backup
    try:
        with _local_copy(backup) as path:
            report = operations.verify_archive(path, passphrase=backup_passphrase() or None)
        passed, detail = report.ok, report.summary()
    except Exception as exc:  # a verification that cannot run has failed
        logger.exception("Verification of backup %s failed", backup.pk)
        passed, detail = False, _describe(exc)
    backup.verification = Backup.Verification.PASSED if passed else Backup.Verification.FAILED
    backup.verified_at, backup.verification_detail = timezone.now(), detail
    with transaction.atomic():
        backup.save(update_fields=["verification", "verified_at", "verification_detail"])
        if not passed:
            notify_failure(backup, "verification", detail)
    return backup


def verify_newest_backup() -> Backup | None:
    """The periodic check: the newest good backup is restored once into a scratch database."""
    # Archives written with `sustain backup --to` belong to the operator (moved, or encrypted
    # with another passphrase): the job checks the ones Sustain keeps.
    newest = (
        Backup.objects.filter(
            status=Backup.Status.SUCCEEDED,
            trigger__in=[Backup.Trigger.SCHEDULE, Backup.Trigger.MANUAL],
        )
        .order_by("-created_at")
        .first()
    )
    if newest is None or newest.verification != Backup.Verification.PENDING:
        return None
    return verify_backup(backup_id=newest.pk)


@contextmanager
def _local_copy(backup: Backup) -> Iterator[Path]:
    """The archive as a local file: as is on disk, or downloaded from a storage backend."""
    if not backup.storage:
        yield Path(backup.location)
        return
    with tempfile.TemporaryDirectory(prefix="sustain-verify-") as directory:
        path = Path(directory) / "archive"
        source = storages[backup.storage].open(backup.location, "rb")
        with source, open(path, "wb") as target:
            for chunk in source.chunks():
                target.write(chunk)
        yield path


# --- retention ------------------------------------------------------------------------------
def retained(
    created: Iterable[tuple[int, datetime]], daily: int, weekly: int, monthly: int
) -> set[int]:
    """Ids to keep: the newest backup of each of the last ``daily`` days, ``weekly`` ISO weeks
    and ``monthly`` months that have one. The newest backup is always kept."""
    ordered = sorted(created, key=lambda item: item[1], reverse=True)
    keep = {ordered[0][0]} if ordered else set()
    buckets: list[tuple[int, Callable[[datetime], Any]]] = [
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    ]
    for count, bucket in buckets:
        seen: set[Any] = set()
        for pk, at in ordered:
            key = bucket(at)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            keep.add(pk)
    return keep


def apply_retention() -> list[int]:
    """Delete the archives the retention policy no longer keeps; their history rows stay."""
    managed = Backup.objects.filter(
        status=Backup.Status.SUCCEEDED,
        trigger__in=[Backup.Trigger.SCHEDULE, Backup.Trigger.MANUAL],
    )
    created = list(managed.values_list("pk", "created_at"))
    keep = retained(created, *retention())
    deleted = []
    for backup in managed.exclude(pk__in=keep):
        try:
            if backup.storage:
                storages[backup.storage].delete(backup.location)
            else:
                Path(backup.location).unlink(missing_ok=True)
        except OSError:
            logger.exception("Could not delete the archive of backup %s", backup.pk)
            continue
        Backup.objects.filter(pk=backup.pk).update(status=Backup.Status.DELETED)
        deleted.append(backup.pk)
    return deleted


# --- alarms ---------------------------------------------------------------------------------
def notify_failure(backup: Backup, what: str, detail: str) -> None:
    """E-mail every active admin and open a ticket, in the caller's transaction.

    Tickets need a person as their requester; the oldest active admin is the one the install
    was set up with, so the ticket lands with somebody who can act on it.
    """
    from sustain.tickets.choices import Channel, Kind, Level
    from sustain.tickets.creation import NewTicket, create_ticket

    managers = roles_with(Capability.BACKUPS_MANAGE)
    admins = list(User.objects.filter(role__in=managers, is_active=True).order_by("pk"))
    if not admins:
        logger.error(
            "Backup %s: %s failed and there is no admin to tell: %s", backup.pk, what, detail
        )
        return
    when = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    subject = f"Sustain {what} failed (backup {backup.pk}, {when})"
    body = (
        f"The {what} of backup {backup.pk} failed at {when}:\n\n{detail}\n\n"
        f"See {settings.SUSTAIN_BASE_URL}/backups/ and docs/operations/backup-and-recovery.md."
    )
    outbox.record_emails(
        [
            outbox.Email(
                key=f"backup:{backup.pk}:{what}-failed",
                to=[admin.email for admin in admins],
                subject=subject,
                body=body,
            )
        ]
    )
    create_ticket(
        actor=admins[0],
        data=NewTicket(
            title=subject[:250],
            description=body,
            kind=Kind.INCIDENT,
            impact=Level.HIGH,
            urgency=Level.HIGH,
        ),
        channel=Channel.SYSTEM,
    )
