"""/api/v1/tickets/{ref}/attachments and /api/v1/attachments/{id}: uploading and
downloading files, and refusing uploads before they are read.

Who may call what is in tests/test_permission_matrix.py; this file checks what the calls do.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, StopFutureHandlers

from sustain.core.testing import V1, assert_problem
from sustain.tickets.models import Activity, Attachment, Message, Ticket

# A complete 1×1 PNG: real image bytes, so the server may show it inline.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


# --- attachments --------------------------------------------------------------------------
def upload(client, ticket: Ticket, *files: SimpleUploadedFile, **form: Any):
    return client.post(f"{V1}/tickets/{ticket.number}/attachments", {"files": list(files), **form})


def download(client, body: dict[str, Any], index: int = 0):
    return client.get(body["attachments"][index]["url"])


def test_upload_creates_one_message_with_the_files(api_client, alice, bobs_ticket):
    response = upload(
        api_client(alice),
        bobs_ticket,
        SimpleUploadedFile("sync.log", b"line 1\nline 2\n", "text/plain"),
        SimpleUploadedFile("screen.png", PNG, "image/png"),
        body="Logs and a screenshot",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["body"] == "Logs and a screenshot"
    assert [(a["filename"], a["content_type"], a["size"]) for a in body["attachments"]] == [
        ("sync.log", "text/plain", 14),
        ("screen.png", "image/png", len(PNG)),
    ]
    assert Attachment.objects.filter(message_id=body["id"]).count() == 2


def test_real_png_is_shown_inline(api_client, alice, bobs_ticket):
    client = api_client(alice)
    body = upload(client, bobs_ticket, SimpleUploadedFile("screen.png", PNG, "image/png")).json()

    response = download(client, body)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="screen.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize(
    ("filename", "content", "claimed"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
        ),
        # Claims to be a PNG, is not one.
        ("fake.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("notes.txt", b"plain words", "text/plain"),
    ],
)
def test_anything_but_a_real_image_is_downloaded_as_opaque_data(
    api_client, alice, bobs_ticket, filename, content, claimed
):
    client = api_client(alice)
    body = upload(client, bobs_ticket, SimpleUploadedFile(filename, content, claimed)).json()

    response = download(client, body)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == content


def test_upload_path_tricks_are_stripped_from_the_name(api_client, alice, bobs_ticket):
    response = upload(
        api_client(alice),
        bobs_ticket,
        SimpleUploadedFile("../../etc/passwd", b"root:x:0:0", "text/plain"),
    )

    assert response.status_code == 201, response.content
    assert response.json()["attachments"][0]["filename"] == "passwd"


@pytest.mark.parametrize("filename", ["setup.exe", "SETUP.EXE", "run.ps1"])
def test_blocked_extension_is_422_and_writes_nothing(api_client, alice, bobs_ticket, filename):
    response = upload(
        api_client(alice),
        bobs_ticket,
        SimpleUploadedFile(filename, b"MZ\x90\x00", "application/octet-stream"),
    )

    assert "attachments" in assert_problem(response, 422)["errors"]
    assert Message.objects.count() == 1
    assert not Attachment.objects.exists()


def test_upload_without_files_is_422(api_client, alice, bobs_ticket):
    response = api_client(alice).post(
        f"{V1}/tickets/{bobs_ticket.number}/attachments", {"body": "nothing attached"}
    )

    assert "files" in assert_problem(response, 422)["errors"]


def test_customer_cannot_download_a_file_of_an_internal_note(api_client, alice, bob, bobs_ticket):
    staff = api_client(alice)
    body = upload(
        staff,
        bobs_ticket,
        SimpleUploadedFile("notes.txt", b"secret", "text/plain"),
        internal="true",
    ).json()
    assert body["internal"] is True

    assert download(staff, body).status_code == 200
    assert_problem(download(api_client(bob), body), 404)


# --- uploads are refused before they are read ---------------------------------------------
class ReadSpy(io.BytesIO):
    """Where Django's upload handler keeps one uploaded file's bytes; notes every read."""

    def __init__(self, filename: str, log: list[str]) -> None:
        super().__init__()
        self.filename, self.log = filename, log

    def read(self, size: int | None = -1) -> bytes:
        self.log.append(self.filename)
        return super().read(size)

    def read1(self, size: int | None = -1) -> bytes:
        self.log.append(self.filename)
        return super().read1(size)

    def readinto(self, buffer: Any) -> int:
        self.log.append(self.filename)
        return super().readinto(buffer)

    def readline(self, size: int | None = -1) -> bytes:
        self.log.append(self.filename)
        return super().readline(size)

    def getvalue(self) -> bytes:
        self.log.append(self.filename)
        return super().getvalue()


class ReadSpyHandler(MemoryFileUploadHandler):
    """Django's in-memory upload handler, keeping each file in a ``ReadSpy``."""

    reads: list[str] = []

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().new_file(*args, **kwargs)
        except StopFutureHandlers:
            self.file = ReadSpy(self.file_name or "", self.reads)
            raise


@pytest.fixture
def reads(settings) -> list[str]:
    """The names of the uploaded files that something read after the upload handler."""
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.ReadSpyHandler"]
    ReadSpyHandler.reads = []
    return ReadSpyHandler.reads


def _nothing_written(tmp_path) -> bool:
    media = tmp_path / "media"
    return not Attachment.objects.exists() and not (media.exists() and any(media.rglob("*.*")))


def test_an_accepted_upload_is_read_once_checked(api_client, alice, bobs_ticket, reads):
    response = upload(
        api_client(alice), bobs_ticket, SimpleUploadedFile("sync.log", b"line 1\n", "text/plain")
    )

    assert response.status_code == 201, response.content
    # The spy sees reads, so an empty list in the tests below means something.
    assert set(reads) == {"sync.log"}


def test_upload_over_the_limit_is_413_before_any_file_is_read(
    api_client, settings, alice, bobs_ticket, reads, tmp_path
):
    settings.SUSTAIN_ATTACHMENT_MAX_BYTES = 1024
    before = (Message.objects.count(), Activity.objects.count(), Ticket.objects.get().revision)

    response = upload(
        api_client(alice),
        bobs_ticket,
        SimpleUploadedFile("small.txt", b"fine", "text/plain"),
        SimpleUploadedFile("big.bin", b"x" * 1025, "application/octet-stream"),
        body="Two files",
    )

    problem = assert_problem(response, 413)
    assert "'big.bin' is 1025 bytes" in problem["detail"]
    assert problem["errors"] == {"attachments": ["larger than 1024 bytes"]}
    assert reads == []
    after = (Message.objects.count(), Activity.objects.count(), Ticket.objects.get().revision)
    assert after == before
    assert _nothing_written(tmp_path)


def test_upload_to_a_ticket_the_customer_cannot_see_is_404_and_nothing_is_read(
    api_client, carol, bobs_ticket, reads, tmp_path
):
    before = (Message.objects.count(), Activity.objects.count())

    response = upload(
        api_client(carol),
        bobs_ticket,
        SimpleUploadedFile("sync.log", b"line 1\n", "text/plain"),
        body="Not my ticket",
    )

    assert_problem(response, 404)
    assert reads == []
    assert (Message.objects.count(), Activity.objects.count()) == before
    assert _nothing_written(tmp_path)
