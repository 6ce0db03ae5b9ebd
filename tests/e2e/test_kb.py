"""Public help articles: searchable and readable by anyone, accessible in both themes."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from sustain.kb import index, services
from sustain.kb.models import Article
from tests.e2e.conftest import check_accessibility, screenshot, sign_in


def test_a_visitor_searches_and_reads_an_article(new_page, alice) -> None:
    article = services.create_article(
        actor=alice,
        data=services.ArticleData(
            title="Upgrade the server to 4.0",
            body="Back up first.\n\n1. Stop the service\n2. Install the **new** package",
            summary="Steps for an upgrade without data loss.",
            audience="public",
        ),
    )
    Article.objects.filter(pk=article.pk).update(status="published")
    article.refresh_from_db()
    index.sync_facets(article)
    for scheme in ("light", "dark"):
        page: Page = new_page(color_scheme=scheme)
        page.goto("/kb/?q=upgarde")
        link = page.get_by_role("link", name="Upgrade the server to 4.0")
        expect(link).to_be_visible()
        check_accessibility(page, f"help search ({scheme})")
        link.click()
        expect(page.get_by_role("heading", name="Upgrade the server to 4.0")).to_be_visible()
        check_accessibility(page, f"help article ({scheme})")
        screenshot(page, f"kb-article-{scheme}")


def test_a_customer_is_shown_articles_while_writing_and_a_deflection_is_counted(
    new_page, alice, bob
) -> None:
    from sustain.kb.models import Deflection

    index.purge_orphans()
    article = services.create_article(
        actor=alice,
        data=services.ArticleData(
            title="Reset a forgotten password",
            body="Use the link on the sign-in page.",
            audience="public",
        ),
    )
    Article.objects.filter(pk=article.pk).update(status="published")
    article.refresh_from_db()
    index.sync_facets(article)

    page: Page = new_page()
    sign_in(page, bob.email)
    page.goto("/portal/new")
    page.get_by_label("Subject").fill("I forgot my password")
    suggested = page.get_by_role("region", name="These articles may answer your question")
    link = suggested.get_by_role("link", name=re.compile("Reset a forgotten password"))
    expect(link).to_be_visible()
    check_accessibility(page, "new request with suggestions")
    with page.context.expect_page() as opened:
        link.click()
    opened.value.close()
    # The customer leaves without sending the request: the article helped.
    page.goto("/portal/")
    deadline = time.monotonic() + 10
    while not Deflection.objects.filter(article=article).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Deflection.objects.filter(article=article).count() == 1
