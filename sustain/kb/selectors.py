"""Who may read which articles, and lookups that check it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sustain.accounts.models import User
from sustain.core.errors import NotFound, PermissionDenied
from sustain.core.permissions import Capability
from sustain.kb.choices import ArticleStatus, Audience, UserKind
from sustain.kb.models import Article, ArticleSlug, Category


def user_kind(user: Any) -> UserKind:
    if not isinstance(user, User) or not user.is_active:
        return UserKind.ANONYMOUS
    return UserKind.STAFF if user.is_staff_member else UserKind.CUSTOMER


def readable_audiences(user: Any) -> list[str]:
    kind = user_kind(user)
    if kind == UserKind.STAFF:
        return [Audience.PUBLIC, Audience.CUSTOMERS, Audience.STAFF]
    if kind == UserKind.CUSTOMER:
        return [Audience.PUBLIC, Audience.CUSTOMERS]
    return [Audience.PUBLIC]


def readable_statuses(user: Any) -> list[str]:
    """Staff read every state (drafts are reviewed by colleagues); others only published."""
    if user_kind(user) == UserKind.STAFF:
        return list(ArticleStatus.values)
    return [ArticleStatus.PUBLISHED]


def visible_articles(user: Any) -> QuerySet[Article]:
    """The articles ``user`` (a User, or None / AnonymousUser) may read."""
    return Article.objects.filter(
        status__in=readable_statuses(user), audience__in=readable_audiences(user)
    )


def get_article_for(user: Any, article_id: int, *, for_update: bool = False) -> Article:
    articles = visible_articles(user)
    if for_update:
        articles = articles.select_for_update()
    article = articles.filter(pk=article_id).first()
    if article is None:
        raise NotFound(f"No article {article_id}.")
    return article


def resolve_slug(user: Any, slug: str) -> tuple[Article, bool]:
    """The article a permalink names, and whether ``slug`` is its current one (else the
    caller redirects)."""
    article = visible_articles(user).filter(slug=slug).first()
    if article is not None:
        return article, True
    old = ArticleSlug.objects.filter(slug=slug).values_list("article_id", flat=True).first()
    if old is not None:
        article = visible_articles(user).filter(pk=old).first()
        if article is not None:
            return article, False
    raise NotFound(f"No article '{slug}'.")


def check_writer(user: Any) -> User:
    """Users whose role writes articles (``kb.write``); viewers and customers only read."""
    if not isinstance(user, User) or not user.can(Capability.KB_WRITE):
        raise PermissionDenied("Only staff writers may change knowledge-base articles.")
    return user


def check_staff(user: Any) -> User:
    if user_kind(user) != UserKind.STAFF:
        raise PermissionDenied("Only staff may do this.")
    assert isinstance(user, User)
    return user


def category_subtree(category_id: int) -> list[int]:
    """The category and every category below it (the tree is small: read it whole)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [], [category_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def edit_marks(article: Article) -> tuple[int, int]:
    """The latest revision number and event id of an article: what an editor page carries so
    that a save made by someone else meanwhile is noticed (see services.update_article)."""
    revision = article.revisions.order_by("-number").values_list("number", flat=True).first()
    event = article.events.order_by("-pk").values_list("pk", flat=True).first()
    return revision or 0, event or 0
