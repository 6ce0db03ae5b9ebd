"""Reading an article's history: its revisions and the differences between them."""

from __future__ import annotations

import difflib
from typing import Any

from django.db.models import Max

from sustain.core.errors import NotFound
from sustain.kb.models import ArticleRevision
from sustain.kb.selectors import check_staff, get_article_for


def list_revisions(*, user: Any, article_id: int) -> list[ArticleRevision]:
    check_staff(user)
    article = get_article_for(user, article_id)
    return list(article.revisions.select_related("editor").order_by("-number"))


def diff_revisions(
    *, user: Any, article_id: int, old: int | None = None, new: int | None = None
) -> tuple[int, int, str]:
    """A unified diff of title, summary and body from revision ``old`` (default: the one
    before ``new``) to ``new`` (default: the latest), with the two numbers."""
    check_staff(user)
    article = get_article_for(user, article_id)
    if new is None:
        new = article.revisions.aggregate(n=Max("number"))["n"] or 1
    if old is None:
        old = max(1, new - 1)
    found = {r.number: r for r in article.revisions.filter(number__in=[old, new])}
    for number in (old, new):
        if number not in found:
            raise NotFound(f"Article {article_id} has no revision {number}.")
    before, after = found[old], found[new]
    return (
        old,
        new,
        "".join(
            difflib.unified_diff(
                _lines(before),
                _lines(after),
                fromfile=f"revision {old}",
                tofile=f"revision {new}",
            )
        ),
    )


def _lines(revision: ArticleRevision) -> list[str]:
    text = f"# {revision.title}\n\n{revision.summary}\n\n{revision.body}"
    return [line + "\n" for line in text.splitlines()]
