"""MRR@10 of the knowledge-base search over a written corpus, on whichever database runs."""

from __future__ import annotations

import pytest

from sustain.accounts.models import User
from sustain.kb import index, services
from sustain.kb.choices import ArticleStatus
from sustain.kb.models import Article, Category
from sustain.kb.search import search
from tests.kb.corpus import ARTICLES, QUERIES

TARGET = 0.8


def load_corpus(author: User) -> dict[int, str]:
    """The corpus as published articles; returns article id -> corpus key."""
    categories: dict[str, int] = {}
    keys: dict[int, str] = {}
    for key, category, title, summary, body in ARTICLES:
        if category not in categories:
            categories[category] = services.create_category(actor=author, name=category).pk
        article = services.create_article(
            actor=author,
            data=services.ArticleData(
                title=title, summary=summary, body=body, category_id=categories[category]
            ),
        )
        keys[article.pk] = key
    Article.objects.update(status=ArticleStatus.PUBLISHED)
    for article in Article.objects.all():
        index.sync_facets(article)
    return keys


def reciprocal_ranks(user: User, keys: dict[int, str]) -> dict[str, float]:
    ranks = {}
    for query, expected in QUERIES:
        found = [keys[h.article.pk] for h in search(user, query, limit=10, log=False).articles]
        rank = next((i for i, key in enumerate(found, 1) if key in expected), None)
        ranks[query] = 1 / rank if rank else 0.0
    return ranks


@pytest.mark.django_db
def test_search_mrr_at_10_over_the_relevance_set(alice, bob):
    keys = load_corpus(alice)
    assert len(keys) >= 100
    assert len(QUERIES) >= 50
    assert Category.objects.count() > 5

    ranks = reciprocal_ranks(bob, keys)
    mrr = sum(ranks.values()) / len(ranks)

    misses = {q: r for q, r in ranks.items() if r < 1}
    print(f"MRR@10 = {mrr:.3f} over {len(ranks)} queries; below rank 1: {misses}")
    assert mrr >= TARGET, misses
