"""The ticket page's "Suggested articles" fragment (staff only, loaded after the page)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sustain.kb.choices import ArticleStatus, Audience
from sustain.kb.suggestions import suggestions_for_ticket
from sustain.kb.usage import article_url
from sustain.tickets import services

HTMX = {"HTTP_HX_REQUEST": "true"}
BASE = "https://help.example.com"


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.SUSTAIN_BASE_URL = BASE


@pytest.fixture
def sync_ticket(make_ticket, alice, bob):
    return make_ticket(
        alice, requester=bob, title="Sync stuck at 99%", description="The client stops syncing."
    )


def fragment(client, ticket, **params):
    return client.get(f"/tickets/{ticket.number}/kb-suggestions", params, **HTMX)


def test_page_loads_the_panel_after_itself(client, alice, sync_ticket, make_article):
    make_article(title="Sync stuck: what to check")
    client.force_login(alice)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(f"/tickets/{sync_ticket.number}").content.decode()

    # The page itself asks the knowledge base nothing: its query count stays as it was.
    assert not [q for q in captured.captured_queries if "kb_" in q["sql"]]
    assert f'hx-get="/tickets/{sync_ticket.number}/kb-suggestions"' in html
    assert 'hx-trigger="load"' in html
    assert "kb/ticket_panel.js" in html


def test_fragment_suggests_published_articles_of_every_audience(
    client, alice, sync_ticket, make_article
):
    public = make_article(title="Sync stuck: what to check", audience=Audience.PUBLIC)
    internal = make_article(title="Sync cluster restart", audience=Audience.STAFF)
    make_article(title="Sync draft notes", status=ArticleStatus.DRAFT)
    make_article(title="Printer drivers")
    services.add_message(actor=alice, ref=sync_ticket.pk, body=article_url(public.slug))
    client.force_login(alice)

    response = fragment(client, sync_ticket)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="kb-suggest-results"' in html
    assert 'id="kb-suggest-q"' in html
    assert f'data-kb-url="{BASE}/kb/{public.slug}"' in html
    assert f'data-kb-url="{BASE}/kb/{internal.slug}"' in html
    assert "Staff only" in html
    assert "Everyone" in html
    assert "used on 1 ticket<" in html
    assert "used on 0 tickets" in html
    assert "draft" not in html.lower()
    assert "Printer" not in html


def test_agents_search_answers_the_list_only(client, alice, sync_ticket, make_article):
    make_article(title="Printer drivers")
    client.force_login(alice)

    response = fragment(client, sync_ticket, q="printer")

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="kb-suggest-results"')
    assert "<mark>Printer</mark> drivers" in html
    assert "kb-suggest-q" not in html.split(">", 1)[1]  # the form is not sent again
    empty = fragment(client, sync_ticket, q="zzzz").content.decode()
    assert "No published article matches “zzzz”" in empty


def test_viewer_sees_suggestions_without_insert_buttons(
    client, viewer, support, sync_ticket, make_article
):
    support.members.add(viewer)
    make_article(title="Sync stuck: what to check")
    client.force_login(viewer)

    html = fragment(client, sync_ticket).content.decode()

    assert "what to check" in html
    assert "kb-insert" not in html


@pytest.mark.parametrize("who", ["bob", "anonymous"])
def test_only_staff_get_the_fragment(client, bob, sync_ticket, make_article, who):
    make_article(title="Sync stuck: what to check")
    if who == "bob":
        client.force_login(bob)  # the ticket's own requester

    assert fragment(client, sync_ticket).status_code == 404


def test_agent_who_cannot_see_the_ticket_gets_404(client, dave, sync_ticket):
    client.force_login(dave)
    assert fragment(client, sync_ticket).status_code == 404


def test_fragment_queries_do_not_grow_with_articles_or_usage(
    client, alice, sync_ticket, make_ticket, make_article, django_assert_max_num_queries
):
    client.force_login(alice)
    make_article(title="Sync stuck once")
    fragment(client, sync_ticket)
    for i in range(6):
        article = make_article(title=f"Sync stuck case {i}", audience=Audience.CUSTOMERS)
        for _ in range(2):
            other = make_ticket(alice, title="Used here")
            services.add_message(actor=alice, ref=other.pk, body=article_url(article.slug))

    # Session, user, ticket, first message, vocabulary (known words, prefixes, a typo lookup:
    # four statements on PostgreSQL), the ranked match, the articles, their usage counts.
    with django_assert_max_num_queries(14):
        response = fragment(client, sync_ticket)

    assert response.content.decode().count('class="kb-suggestion"') == 5
    assert response.content.decode().count("used on 2 tickets") >= 4


def test_suggestions_for_ticket_is_staff_only(bob, sync_ticket):
    from sustain.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        suggestions_for_ticket(bob, sync_ticket)
