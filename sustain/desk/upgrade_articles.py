"""The knowledge-base articles of upgrade paths: ``releases`` keeps their ids and asks this
lookup, registered from ``DeskConfig.ready`` (a layer above both ``kb`` and ``releases``,
which may not import each other), for the titles and addresses a viewer may read."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from sustain.kb.selectors import visible_articles
from sustain.releases.upgrades.articles import ArticleLink


def readable_articles(viewer: Any, ids: list[int]) -> dict[int, ArticleLink]:
    rows = visible_articles(viewer).filter(pk__in=ids).values_list("pk", "title", "slug")
    return {
        pk: ArticleLink(id=pk, title=title, url=reverse("kb:article", args=[slug]))
        for pk, title, slug in rows
    }
