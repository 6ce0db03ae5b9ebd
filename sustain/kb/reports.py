"""What the knowledge base tells its editors: content gaps, reach, helpfulness, deflection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, FloatField, Q
from django.db.models.functions import Cast
from django.utils import timezone

from sustain.accounts.choices import CUSTOMER_ROLES
from sustain.accounts.models import User
from sustain.kb.choices import ArticleStatus
from sustain.kb.models import Article, Deflection, SearchLog
from sustain.kb.selectors import check_staff, visible_articles
from sustain.tickets.choices import Channel
from sustain.tickets.models import Ticket


@dataclass(frozen=True)
class Gap:
    query: str
    searches: int


@dataclass(frozen=True)
class Helpfulness:
    article: Article
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class KbReport:
    days: int
    no_result_searches: list[Gap]
    most_viewed: list[Article]
    least_helpful: list[Helpfulness]
    deflections: int
    portal_requests: int
    deflection_rate: float | None


def kb_report(*, user: Any, days: int = 30, limit: int = 10) -> KbReport:
    check_staff(user)
    since = timezone.now() - timedelta(days=days)
    gaps = (
        SearchLog.objects.filter(created_at__gte=since, results_count=0)
        .values("query")
        .annotate(n=Count("id"))
        .order_by("-n", "query")[:limit]
    )
    published = (
        visible_articles(user).filter(status=ArticleStatus.PUBLISHED).select_related("category")
    )
    most_viewed = list(published.filter(view_count__gt=0).order_by("-view_count", "id")[:limit])
    voted = (
        published.annotate(
            up=Count("votes", filter=Q(votes__helpful=True)),
            down=Count("votes", filter=Q(votes__helpful=False)),
        )
        .filter(down__gt=0)
        .annotate(share=Cast(F("up"), FloatField()) / (F("up") + F("down")))
        .order_by("share", "-down", "id")[:limit]
    )
    deflections = Deflection.objects.filter(created_at__gte=since).count()
    # Requests customers did submit through the web portal in the same period.
    requests = Ticket.objects.filter(
        created_at__gte=since, channel=Channel.WEB, requester__role__in=CUSTOMER_ROLES
    ).count()
    total = deflections + requests
    return KbReport(
        days=days,
        no_result_searches=[Gap(query=g["query"], searches=g["n"]) for g in gaps],
        most_viewed=most_viewed,
        least_helpful=[Helpfulness(article=a, helpful=a.up, not_helpful=a.down) for a in voted],
        deflections=deflections,
        portal_requests=requests,
        deflection_rate=deflections / total if total else None,
    )


def review_queue(
    *, user: Any, owner_id: int | None = None, today: date | None = None
) -> list[Article]:
    """The owner's articles due for review: their review date has come (the releases
    catalogue has no end-of-life date on versions yet, so that rule waits for it)."""
    staff = check_staff(user)
    owner = staff.pk if owner_id is None else owner_id
    if not User.objects.filter(pk=owner).exists():
        return []
    day = today or timezone.localdate()
    return list(
        visible_articles(user)
        .select_related("category")
        .filter(owner_id=owner, review_by__lte=day)
        .exclude(status=ArticleStatus.ARCHIVED)
        .order_by("review_by", "id")
    )
