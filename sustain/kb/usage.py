"""How often articles are used on tickets: links found in replies and notes, and the counts.

A reply or note that links to an article (``/kb/<slug>``, under SUSTAIN_BASE_URL or as a bare
path, the current slug or an earlier one) links the article to the ticket once, with the kind
``answer``, in the transaction that saves the message (the ticket services call
:func:`link_articles_in_message` through ``sustain.tickets.hooks``). Only articles the
message's author may read count: a customer cannot link a staff runbook by guessing its slug.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from sustain.accounts.models import User
from sustain.kb.choices import TicketLinkKind
from sustain.kb.models import Article, ArticleEvent, ArticleSlug, ArticleTicketLink
from sustain.kb.selectors import visible_articles
from sustain.tickets.models import Message, ticket_number
from sustain.tickets.selectors import visible_tickets

# A message rarely cites more than a few articles; a pasted list of links stops here.
MAX_LINKS = 20
_SLUG = r"([-a-zA-Z0-9_]+)"


# A bare path, not the tail of another URL ("/kb/<slug>" in text or Markdown).
_BARE = re.compile(rf"(?<![\w./:-])/kb/{_SLUG}")
_ABSOLUTE = re.compile(rf"https?://([^/\s]+)/kb/{_SLUG}", re.IGNORECASE)


def article_url(slug: str) -> str:
    """The absolute permalink an agent pastes into a reply."""
    return f"{settings.SUSTAIN_BASE_URL.rstrip('/')}/kb/{slug}"


def linked_slugs(text: str) -> list[str]:
    """The article slugs ``text`` links to, in order of appearance, each once."""
    if "/kb/" not in text:  # most messages: no regex, no query
        return []
    host = (urlsplit(settings.SUSTAIN_BASE_URL).hostname or "").lower()
    found = [(m.start(), m.group(1)) for m in _BARE.finditer(text)]
    # Absolute links count when they point to this installation (any scheme, port or case).
    found += [
        (m.start(), m.group(2))
        for m in _ABSOLUTE.finditer(text)
        if (urlsplit(f"//{m.group(1)}").hostname or "").lower() == host
    ]
    slugs = dict.fromkeys(slug for _, slug in sorted(found))
    return list(slugs)[:MAX_LINKS]


def link_articles_in_message(message: Message) -> None:
    """The hook: link each readable article the message cites to its ticket, once."""
    slugs = linked_slugs(message.body)
    if not slugs:
        return
    author = message.author
    readable = visible_articles(author)
    ids = set(readable.filter(slug__in=slugs).values_list("pk", flat=True))
    ids |= set(
        readable.filter(
            pk__in=ArticleSlug.objects.filter(slug__in=slugs).values("article_id")
        ).values_list("pk", flat=True)
    )
    if not ids:
        return
    existing = set(
        ArticleTicketLink.objects.filter(
            ticket_id=message.ticket_id, article_id__in=ids, kind=TicketLinkKind.ANSWER
        ).values_list("article_id", flat=True)
    )
    new = sorted(ids - existing)
    if not new:
        return
    # ignore_conflicts: two agents answering at once must not fail one of the messages.
    ArticleTicketLink.objects.bulk_create(
        [
            ArticleTicketLink(
                article_id=pk,
                ticket_id=message.ticket_id,
                kind=TicketLinkKind.ANSWER,
                created_by=author,
                created_at=message.created_at,
            )
            for pk in new
        ],
        ignore_conflicts=True,
    )
    number = ticket_number(message.ticket_id)
    ArticleEvent.objects.bulk_create(
        [
            ArticleEvent(
                article_id=pk, actor=author, action="ticket_linked", detail=f"answer {number}"
            )
            for pk in new
        ]
    )


def with_usage(articles: QuerySet[Article]) -> QuerySet[Article]:
    """Annotate ``used_on_tickets``: distinct tickets the article was used on, in any way
    (a correlated count over the link's unique index, so a page of articles costs no GROUP
    BY of the page query)."""
    per_article = (
        ArticleTicketLink.objects.filter(article_id=OuterRef("pk"))
        .order_by()
        .values("article_id")
        .annotate(n=Count("ticket_id", distinct=True))
        .values("n")
    )
    return articles.annotate(
        used_on_tickets=Coalesce(Subquery(per_article, output_field=IntegerField()), 0)
    )


def usage_counts(article_ids: Sequence[int]) -> dict[int, int]:
    """Distinct tickets each article was used on (one query; ids without links are absent)."""
    rows = (
        ArticleTicketLink.objects.filter(article_id__in=article_ids)
        .order_by()
        .values("article_id")
        .annotate(n=Count("ticket_id", distinct=True))
        .values_list("article_id", "n")
    )
    return dict(rows)


@dataclass(frozen=True)
class Usage:
    """How often an article was used, and the most recent tickets the viewer may open."""

    count: int
    recent: list[dict[str, Any]]


def usage_for(viewer: User, article: Article, *, recent: int = 10) -> Usage:
    """The count covers every ticket (a number reveals no ticket); the list only those the
    viewer can read."""
    count = ArticleTicketLink.objects.filter(article=article).values("ticket_id").distinct()
    linked = ArticleTicketLink.objects.filter(article=article).values("ticket_id")
    rows = (
        visible_tickets(viewer)
        .filter(pk__in=linked)
        .order_by("-updated_at", "-id")
        .values("id", "title", "status")[:recent]
    )
    return Usage(
        count=count.count(),
        recent=[row | {"number": ticket_number(row["id"])} for row in rows],
    )
