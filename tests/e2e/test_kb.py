"""Public help articles: searchable and readable by anyone, accessible in both themes."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from sustain.kb import index, services
from sustain.kb.models import Article
from tests.e2e.conftest import check_accessibility, screenshot


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
