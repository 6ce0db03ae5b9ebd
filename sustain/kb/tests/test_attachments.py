from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sustain.core.errors import NotFound, PayloadTooLarge, PermissionDenied, ValidationFailed
from sustain.core.testing import assert_problem
from sustain.core.uploads import Upload
from sustain.kb import attachments
from sustain.kb.models import ArticleAttachment, ArticleEvent
from sustain.kb.rendering import render_markdown
from sustain.kb.services import update_article

V1 = "/api/v1"


def png_bytes() -> bytes:
    """A real 1×1 PNG: the type is taken from the bytes, not the name."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x1f\x5f\xbf")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _upload(actor, article, *uploads: Upload) -> list[ArticleAttachment]:
    return attachments.add_attachments(actor=actor, article_id=article.pk, uploads=list(uploads))


def test_an_image_is_served_inline_under_the_article_permalink(
    alice, make_article, django_assert_max_num_queries
):
    article = make_article(title="Dashboard tour")
    [image] = _upload(alice, article, Upload("screen shot.png", png_bytes(), "image/png"))

    url = attachments.file_url(image, article.slug)
    with django_assert_max_num_queries(2):
        response = Client().get(url)

    assert url == f"/kb/dashboard-tour/files/{image.pk}/screen%20shot.png"
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()  # type: ignore[attr-defined]
    assert attachments.markdown_for(image, article.slug) == f"![screen shot.png]({url})"
    assert ArticleEvent.objects.filter(action="file_added", detail="screen shot.png").exists()


def test_svg_and_html_are_downloads_never_inline(alice, make_article):
    article = make_article()
    svg, page = _upload(
        alice,
        article,
        Upload("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        Upload("notes.html", b"<script>alert(1)</script>", "text/html"),
    )

    for stored in (svg, page):
        response = Client().get(attachments.file_url(stored, article.slug))
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert not attachments.markdown_for(stored, article.slug).startswith("!")


def test_oversize_upload_is_refused_and_nothing_is_stored(
    settings, alice, make_article, media: Path
):
    settings.SUSTAIN_ATTACHMENT_MAX_BYTES = 1024
    article = make_article()

    with pytest.raises(PayloadTooLarge):
        _upload(alice, article, Upload("ok.txt", b"fine"), Upload("big.bin", b"x" * 1025))

    assert not ArticleAttachment.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*"))


def test_blocked_type_is_refused(alice, make_article):
    with pytest.raises(ValidationFailed, match=r"\.exe"):
        _upload(alice, make_article(), Upload("setup.exe", b"MZ..."))


def test_viewer_and_customer_cannot_upload_or_delete(viewer, bob, alice, make_article):
    article = make_article()
    [stored] = _upload(alice, article, Upload("a.txt", b"a"))
    for user in (viewer, bob):
        with pytest.raises(PermissionDenied):
            _upload(user, article, Upload("b.txt", b"b"))
        with pytest.raises(PermissionDenied):
            attachments.delete_attachment(
                actor=user, article_id=article.pk, attachment_id=stored.pk
            )


@pytest.mark.parametrize(
    ("audience", "status", "reader", "code"),
    [
        ("staff", "published", "bob", 404),
        ("staff", "published", None, 404),
        ("customers", "published", None, 404),
        ("customers", "published", "bob", 200),
        ("public", "draft", "bob", 404),
        ("public", "draft", "alice", 200),
        ("staff", "published", "alice", 200),
    ],
)
def test_a_file_is_readable_exactly_when_its_article_is(
    audience, status, reader, code, request, alice, make_article
):
    article = make_article(audience=audience, status=status)
    [stored] = _upload(alice, article, Upload("diagram.png", png_bytes()))
    client = Client()
    if reader:
        client.force_login(request.getfixturevalue(reader))

    assert client.get(attachments.file_url(stored, article.slug)).status_code == code


def test_a_file_of_another_article_is_not_found(alice, make_article):
    first, second = make_article(title="First"), make_article(title="Second")
    [stored] = _upload(alice, first, Upload("a.txt", b"a"))

    assert Client().get(f"/kb/{second.slug}/files/{stored.pk}/a.txt").status_code == 404
    with pytest.raises(NotFound):
        attachments.get_attachment_for(alice, second.pk, stored.pk)


def test_images_keep_showing_after_a_title_change(alice, make_article):
    article = make_article(title="Old name")
    [image] = _upload(alice, article, Upload("a.png", png_bytes()))
    old_url = attachments.file_url(image, article.slug)
    update_article(actor=alice, article_id=article.pk, changes={"title": "New name"})

    assert Client().get(old_url).status_code == 200


def test_deleting_the_last_copy_removes_the_stored_file(
    alice, make_article, django_capture_on_commit_callbacks
):
    first, second = make_article(title="First"), make_article(title="Second")
    [one] = _upload(alice, first, Upload("a.txt", b"same bytes"))
    [two] = _upload(alice, second, Upload("b.txt", b"same bytes"))
    storage = ArticleAttachment.file.field.storage
    name = two.file.name or ""
    assert one.file.name == name

    with django_capture_on_commit_callbacks(execute=True):
        attachments.delete_attachment(actor=alice, article_id=first.pk, attachment_id=one.pk)
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        attachments.delete_attachment(actor=alice, article_id=second.pk, attachment_id=two.pk)
    assert not storage.exists(name)


def test_the_sanitiser_shows_only_our_own_article_files():
    html = render_markdown(
        "![pixel](https://tracker.example/p.gif) ![proto](//tracker.example/kb/a/files/1/p.png)"
        " ![own](/kb/setup/files/12/screen%20shot.png) ![up](/kb/a/files/1/../../x)"
        " [a link](https://example.com/page)"
    )

    assert 'src="/kb/setup/files/12/screen%20shot.png"' in html
    assert html.count("src=") == 1
    assert "tracker.example" not in html
    assert 'href="https://example.com/page"' in html


# --- API ----------------------------------------------------------------------------------
def test_api_uploads_lists_downloads_and_deletes_files(api_client, alice, bob, make_article):
    article = make_article(title="Dashboard tour")
    writer = api_client(alice)
    path = f"{V1}/kb/articles/{article.pk}/attachments"

    created = writer.post(
        path,
        {
            "files": [
                SimpleUploadedFile("tour.png", png_bytes(), "image/png"),
                SimpleUploadedFile("steps.txt", b"1. Open\n", "text/plain"),
            ]
        },
    )
    assert created.status_code == 201, created.content
    image, text = created.json()
    assert (image["is_image"], text["is_image"]) == (True, False)
    assert image["markdown"] == f"![tour.png]({image['url']})"
    assert text["markdown"] == f"[steps.txt]({text['url']})"

    listed = api_client(bob).get(path)
    assert [f["filename"] for f in listed.json()] == ["tour.png", "steps.txt"]
    download = Client().get(text["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")

    assert writer.delete(f"{path}/{text['id']}").status_code == 204
    assert [f["id"] for f in writer.get(path).json()] == [image["id"]]


def test_api_oversize_upload_is_413_problem(settings, api_client, alice, make_article):
    settings.SUSTAIN_ATTACHMENT_MAX_BYTES = 1024
    article = make_article()

    response = api_client(alice).post(
        f"{V1}/kb/articles/{article.pk}/attachments",
        {"files": [SimpleUploadedFile("big.bin", b"x" * 1025, "application/octet-stream")]},
    )

    assert_problem(response, 413)
    assert not ArticleAttachment.objects.exists()


def test_api_blocked_type_is_422_problem(api_client, alice, make_article):
    article = make_article()

    response = api_client(alice).post(
        f"{V1}/kb/articles/{article.pk}/attachments",
        {"files": [SimpleUploadedFile("run.ps1", b"Write-Host hi", "text/plain")]},
    )

    problem = assert_problem(response, 422)
    assert "ps1" in problem["detail"]


def test_api_customer_gets_404_for_a_staff_article_file(api_client, alice, bob, make_article):
    article = make_article(audience="staff")
    [stored] = _upload(alice, article, Upload("runbook.txt", b"internal"))

    response = api_client(bob).get(f"{V1}/kb/articles/{article.pk}/attachments/{stored.pk}")

    assert_problem(response, 404)


def test_deleting_a_draft_removes_its_files(
    alice, make_article, django_capture_on_commit_callbacks
):
    from sustain.kb.services import delete_article

    article = make_article(status="draft")
    [stored] = _upload(alice, article, Upload("a.txt", b"only here"))
    storage = ArticleAttachment.file.field.storage

    with django_capture_on_commit_callbacks(execute=True):
        delete_article(actor=alice, article_id=article.pk)

    assert not ArticleAttachment.objects.exists()
    assert not storage.exists(stored.file.name or "")
