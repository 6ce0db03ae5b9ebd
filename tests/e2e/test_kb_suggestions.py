"""Suggested articles on the agent's ticket page: found, inserted into a reply, counted."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from sustain.kb import index, services
from sustain.kb.choices import TicketLinkKind
from sustain.kb.models import Article, ArticleTicketLink
from sustain.tickets.models import Ticket
from tests.e2e.conftest import check_accessibility, htmx_idle, screenshot, sign_in


@pytest.fixture
def article(alice) -> Article:
    index.purge_orphans()  # index rows of earlier browser tests' flushed articles
    made = services.create_article(
        actor=alice,
        data=services.ArticleData(
            title="Nightly sync stops halfway: what to check",
            body="Look at the sync log first, then the disk space of the server.",
            audience="customers",
        ),
    )
    Article.objects.filter(pk=made.pk).update(status="published")
    made.refresh_from_db()
    index.sync_facets(made)
    return made


@pytest.fixture
def ticket(make_ticket, bob, support) -> Ticket:
    made: Ticket = make_ticket(bob, title="Nightly sync stops halfway")
    made.team = support
    made.save(update_fields=["team"])
    return made


def test_agent_inserts_a_suggested_article_into_a_reply(page: Page, alice, ticket, article) -> None:
    sign_in(page, alice.email)
    page.goto(f"/tickets/{ticket.number}")

    panel = page.get_by_role("region", name="Suggested articles")
    suggestion = panel.locator(".kb-suggestion", has_text="what to check")
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text("Signed-in customers")
    expect(suggestion).to_contain_text("used on 0 tickets")
    htmx_idle(page)
    check_accessibility(page, "ticket page with suggested articles")

    message = page.get_by_label("Message")
    message.fill("Hello Bob, please read  first.")
    # The cursor between the two spaces: the link goes there, not at the end.
    message.evaluate("(area) => area.setSelectionRange(23, 23)")
    suggestion.get_by_role("button", name="Insert link").click()

    url = f"{settings.SUSTAIN_BASE_URL}/kb/{article.slug}"
    expect(message).to_have_value(f"Hello Bob, please read {url} first.")
    expect(message).to_be_focused()
    screenshot(page, "ticket-kb-suggestions")

    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("article", name="Reply from Alice")).to_contain_text(url)
    expect(suggestion).to_contain_text("used on 1 ticket")
    links = ArticleTicketLink.objects.filter(ticket=ticket, article=article)
    assert list(links.values_list("kind", flat=True)) == [TicketLinkKind.ANSWER]


def test_agent_searches_for_another_article(new_page, alice, ticket, article) -> None:
    other = services.create_article(
        actor=alice, data=services.ArticleData(title="Renew an expired licence", body="Steps.")
    )
    Article.objects.filter(pk=other.pk).update(status="published")
    other.refresh_from_db()
    index.sync_facets(other)
    page: Page = new_page(color_scheme="dark")
    sign_in(page, alice.email)
    page.goto(f"/tickets/{ticket.number}")

    panel = page.get_by_role("region", name="Suggested articles")
    expect(panel.locator(".kb-suggestion")).to_have_count(1)
    htmx_idle(page)
    check_accessibility(page, "ticket page with suggested articles (dark)")
    panel.get_by_label("Find another article").fill("licnese")
    expect(panel.locator(".kb-suggestion", has_text="expired licence")).to_be_visible()
    expect(panel.locator(".kb-suggestion", has_text="what to check")).to_have_count(0)
    screenshot(page, "ticket-kb-search-dark")
