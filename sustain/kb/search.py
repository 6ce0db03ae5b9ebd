"""One search for the knowledge base (and, for staff, tickets), on either database.

A query becomes a list of word groups: each word with the known words it may stand for (words
it is a prefix of, words one or two edits away when it is not a known word). Articles that
match every group come first; when too few do, those matching any group follow.
``sustain.kb.index`` runs the match on the vendor's full-text index; snippets are cut and
highlighted here, the same way on both.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from sustain.accounts.models import User
from sustain.core.errors import ValidationFailed
from sustain.kb import index
from sustain.kb.choices import ArticleStatus, UserKind
from sustain.kb.models import Article, Term
from sustain.kb.selectors import (
    category_subtree,
    readable_audiences,
    readable_statuses,
    user_kind,
)
from sustain.kb.tasks import log_search_task
from sustain.tickets.models import Ticket
from sustain.tickets.selectors import visible_tickets

logger = logging.getLogger(__name__)
MAX_WORDS = 8
MAX_QUERY = 200
SNIPPET_WORDS = 30
# Ticket titles: words this long use the trigram index; shorter ones are looked for among the
# newest SHORT_WORD_WINDOW titles that hold the longer words.
TRIGRAM = 3
SHORT_WORD_WINDOW = 200
# Words too common to tell articles apart; PostgreSQL's english configuration drops them too.
_STOPWORDS = (
    "a an and are as at be but by can do does for from has have how i if in into is it its "
    "me my no not of on or our so that the their then there these they this to was we what "
    "when where which who why will with you your"
)
STOPWORDS = frozenset(_STOPWORDS.split())


@dataclass(frozen=True)
class SearchFilters:
    category_id: int | None = None
    product_id: int | None = None
    audience: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class ArticleHit:
    article: Article
    score: float
    title_html: str
    snippet_html: str


@dataclass(frozen=True)
class SearchResult:
    query: str
    articles: list[ArticleHit]
    tickets: list[Ticket] = field(default_factory=list)
    # The words the query was widened to (prefixes, typo corrections), for "did you mean".
    expansions: dict[str, list[str]] = field(default_factory=dict)


def search(
    user: Any,
    query: str,
    filters: SearchFilters | None = None,
    limit: int = 10,
    *,
    include_tickets: bool = False,
    log: bool = True,
) -> SearchResult:
    """Ranked articles ``user`` may read for ``query``; for staff who ask, matching tickets."""
    query = query.strip()
    if len(query) > MAX_QUERY:
        raise ValidationFailed.field("q", f"At most {MAX_QUERY} characters.")
    limit = max(1, min(limit, 50))
    conditions = _conditions(user, filters or SearchFilters())
    words = query_words(query)
    pairs = expand_words(words)
    groups = [alternatives for _, alternatives in pairs if alternatives]
    ranked = index.match_articles(groups, conditions, every=True, limit=limit)
    if len(ranked) < limit and len(groups) > 1:
        # Too few articles hold every word: fill up with those that hold some, after them.
        seen = {pk for pk, _ in ranked}
        more = index.match_articles(groups, conditions, every=False, limit=limit)
        ranked += [(pk, score) for pk, score in more if pk not in seen][: limit - len(ranked)]
    hits = _hits(ranked, groups)
    tickets = _tickets(user, words, limit) if include_tickets else []
    if log and query:
        _log(query, len(hits), user_kind(user))
    expansions = {w: [a for a in alts if a != w] for w, alts in pairs if alts != [w]}
    return SearchResult(query=query, articles=hits, tickets=tickets, expansions=expansions)


def suggest(user: Any, text: str, limit: int = 5) -> list[ArticleHit]:
    """Published articles for a request being written: any word may match, best first."""
    words = query_words(text[:2000], most=12)
    conditions = index.Filters(
        statuses=[ArticleStatus.PUBLISHED], audiences=readable_audiences(user)
    )
    # The last word may be half typed; the others are complete.
    groups = [[w] for w in words[:-1]] + expand(words[-1:])
    ranked = index.match_articles(groups, conditions, every=False, limit=max(1, min(limit, 20)))
    return _hits(ranked, groups)


def _log(query: str, results_count: int, kind: str) -> None:
    """Queue the search-log row: the searcher does not wait for an INSERT and its commit.
    Enqueued at once, not on commit: the row depends on nothing the caller may roll back."""
    try:
        log_search_task(query.lower()[:MAX_QUERY], results_count, str(kind), timezone.now())
    except Exception:  # a queue outage must not fail the search itself
        logger.warning("search log not queued", exc_info=True)


# --- the query ----------------------------------------------------------------------------
def query_words(text: str, most: int = MAX_WORDS) -> list[str]:
    words = list(dict.fromkeys(index.WORD.findall(text.lower())))
    words = [w[: index.MAX_WORD] for w in words]
    kept = [w for w in words if w not in STOPWORDS] or words
    if len(kept) > most:  # long texts: the longest words say the most
        longest = set(sorted(kept, key=len, reverse=True)[:most])
        kept = [w for w in kept if w in longest]
    return kept


def expand(words: Sequence[str]) -> list[list[str]]:
    """The alternatives of each word; words that match nothing are left out."""
    return [alternatives for _, alternatives in expand_words(words) if alternatives]


def expand_words(words: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Each word with the known words it may stand for (none: it matches nothing)."""
    if not words:
        return []
    known = set(Term.objects.filter(word__in=words).values_list("word", flat=True))
    pairs: list[tuple[str, list[str]]] = []
    for position, word in enumerate(words):
        alternatives = [word] if word in known else []
        # The last word may be half typed; an unknown word may be the start of a known one.
        if len(word) >= 3 and (word not in known or position == len(words) - 1):
            alternatives += index.prefix_terms(word)
        if not alternatives and len(word) >= 4:
            alternatives = index.similar_terms(word)
        pairs.append((word, list(dict.fromkeys(alternatives))))
    return pairs


def _conditions(user: Any, filters: SearchFilters) -> index.Filters:
    statuses = readable_statuses(user)
    audiences = readable_audiences(user)
    if user_kind(user) != UserKind.STAFF or filters.status is None:
        # Search finds published articles unless staff ask for another state.
        statuses = [ArticleStatus.PUBLISHED]
    else:
        statuses = [s for s in statuses if s == filters.status]
    if filters.audience is not None:
        audiences = [a for a in audiences if a == filters.audience]
    categories = None if filters.category_id is None else category_subtree(filters.category_id)
    return index.Filters(
        statuses=statuses,
        audiences=audiences,
        category_ids=categories,
        product_id=filters.product_id,
    )


def _tickets(user: Any, words: Sequence[str], limit: int) -> list[Ticket]:
    """Tickets whose title holds every word: the queue's indexed title search (a trigram
    index on PostgreSQL), newest first."""
    if not words or not isinstance(user, User) or user_kind(user) != UserKind.STAFF:
        return []
    tickets = visible_tickets(user)
    indexed = [w for w in words if len(w) >= TRIGRAM]
    short = [w for w in words if len(w) < TRIGRAM]
    for word in indexed:
        tickets = tickets.filter(title__icontains=word)
    if short and indexed:
        # A word under three letters ("s3") cannot use the trigram index, and with it the
        # planner reads every title holding the other words (0.4 s for "backup s3" at 1M
        # tickets): look for it only among the newest titles that hold the other words.
        newest = tickets.order_by("-id").values("id")[:SHORT_WORD_WINDOW]
        tickets = Ticket.objects.filter(pk__in=newest)
    for word in short:
        tickets = tickets.filter(title__icontains=word)
    return list(tickets.order_by("-id").only("id", "title", "status", "updated_at")[:limit])


# --- results ------------------------------------------------------------------------------
def _hits(ranked: list[tuple[int, float]], groups: Sequence[Sequence[str]]) -> list[ArticleHit]:
    if not ranked:
        return []
    # Hits show title, summary and a snippet of the plain text: the Markdown and HTML stay.
    articles = (
        Article.objects.select_related("category")
        .defer("body", "body_html")
        .in_bulk([pk for pk, _ in ranked])
    )
    roots = _roots(groups)
    hits = []
    for pk, score in ranked:
        article = articles.get(pk)
        if article is None:
            continue
        text = article.body_text or article.summary
        hits.append(
            ArticleHit(
                article=article,
                score=score,
                title_html=highlight(article.title, roots),
                snippet_html=snippet(text, roots),
            )
        )
    return hits


def _roots(groups: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """What a word of the text must start with to be marked: the query word, shortened a
    little for longer words so that 'restore' also marks 'restoring'."""
    roots = {w[: max(4, len(w) - 2)] if len(w) > 5 else w for g in groups for w in g}
    return tuple(sorted(roots, key=len))


_SPLIT = re.compile(r"([^\W_]+)")


def highlight(text: str, roots: tuple[str, ...]) -> str:
    """Escape first, then mark: the text never reaches the page unescaped."""
    parts = _SPLIT.split(text)
    return "".join(
        f"<mark>{html.escape(part)}</mark>"
        if i % 2 and roots and part.lower().startswith(roots)
        else html.escape(part)
        for i, part in enumerate(parts)
    )


def snippet(text: str, roots: tuple[str, ...]) -> str:
    """About SNIPPET_WORDS words around the first match, highlighted."""
    words = text.split(" ")
    first = 0
    if roots:
        first = next(
            (
                i
                for i, word in enumerate(words)
                if any(part.lower().startswith(roots) for part in _SPLIT.findall(word))
            ),
            0,
        )
    start = max(0, first - SNIPPET_WORDS // 3)
    chosen = " ".join(words[start : start + SNIPPET_WORDS])
    marked = highlight(chosen, roots)
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + SNIPPET_WORDS < len(words) else ""
    return f"{prefix}{marked}{suffix}"
