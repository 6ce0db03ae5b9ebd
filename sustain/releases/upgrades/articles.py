"""Knowledge-base articles linked to upgrades, without importing the knowledge base.

``kb`` and ``releases`` sit side by side in layer 4 and may not import each other, so an edge
keeps the ids of its articles and asks a lookup, registered by a layer above both (the desk,
``desk/apps.py``), for their titles and addresses: only the articles the viewer may read come
back, so a customer never sees a staff-only article's title. Without a registered lookup (a
project without the desk) ids are kept unchecked and nothing is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ArticleLink:
    id: int
    title: str
    url: str


type ArticleLookup = Callable[[Any, list[int]], dict[int, ArticleLink]]

_LOOKUPS: list[ArticleLookup] = []


def register_article_lookup(lookup: ArticleLookup) -> None:
    """``lookup(viewer, ids)`` answers the articles of ``ids`` that ``viewer`` may read."""
    if lookup not in _LOOKUPS:
        _LOOKUPS.append(lookup)


def has_lookup() -> bool:
    return bool(_LOOKUPS)


def article_links(viewer: Any, ids: Iterable[int]) -> dict[int, ArticleLink]:
    """The readable articles of ``ids`` by id (one query per registered lookup)."""
    wanted = sorted(set(ids))
    found: dict[int, ArticleLink] = {}
    if not wanted:
        return found
    for lookup in _LOOKUPS:
        found.update(lookup(viewer, wanted))
    return found
