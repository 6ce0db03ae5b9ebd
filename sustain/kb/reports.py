"""What the knowledge base tells its editors: content gaps, reach, helpfulness, deflection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, FloatField, Prefetch, Q
from django.db.models.functions import Cast
from django.utils import timezone

from sustain.accounts.choices import CUSTOMER_ROLES
from sustain.accounts.models import User
from sustain.catalog.models import Version
from sustain.core.timefmt import site_today
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


@dataclass(frozen=True)
class ReviewItem:
    article: Article
    reasons: list[str]  # e.g. "review date 2026-11-01 passed"

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def review_queue(
    *, user: Any, owner_id: int | None = None, today: date | None = None
) -> list[ReviewItem]:
    """The owner's articles due for review, each with why: its review date has come, or it
    applies to a version whose end of life has come. Archived articles never are."""
    staff = check_staff(user)
    owner = staff.pk if owner_id is None else owner_id
    if not User.objects.filter(pk=owner).exists():
        return []
    # The site's day, as releases reaches an end of life: not the viewer's.
    day = today or site_today()
    ended = Version.objects.filter(end_of_life__lte=day)
    about_ended = Article.versions.through.objects.filter(version__in=ended).values("article_id")
    articles = (
        visible_articles(user)
        .select_related("category")
        .filter(owner_id=owner)
        .filter(Q(review_by__lte=day) | Q(pk__in=about_ended))
        .exclude(status=ArticleStatus.ARCHIVED)
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ended.select_related("product").order_by("end_of_life", "pk"),
                to_attr="ended_versions",
            )
        )
    )
    items = [ReviewItem(article=a, reasons=_reasons(a, day)) for a in articles]
    return sorted(items, key=lambda item: (_due(item.article), item.article.pk))


def _reasons(article: Article, day: date) -> list[str]:
    reasons = []
    if article.review_by is not None and article.review_by <= day:
        reasons.append(f"review date {article.review_by.isoformat()} passed")
    for version in getattr(article, "ended_versions", []):
        assert version.end_of_life is not None
        reasons.append(f"applies to {version}, end of life {version.end_of_life.isoformat()}")
    return reasons


def _due(article: Article) -> date:
    """The earliest day the article became due: the queue shows the oldest debt first."""
    days = [v.end_of_life for v in getattr(article, "ended_versions", []) if v.end_of_life]
    if article.review_by is not None:
        days.append(article.review_by)
    return min(days, default=date.max)
