"""Checking and storing uploaded files."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse

from sustain.accounts.models import User
from sustain.core.errors import PayloadTooLarge, ValidationFailed
from sustain.tickets.models import Attachment, Message, Ticket

# Raster formats that are safe to show inline. SVG is not here: it can carry script.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class Upload:
    """A file as it arrived from a form, the API or an e-mail, before any check.

    A file from a request (``from_file``) is read only when its bytes are first needed: the
    caller's permission, the size its upload handler counted and its extension are all
    checked before that, so a file refused for any of them is never read.
    """

    def __init__(self, filename: str, content: bytes = b"", content_type: str = "") -> None:
        self.filename = filename
        self.content_type = content_type
        self.size = len(content)
        self._content: bytes | None = content
        self._file: UploadedFile[Any] | None = None

    @classmethod
    def from_file(cls, file: UploadedFile[Any]) -> Upload:
        """A file of a multipart request, not read yet."""
        upload = cls(file.name or "attachment", content_type=file.content_type or "")
        upload.size = file.size or 0
        upload._content, upload._file = None, file
        return upload

    @property
    def content(self) -> bytes:
        if self._content is None:
            assert self._file is not None
            self._file.seek(0)
            self._content = self._file.read()
            self.size = len(self._content)
        return self._content

    def __repr__(self) -> str:
        return f"Upload({self.filename!r}, {self.size} bytes, {self.content_type!r})"


def clean_filename(name: str) -> str:
    # Keep only the last path part: "C:\\x\\..\\evil.exe" or "../../x" must not travel.
    base = PurePosixPath(name.replace("\\", "/")).name.strip().lstrip(".")
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return cleaned[:200] or "attachment"


def detect_content_type(upload: Upload, filename: str) -> str:
    """Trust the bytes over the client: a claimed image must really be one."""
    sniffed = filetype.guess_mime(upload.content)
    guessed = mimetypes.guess_type(filename)[0]
    if sniffed:
        return str(sniffed)
    claimed = (guessed or upload.content_type or "application/octet-stream").lower()
    # A file that claims to be an image but whose bytes are not one is served as plain data.
    if claimed.startswith("image/") and claimed != "image/svg+xml":
        return "application/octet-stream"
    return claimed


def check_size(upload: Upload) -> None:
    limit = settings.SUSTAIN_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise PayloadTooLarge(
            f"'{upload.filename}' is {upload.size} bytes; the limit is {limit} bytes.",
            errors={"attachments": [f"larger than {limit} bytes"]},
        )


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks, with its clean file name and detected type: what
    the storing functions take, so that no file is stored unchecked or checked twice."""

    upload: Upload
    filename: str
    content_type: str


def check_uploads(uploads: Sequence[Upload]) -> list[CheckedUpload]:
    """Validate uploads.

    What needs no bytes (size, extension) is checked for every file before any file is read,
    so one refused file leaves all of them unread. Call it after the permission checks.
    """
    names = [_check_unread(upload) for upload in uploads]
    return [_check_content(upload, name) for upload, name in zip(uploads, names, strict=True)]


def check_upload(upload: Upload) -> CheckedUpload:
    """Validate one upload."""
    [checked] = check_uploads([upload])
    return checked


def _check_unread(upload: Upload) -> str:
    check_size(upload)
    filename = clean_filename(upload.filename)
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    blocked = {e.lower() for e in settings.SUSTAIN_ATTACHMENT_BLOCKED_EXTENSIONS}
    if extension in blocked:
        raise ValidationFailed.field(
            "attachments", f"Files of type .{extension} are not accepted ('{filename}')."
        )
    return filename


def _check_content(upload: Upload, filename: str) -> CheckedUpload:
    if not upload.content:
        raise ValidationFailed.field("attachments", f"'{filename}' is empty.")
    # What is stored is the bytes read, whatever size was counted before.
    check_size(upload)
    return CheckedUpload(upload, filename, detect_content_type(upload, filename))


def store_attachment(
    *, ticket: Ticket, message: Message | None, uploader: User, checked: CheckedUpload
) -> Attachment:
    """Store a checked file; called inside the transaction that records the message."""
    content = checked.upload.content
    sha256 = hashlib.sha256(content).hexdigest()
    attachment = Attachment(
        ticket=ticket,
        message=message,
        uploaded_by=uploader,
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(content),
        sha256=sha256,
    )
    # Identical content is stored once; the path is derived from the digest.
    store_once(attachment.file, attachment_storage_path(sha256), content)
    attachment.save()
    return attachment


def store_once(file: FieldFile, path: str, content: bytes) -> None:
    """Point ``file`` at ``path``, writing ``content`` there unless it is stored already
    (paths are derived from the content's digest, so equal files share one copy)."""
    if file.storage.exists(path):
        file.name = path
    else:
        file.save(path, ContentFile(content), save=False)


def attachment_storage_path(sha256: str) -> str:
    return f"attachments/{sha256[:2]}/{sha256}"


def is_inline_image(attachment: Attachment) -> bool:
    return attachment.content_type in INLINE_IMAGE_TYPES


def download_response(attachment: Attachment) -> FileResponse:
    """How every download is served (API, agent pages, portal): only raster images inline,
    everything else as ``application/octet-stream``, never sniffed, and sandboxed so that
    even a browser tricked into rendering the file runs nothing."""
    inline = is_inline_image(attachment)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
