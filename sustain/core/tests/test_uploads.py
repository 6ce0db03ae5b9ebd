"""The upload checks, storage and downloads that every app shares (core/uploads.py)."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.asgi import ASGIRequest

from sustain.core.errors import PayloadTooLarge, ValidationFailed
from sustain.core.uploads import (
    Upload,
    blocked_extension,
    check_uploads,
    clean_filename,
    content_digest,
    download_response,
    read_body,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_file_names_lose_their_path_and_unsafe_characters():
    assert clean_filename("C:\\x\\..\\evil.exe") == "evil.exe"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("re<po>rt?.pdf") == "report.pdf"
    assert clean_filename("...") == "attachment"


def test_blocked_extensions_are_named_whatever_their_case(settings):
    settings.SUSTAIN_ATTACHMENT_BLOCKED_EXTENSIONS = ["exe", "BAT"]
    assert blocked_extension("setup.EXE") == "exe"
    assert blocked_extension("run.bat") == "bat"
    assert blocked_extension("notes.txt") is None
    assert blocked_extension("README") is None


def test_a_refused_file_leaves_every_file_of_the_request_unread(settings):
    settings.SUSTAIN_ATTACHMENT_BLOCKED_EXTENSIONS = ["exe"]
    fine = Upload.from_file(SimpleUploadedFile("shot.png", PNG, "image/png"))
    refused = Upload.from_file(SimpleUploadedFile("setup.exe", b"MZ", "application/x-msdownload"))

    with pytest.raises(ValidationFailed, match=r"\.exe"):
        check_uploads([fine, refused])
    assert fine._content is None
    assert refused._content is None


def test_a_file_over_the_limit_is_refused_with_its_size(settings):
    settings.SUSTAIN_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(PayloadTooLarge, match=r"'big\.bin' is 1025 bytes; the limit is 1024"):
        check_uploads([Upload("big.bin", b"x" * 1025)])


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationFailed, match=r"'empty\.txt' is empty"):
        check_uploads([Upload("empty.txt", b"")])


def test_the_type_comes_from_the_bytes_not_from_the_client():
    [shot, fake] = check_uploads([Upload("shot.png", PNG, "text/html"), Upload("x.png", b"<s>")])
    assert (shot.filename, shot.content_type) == ("shot.png", "image/png")
    assert fake.content_type == "application/octet-stream"


def test_equal_content_has_equal_digests():
    assert content_digest(b"a") == content_digest(b"a") != content_digest(b"b")
    assert len(content_digest(b"a")) == 64


@pytest.mark.parametrize(
    ("content_type", "disposition", "served_as"),
    [
        ("image/png", "inline", "image/png"),
        ("image/svg+xml", "attachment", "application/octet-stream"),
        ("text/html", "attachment", "application/octet-stream"),
    ],
)
def test_only_raster_images_are_served_inline_and_everything_is_sandboxed(
    content_type, disposition, served_as
):
    stored = SimpleNamespace(
        file=SimpleNamespace(open=lambda mode: io.BytesIO(b"data")),
        filename="file.bin",
        content_type=content_type,
    )
    response = download_response(stored)
    assert response["Content-Type"] == served_as
    assert response["Content-Disposition"].startswith(disposition)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


# --- raw request bodies -------------------------------------------------------------------
class CountingStream(io.BytesIO):
    """A request body that remembers how much of it was read."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def asgi_request(content: bytes, content_length: int | None) -> tuple[ASGIRequest, CountingStream]:
    """A request as an ASGI server hands it over: a chunked upload has no Content-Length."""
    headers = [] if content_length is None else [(b"content-length", str(content_length).encode())]
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    stream = CountingStream(content)
    return ASGIRequest(scope, stream), stream


def test_a_body_within_the_limit_is_read_whole():
    request, _ = asgi_request(b"x" * 200_000, 200_000)
    assert read_body(request, limit=200_000, what="the message", field="message") == b"x" * 200_000


def test_a_declared_length_over_the_limit_is_refused_before_anything_is_read():
    request, stream = asgi_request(b"x" * 5000, 5000)
    with pytest.raises(PayloadTooLarge) as refused:
        read_body(request, limit=4096, what="the message", field="message")
    assert refused.value.detail == "The message is 5000 bytes; the limit is 4096 bytes."
    assert refused.value.errors == {"message": ["larger than 4096 bytes"]}
    assert stream.bytes_read == 0


def test_a_body_of_unknown_length_stops_being_read_at_the_limit():
    limit = 100_000
    request, stream = asgi_request(b"x" * (10 * limit), None)
    with pytest.raises(PayloadTooLarge) as refused:
        read_body(request, limit=limit, what="the message", field="message")
    assert "is more than 100000 bytes; the limit is 100000 bytes" in refused.value.detail
    # At most one chunk past the limit, not the ten times larger body.
    assert stream.bytes_read <= limit + 64 * 1024
