"""A small help desk to back up: people, tickets with replies and notes, attachments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage

from sustain.accounts.models import User
from sustain.core.uploads import Upload
from sustain.tickets.models import Attachment, Message, Ticket
from sustain.tickets.services import add_message

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SUSTAIN_BACKUP_DIR = str(tmp_path / "backups")
    return tmp_path / "media"


@pytest.fixture
def helpdesk(
    make_ticket: Callable[..., Ticket], bob: User, alice: User, admin: User, carol: User
) -> list[Ticket]:
    """Tickets with public replies, an internal note, tags, watchers and two attachments."""
    first = make_ticket(
        bob,
        title="Sync fails — ünïcödé title",
        attachments=[Upload("screen.png", PNG, "image/png")],
    )
    add_message(actor=alice, ref=first.pk, body="Looking into it.")
    add_message(actor=alice, ref=first.pk, body="Internal: vendor bug", internal=True)
    add_message(
        actor=bob,
        ref=first.pk,
        body="Here is the log",
        attachments=[Upload("sync.log", b"line 1\nline 2\n", "text/plain")],
    )
    second = make_ticket(
        alice, title="Disk almost full", tags=["infra", "urgent"], watchers=[admin]
    )
    third = make_ticket(carol, title="Invoice wrong")
    return [first, second, third]


@pytest.fixture
def restored_media(tmp_path: Path) -> FileSystemStorage:
    return FileSystemStorage(location=tmp_path / "restored-media")


def rows_of(alias: str) -> dict[str, Any]:
    """What a person would check after a restore, read from ``alias``."""
    tickets = Ticket.objects.using(alias)
    return {
        "users": sorted(User.objects.using(alias).values_list("email", "role")),
        "tickets": sorted(tickets.values_list("pk", "title", "status", "requester__email")),
        "messages": sorted(
            Message.objects.using(alias).values_list(
                "ticket_id", "body", "is_internal", "created_at"
            )
        ),
        "attachments": sorted(
            Attachment.objects.using(alias).values_list("filename", "sha256", "file")
        ),
        "tags": sorted(tickets.filter(tags__isnull=False).values_list("pk", "tags__name")),
    }
