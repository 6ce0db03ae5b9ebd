"""Uploaded files, for every app that takes them: checking, storing by content, serving.

An upload from a form, the API or an e-mail is checked once here (size limit, blocked
extensions, not empty, its type taken from the bytes); the storing functions of the apps
(ticket attachments, article files) take the :class:`CheckedUpload` this returns, so no file
is stored unchecked or checked twice. Files are stored under a path derived from their digest,
so equal files share one copy, and every download is served the same guarded way. A raw
request body (an e-mail delivered over HTTP) is read here too, in chunks, up to its own limit.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Protocol

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest

from sustain.core.errors import PayloadTooLarge, ValidationFailed

# Raster formats that are safe to show inline. SVG is not here: it can carry script.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


# --- checking -----------------------------------------------------------------------------
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


def blocked_extension(filename: str) -> str | None:
    """The extension of ``filename`` (a cleaned name) if files of that type are refused."""
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    blocked = {e.lower() for e in settings.SUSTAIN_ATTACHMENT_BLOCKED_EXTENSIONS}
    return extension if extension in blocked else None


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
    extension = blocked_extension(filename)
    if extension is not None:
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


# --- raw request bodies -------------------------------------------------------------------
BODY_CHUNK_BYTES = 64 * 1024


def read_body(request: HttpRequest, *, limit: int, what: str, field: str) -> bytes:
    """The body of ``request``, read in chunks and refused (``PayloadTooLarge``) as soon as it
    is larger than ``limit`` bytes; a declared ``Content-Length`` over the limit is refused
    before anything is read.

    ``request.body`` is not used: Django refuses a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
    (the limit of form and JSON bodies) with its own 400 page, and it would read a body of
    any size before the caller could say no. ``what`` names the body in the refusal ("the
    message"), ``field`` is the key of its per-field error.
    """
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise _too_large(what, field, limit, f"is {declared} bytes")
    chunks: list[bytes] = []
    size = 0
    while chunk := request.read(BODY_CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise _too_large(what, field, limit, f"is more than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _too_large(what: str, field: str, limit: int, size: str) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"{what[:1].upper()}{what[1:]} {size}; the limit is {limit} bytes.",
        errors={field: [f"larger than {limit} bytes"]},
    )


# --- storing ------------------------------------------------------------------------------
def content_digest(content: bytes) -> str:
    """The SHA-256 of a file's bytes, hex: its identity in storage."""
    return hashlib.sha256(content).hexdigest()


def store_once(file: FieldFile, path: str, content: bytes) -> None:
    """Point ``file`` at ``path``, writing ``content`` there unless it is stored already.

    ``path`` is derived from :func:`content_digest` (each model's ``upload_to`` names its
    folder), so equal files share one copy.
    """
    if file.storage.exists(path):
        file.name = path
    else:
        file.save(path, ContentFile(content), save=False)


# --- serving ------------------------------------------------------------------------------
class StoredFile(Protocol):
    """What serving a file needs of the row that records it (ticket and article files)."""

    @property
    def file(self) -> FieldFile: ...

    @property
    def filename(self) -> str: ...

    @property
    def content_type(self) -> str: ...


def is_inline_image(content_type: str) -> bool:
    return content_type in INLINE_IMAGE_TYPES


def download_response(stored: StoredFile) -> FileResponse:
    """How every download is served (API, agent pages, portal, knowledge base): only raster
    images inline, everything else as ``application/octet-stream``, never sniffed, and
    sandboxed so that even a browser tricked into rendering the file runs nothing."""
    inline = is_inline_image(stored.content_type)
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=not inline,
        filename=stored.filename,
        content_type=stored.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
