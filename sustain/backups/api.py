"""Backup endpoints for administrators: history, "back up now", verification (thin)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from sustain.accounts.api import actor_of
from sustain.accounts.schemas import PageParams
from sustain.backups import services
from sustain.backups.models import Backup
from sustain.core.openapi import Problem
from sustain.core.pagination import paginate
from sustain.core.schemas import Id

router = Router(tags=["backups"])


class BackupOut(Schema):
    id: int
    trigger: Literal["schedule", "manual", "command"]
    status: Literal["queued", "running", "succeeded", "failed", "deleted"]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    size: int | None
    sha256: str
    encrypted: bool
    rows: int | None
    files: int | None
    error: str
    verification: Literal["pending", "passed", "failed"]
    verified_at: datetime | None
    verification_detail: str


class BackupPage(Schema):
    items: list[BackupOut]
    next_cursor: str | None
    next_scheduled_run: datetime | None


def backup_out(backup: Backup) -> BackupOut:
    duration = backup.duration
    return BackupOut(
        id=backup.pk,
        trigger=backup.trigger,  # type: ignore[arg-type]
        status=backup.status,  # type: ignore[arg-type]
        created_at=backup.created_at,
        started_at=backup.started_at,
        finished_at=backup.finished_at,
        duration_seconds=duration.total_seconds() if duration is not None else None,
        size=backup.size,
        sha256=backup.sha256,
        encrypted=backup.encrypted,
        rows=backup.rows,
        files=backup.files,
        error=backup.error,
        verification=backup.verification,  # type: ignore[arg-type]
        verified_at=backup.verified_at,
        verification_detail=backup.verification_detail,
    )


@router.get(
    "/backups", response={200: BackupPage, 403: Problem}, summary="Backup history (administrators)"
)
def list_backups(request: HttpRequest, page: Query[PageParams]) -> BackupPage:
    backups = services.backups_for(actor_of(request))
    result = paginate(backups, order="-created_at", cursor=page.cursor, limit=page.limit)
    return BackupPage(
        items=[backup_out(b) for b in result.items],
        next_cursor=result.next_cursor,
        next_scheduled_run=services.next_scheduled_run(),
    )


@router.post(
    "/backups", response={202: BackupOut, 409: Problem}, summary="Back up now (administrators)"
)
def create_backup(request: HttpRequest) -> Status[BackupOut]:
    return Status(202, backup_out(services.request_backup(actor=actor_of(request))))


@router.get("/backups/{backup_id}", response={200: BackupOut, 403: Problem}, summary="One backup")
def get_backup(request: HttpRequest, backup_id: Id) -> BackupOut:
    return backup_out(services.get_backup_for(actor_of(request), backup_id))


@router.post(
    "/backups/{backup_id}/verify",
    response={202: BackupOut, 409: Problem},
    summary="Restore a backup into a scratch database and compare (administrators)",
)
def verify_backup(request: HttpRequest, backup_id: Id) -> Status[BackupOut]:
    backup = services.request_verification(actor=actor_of(request), backup_id=backup_id)
    return Status(202, backup_out(backup))
