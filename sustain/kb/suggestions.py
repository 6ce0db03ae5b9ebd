"""Articles for the agent's ticket page: what matches the ticket, or what the agent searches.

Staff read every audience; only published articles are offered (a draft cannot be sent to a
customer). Each suggestion carries how many tickets the article was used on already.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sustain.kb.models import Article
from sustain.kb.search import ArticleHit, search, suggest
from sustain.kb.selectors import check_staff
from sustain.kb.usage import article_url, usage_counts
from sustain.tickets.models import Message, Ticket

SUGGESTIONS = 5
# The start of a description says what it is about; the rest is logs and signatures.
FIRST_MESSAGE_CHARS = 1500


@dataclass(frozen=True)
class Suggestion:
    article: Article
    title_html: str
    snippet_html: str
    used_on_tickets: int
    url: str


def suggestions_for_ticket(
    user: Any, ticket: Ticket, query: str = "", limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """Published articles for ``ticket`` (its title and first message), or for ``query``
    when the agent searches."""
    check_staff(user)
    query = query.strip()
    if query:
        hits = search(user, query, limit=limit).articles
    else:
        first = (
            Message.objects.filter(ticket=ticket)
            .order_by("created_at", "id")
            .values_list("body", flat=True)
            .first()
        )
        hits = suggest(user, f"{ticket.title} {(first or '')[:FIRST_MESSAGE_CHARS]}", limit)
    return _with_usage(hits)


def _with_usage(hits: list[ArticleHit]) -> list[Suggestion]:
    # One query for the counts, here rather than in every search (the API and the portal
    # search do not show them).
    counts = usage_counts([h.article.pk for h in hits]) if hits else {}
    return [
        Suggestion(
            article=h.article,
            title_html=h.title_html,
            snippet_html=h.snippet_html,
            used_on_tickets=counts.get(h.article.pk, 0),
            url=article_url(h.article.slug),
        )
        for h in hits
    ]
