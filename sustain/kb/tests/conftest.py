from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sustain.accounts.models import User
from sustain.kb import index, services
from sustain.kb.choices import ArticleStatus
from sustain.kb.models import Article


@pytest.fixture(autouse=True)
def _no_stale_search_rows(db: None) -> None:
    """The search index is not made of Django models: the flush that ends a committing test
    (a browser test, say) leaves its rows behind. Drop those before a search test runs."""
    index.purge_orphans()


@pytest.fixture
def make_article(alice: User) -> Callable[..., Article]:
    """A published article written by alice (pass status= for another state)."""

    def make(title: str = "Upgrade to 4.0", body: str = "Back up first.", **fields: Any) -> Article:
        status = fields.pop("status", ArticleStatus.PUBLISHED)
        actor = fields.pop("actor", alice)
        article = services.create_article(
            actor=actor, data=services.ArticleData(title=title, body=body, **fields)
        )
        Article.objects.filter(pk=article.pk).update(status=status)
        article.refresh_from_db()
        index.sync_facets(article)
        return article

    return make
