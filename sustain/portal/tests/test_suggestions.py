"""Help articles suggested while a customer writes a request."""

from __future__ import annotations

import pytest

from sustain.kb import index
from sustain.kb import services as kb
from sustain.kb.models import Article

pytestmark = pytest.mark.django_db
URL = "/portal/new/suggestions"


def published(alice, title: str, audience: str = "public") -> Article:
    article = kb.create_article(
        actor=alice,
        data=kb.ArticleData(title=title, body=f"{title}: the steps.", audience=audience),
    )
    Article.objects.filter(pk=article.pk).update(status="published")
    article.refresh_from_db()
    index.sync_facets(article)
    return article


def test_matching_articles_the_customer_may_read_are_suggested(
    client, alice, bob, django_assert_max_num_queries
):
    index.purge_orphans()
    public = published(alice, "Reset a forgotten password")
    published(alice, "Password vault internals", audience="staff")
    client.force_login(bob)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"subject": "forgot my password", "description": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-article-id="{public.pk}"' in html
    assert "<mark>" in html
    assert "vault" not in html.lower()


def test_short_or_unmatched_text_shows_nothing(client, bob):
    client.force_login(bob)
    for text in ("ab", "zzzzqqqq"):
        html = client.get(URL, {"subject": text}).content.decode()
        assert "hidden" in html
        assert "<li>" not in html


def test_staff_are_sent_to_their_workspace(client, alice):
    client.force_login(alice)
    assert client.get(URL, {"subject": "password"})["Location"] == "/tickets/"
