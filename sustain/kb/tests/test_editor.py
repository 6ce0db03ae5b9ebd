"""The staff editor at /kb/manage/: pages, forms, conflicts, workflow, files and history."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from sustain.accounts.models import User
from sustain.catalog.models import Version
from sustain.kb import services
from sustain.kb.choices import ArticleStatus
from sustain.kb.models import Article, ArticleAttachment, ArticleRevision, Category
from sustain.kb.selectors import edit_marks
from sustain.kb.tests.test_attachments import png_bytes

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(article: Article | None = None, **fields: Any) -> dict[str, Any]:
    """What the editor posts: the article's current values (or a new one's) and its marks."""
    data: dict[str, Any] = {"title": "Renew the TLS certificate", "audience": "public"}
    if article is not None:
        revision, seen = edit_marks(article)
        data = {
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "audience": article.audience,
            "revision": revision,
            "seen": seen,
        }
    return data | fields


# --- access -------------------------------------------------------------------------------
def test_customers_and_anonymous_visitors_do_not_get_the_editor(bob, make_article):
    article = make_article()

    for url in ("/kb/manage/", "/kb/manage/new", f"/kb/manage/{article.pk}/"):
        assert "/accounts/login/" in Client().get(url)["Location"]
        assert signed_in(bob).get(url)["Location"] == "/portal/"


def test_viewer_reads_the_editor_but_cannot_save(viewer, make_article):
    article = make_article()
    client = signed_in(viewer)

    page = client.get(f"/kb/manage/{article.pk}/")
    assert page.status_code == 200
    assert ">Save<" not in page.content.decode()
    assert "Submit for review" not in page.content.decode()
    response = client.post(f"/kb/manage/{article.pk}/", form_data(article, title="Hijacked"))
    assert response.status_code == 403
    assert Article.objects.get().title == article.title


# --- the list -----------------------------------------------------------------------------
def test_list_filters_by_status_audience_category_owner_and_text(
    alice, lead, make_article, django_assert_max_num_queries
):
    upgrades = Category.objects.create(name="Upgrades", slug="upgrades")
    make_article(title="Upgrade to 4.0", category_id=upgrades.pk, audience="staff")
    make_article(title="Upgrade to 3.0", status="draft")
    make_article(title="Reset a password", actor=lead)
    client = signed_in(alice)

    def titles(**query: Any) -> list[str]:
        with django_assert_max_num_queries(8):
            response = client.get("/kb/manage/", query)
        assert response.status_code == 200
        html = response.content.decode()
        return [a.title for a in Article.objects.order_by("title") if f">{a.title}</a>" in html]

    assert titles() == ["Reset a password", "Upgrade to 3.0", "Upgrade to 4.0"]
    assert titles(q="upgrade") == ["Upgrade to 3.0", "Upgrade to 4.0"]
    assert titles(status="draft") == ["Upgrade to 3.0"]
    assert titles(audience="staff") == ["Upgrade to 4.0"]
    assert titles(category=upgrades.pk) == ["Upgrade to 4.0"]
    assert titles(owner=lead.pk) == ["Reset a password"]


def test_list_filters_answer_htmx_with_the_results_only(alice, make_article):
    make_article(title="Firewall ports")

    response = signed_in(alice).get("/kb/manage/", {"q": "firewall"}, headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "Firewall ports" in html


def test_due_for_review_tab_shows_the_reasons(
    alice, lead, product, make_article, django_assert_max_num_queries
):
    today = timezone.localdate()
    version = Version.objects.get(product=product)
    version.end_of_life = today - timedelta(days=3)
    version.save()
    make_article(title="Sync on 2.1", version_ids=[version.pk])
    make_article(title="Old backup guide", review_by=today - timedelta(days=1))
    make_article(title="Not mine", review_by=today - timedelta(days=1), actor=lead)
    client = signed_in(alice)

    with django_assert_max_num_queries(8):
        response = client.get("/kb/manage/", {"tab": "review"})

    html = response.content.decode()
    assert f"applies to Gizmo 2.1, end of life {version.end_of_life.isoformat()}" in html
    assert f"review date {(today - timedelta(days=1)).isoformat()} passed" in html
    assert "Not mine" not in html


# --- writing ------------------------------------------------------------------------------
def test_writer_creates_a_draft_through_the_service(alice, product, django_assert_max_num_queries):
    client = signed_in(alice)
    with django_assert_max_num_queries(12):
        assert client.get("/kb/manage/new").status_code == 200

    response = client.post(
        "/kb/manage/new",
        form_data(
            body="Upload the *new* key.",
            tags="tls, security",
            products=[product.pk],
            review_by="2030-01-01",
        ),
    )

    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/kb/manage/{article.pk}/"
    assert (article.slug, article.status, article.owner) == (
        "renew-the-tls-certificate",
        "draft",
        alice,
    )
    assert sorted(t.name for t in article.tags.all()) == ["security", "tls"]
    assert list(article.products.all()) == [product]
    assert article.revisions.count() == 1


def test_editor_page_query_count_does_not_grow_with_files(
    alice, make_article, django_assert_max_num_queries
):
    article = make_article()
    client = signed_in(alice)
    for n in range(5):
        client.post(
            f"/kb/manage/{article.pk}/files",
            {"files": [SimpleUploadedFile(f"shot{n}.png", png_bytes(), "image/png")]},
        )

    with django_assert_max_num_queries(16):
        response = client.get(f"/kb/manage/{article.pk}/")

    html = response.content.decode()
    assert html.count("data-insert=") == 5
    assert "Submit for review" not in html  # published: back to draft or archive
    assert "Back to draft" in html
    assert "Archive" in html


def test_saving_makes_a_revision_and_keeps_the_old_permalink(alice, make_article):
    article = make_article(title="Old title", status="draft")

    response = signed_in(alice).post(
        f"/kb/manage/{article.pk}/",
        form_data(article, title="New title", body="Changed.", note="clearer"),
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.slug == "new-title"
    assert Client().get("/kb/old-title").status_code == 404  # a draft: nobody outside reads it
    assert signed_in(alice).get("/kb/old-title")["Location"] == "/kb/new-title"
    assert list(article.revisions.values_list("number", "note")) == [
        (1, "created"),
        (2, "clearer"),
    ]


def test_a_stale_save_is_refused_with_who_and_when_and_keeps_the_text(alice, lead, make_article):
    article = make_article(status="draft")
    opened = form_data(article)  # alice opens the editor
    services.update_article(actor=lead, article_id=article.pk, changes={"body": "Lead's fix."})
    client = signed_in(alice)

    response = client.post(f"/kb/manage/{article.pk}/", opened | {"body": "Alice's long text"})

    html = response.content.decode()
    assert response.status_code == 409
    assert "Lead saved revision 2 at" in html
    assert "Alice&#x27;s long text</textarea>" in html
    article.refresh_from_db()
    assert article.body == "Lead's fix."
    # The form now carries the current marks: saving again replaces lead's text knowingly.
    revision, seen = edit_marks(article)
    assert f'name="revision" value="{revision}"' in html
    again = client.post(
        f"/kb/manage/{article.pk}/",
        opened | {"body": "Alice's long text", "revision": revision, "seen": seen},
    )
    assert again.status_code == 302
    article.refresh_from_db()
    assert article.body == "Alice's long text"


def test_a_field_change_by_someone_else_is_a_conflict_too(alice, lead, make_article):
    article = make_article(status="draft")
    opened = form_data(article)
    services.update_article(actor=lead, article_id=article.pk, changes={"tags": ["tls"]})

    response = signed_in(alice).post(f"/kb/manage/{article.pk}/", opened | {"body": "Mine"})

    assert response.status_code == 409
    assert "Lead saved changes to tags at" in response.content.decode()


def test_own_earlier_saves_are_no_conflict(alice, make_article):
    article = make_article(status="draft")
    opened = form_data(article)
    services.update_article(actor=alice, article_id=article.pk, changes={"tags": ["tls"]})

    response = signed_in(alice).post(f"/kb/manage/{article.pk}/", opened | {"body": "Mine"})

    assert response.status_code == 302


def test_form_and_service_errors_are_shown_beside_the_fields(alice, make_article):
    article = make_article()
    client = signed_in(alice)

    empty = client.post(f"/kb/manage/{article.pk}/", form_data(article, title=""))
    assert empty.status_code == 422
    assert "This field is required." in empty.content.decode()

    huge = client.post(
        f"/kb/manage/{article.pk}/", form_data(article, body="x" * (services.MAX_BODY + 1))
    )
    assert huge.status_code == 422
    assert f"At most {services.MAX_BODY} characters." in huge.content.decode()


def test_preview_renders_and_sanitises_like_the_published_page(
    alice, django_assert_max_num_queries
):
    body = "**bold** <script>alert(1)</script> ![pixel](https://tracker.example/p.gif)"
    client = signed_in(alice)

    with django_assert_max_num_queries(3):
        response = client.post("/kb/manage/preview", {"body": body}, headers=HTMX)

    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "&lt;script&gt;" in html
    assert "tracker.example" not in html


def test_preview_is_for_staff_only(bob):
    assert signed_in(bob).post("/kb/manage/preview", {"body": "x"}).status_code == 302


# --- workflow -----------------------------------------------------------------------------
def test_workflow_buttons_move_the_article_to_published(alice, make_article):
    article = make_article(status="draft")
    client = signed_in(alice)
    html = client.get(f"/kb/manage/{article.pk}/").content.decode()
    assert 'value="in_review"' in html
    assert 'value="archived"' in html
    assert 'value="published"' not in html

    for status in ("in_review", "published"):
        response = client.post(f"/kb/manage/{article.pk}/status", {"status": status})
        assert response.status_code == 302

    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    assert article.published_at is not None


def test_an_invalid_transition_is_refused_with_a_message(alice, make_article):
    article = make_article(status="draft")
    client = signed_in(alice)

    response = client.post(f"/kb/manage/{article.pk}/status", {"status": "published"}, follow=True)

    assert "cannot move to" in response.content.decode()
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT


# --- files --------------------------------------------------------------------------------
def test_upload_answers_htmx_with_the_file_list_and_an_insert_button(alice, make_article):
    article = make_article(title="Dashboard tour")

    response = signed_in(alice).post(
        f"/kb/manage/{article.pk}/files",
        {"files": [SimpleUploadedFile("tour.png", png_bytes(), "image/png")]},
        headers=HTMX,
    )

    html = response.content.decode()
    stored = ArticleAttachment.objects.get()
    assert html.lstrip().startswith('<section id="kb-files"')
    assert f'data-insert="![tour.png](/kb/dashboard-tour/files/{stored.pk}/tour.png)"' in html


def test_oversize_and_wrong_type_uploads_are_refused_in_place(settings, alice, make_article):
    settings.SUSTAIN_ATTACHMENT_MAX_BYTES = 1024
    article = make_article()
    client = signed_in(alice)

    big = client.post(
        f"/kb/manage/{article.pk}/files",
        {"files": [SimpleUploadedFile("big.png", b"x" * 1025, "image/png")]},
        headers=HTMX,
    )
    assert big.status_code == 413
    assert "the limit is 1024 bytes" in big.content.decode()

    exe = client.post(
        f"/kb/manage/{article.pk}/files",
        {"files": [SimpleUploadedFile("setup.exe", b"MZ", "application/octet-stream")]},
        headers=HTMX,
    )
    assert exe.status_code == 422
    assert "Files of type .exe are not accepted" in exe.content.decode()
    assert not ArticleAttachment.objects.exists()


def test_deleting_a_file_from_the_editor(alice, make_article):
    article = make_article()
    client = signed_in(alice)
    client.post(f"/kb/manage/{article.pk}/files", {"files": [SimpleUploadedFile("a.txt", b"a")]})
    stored = ArticleAttachment.objects.get()

    response = client.post(f"/kb/manage/{article.pk}/files/{stored.pk}/delete", headers=HTMX)

    assert response.status_code == 200
    assert "No images or files yet." in response.content.decode()
    assert not ArticleAttachment.objects.exists()


# --- history ------------------------------------------------------------------------------
def test_revisions_diff_and_restore(alice, make_article, django_assert_max_num_queries):
    article = make_article(title="Backups", body="Copy the folder.")
    for n in range(3):
        services.update_article(
            actor=alice, article_id=article.pk, changes={"body": f"Copy the folder {n}."}
        )
    client = signed_in(alice)

    with django_assert_max_num_queries(8):
        listing = client.get(f"/kb/manage/{article.pk}/revisions")
    assert listing.status_code == 200
    assert listing.content.decode().count("Restore<span") == 3

    with django_assert_max_num_queries(8):
        diff = client.get(f"/kb/manage/{article.pk}/diff", {"old": 1, "new": 4})
    html = diff.content.decode()
    assert "<del>-Copy the folder.</del>" in html
    assert "<ins>+Copy the folder 2.</ins>" in html

    restored = client.post(f"/kb/manage/{article.pk}/revisions/1/restore")
    assert restored.status_code == 302
    article.refresh_from_db()
    assert article.body == "Copy the folder."
    assert ArticleRevision.objects.filter(article=article).count() == 5


def test_diff_of_a_missing_revision_is_404(alice, make_article):
    article = make_article()

    response = signed_in(alice).get(f"/kb/manage/{article.pk}/diff", {"old": 1, "new": 9})

    assert response.status_code == 404


# --- the public page ----------------------------------------------------------------------
def test_article_page_links_staff_to_the_editor(alice, bob, make_article):
    article = make_article()
    edit = f'href="/kb/manage/{article.pk}/"'

    assert edit in signed_in(alice).get(f"/kb/{article.slug}").content.decode()
    assert edit not in signed_in(bob).get(f"/kb/{article.slug}").content.decode()
    assert edit not in Client().get(f"/kb/{article.slug}").content.decode()


def test_staff_navigation_links_to_the_editor(alice, bob):
    assert 'href="/kb/manage/"' in signed_in(alice).get("/kb/").content.decode()
    assert 'href="/kb/manage/"' not in signed_in(bob).get("/kb/").content.decode()
