"""The staff article editor in a real browser: write, preview, add an image, review, publish;
then a customer reads the article with its image. axe checks the editor pages in both
themes."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from sustain.accounts.models import User
from sustain.kb import index, services
from sustain.kb.models import Article, ArticleAttachment
from sustain.kb.tests.test_attachments import png_bytes
from tests.e2e.conftest import check_accessibility, htmx_idle, open_from_nav, screenshot, sign_in


def test_a_writer_publishes_an_article_with_an_image_that_a_customer_sees(
    new_page: Any, settings: Any, tmp_path: Any, alice: User, bob: User
) -> None:
    settings.MEDIA_ROOT = tmp_path
    index.purge_orphans()
    page: Page = new_page()
    sign_in(page, alice.email)
    open_from_nav(page, "Knowledge base", "Articles")
    page.get_by_role("link", name="New article").click()

    page.get_by_label("Title").fill("Set up the dashboard")
    page.get_by_label("Summary").fill("Where each widget comes from.")
    page.get_by_label("Body").fill("Open **Settings**, then add a widget.")
    preview = page.locator("#kb-preview")
    expect(preview.locator("strong")).to_have_text("Settings")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved")

    page.get_by_label(re.compile("Add images or files")).set_input_files(
        {"name": "dashboard.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    insert = page.get_by_role("button", name="Insert dashboard.png into the body")
    expect(insert).to_be_visible()
    htmx_idle(page)
    page.get_by_label("Body").press("End")
    insert.click()
    expect(page.get_by_label("Body")).to_have_value(re.compile(r"!\[dashboard\.png\]\(/kb/"))
    expect(preview.get_by_role("img", name="dashboard.png")).to_be_visible()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved")

    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("now in review")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("now published")

    article = Article.objects.get()
    assert article.status == "published"
    image = ArticleAttachment.objects.get()
    assert f"/files/{image.pk}/dashboard.png" in article.body_html

    customer: Page = new_page()
    sign_in(customer, bob.email)
    customer.goto(f"/kb/{article.slug}")
    picture = customer.get_by_role("img", name="dashboard.png")
    expect(picture).to_be_visible()
    assert customer.evaluate(
        "img => img.complete && img.naturalWidth === 1", picture.element_handle()
    )
    expect(customer.get_by_role("link", name=re.compile("Edit"))).to_have_count(0)


def test_editor_pages_are_accessible_in_both_themes(
    new_page: Any, settings: Any, tmp_path: Any, alice: User
) -> None:
    from sustain.core.uploads import Upload
    from sustain.kb.attachments import add_attachments

    settings.MEDIA_ROOT = tmp_path
    index.purge_orphans()
    article = services.create_article(
        actor=alice,
        data=services.ArticleData(title="Renew the certificate", body="Upload the key."),
    )
    services.update_article(
        actor=alice, article_id=article.pk, changes={"body": "Upload the *new* key."}
    )
    add_attachments(actor=alice, article_id=article.pk, uploads=[Upload("chain.png", png_bytes())])
    pages = {
        "list": "/kb/manage/",
        "review queue": "/kb/manage/?tab=review",
        "new": "/kb/manage/new",
        "editor": f"/kb/manage/{article.pk}/",
        "revisions": f"/kb/manage/{article.pk}/revisions",
        "diff": f"/kb/manage/{article.pk}/diff",
    }
    for scheme in ("light", "dark"):
        page: Page = new_page(color_scheme=scheme)
        sign_in(page, alice.email)
        for name, url in pages.items():
            page.goto(url)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            check_accessibility(page, f"kb {name} ({scheme})")
        screenshot(page, f"kb-editor-diff-{scheme}")
        page.goto(pages["editor"])
        screenshot(page, f"kb-editor-{scheme}")
