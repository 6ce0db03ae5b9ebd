"""Knowledge-base endpoints. Each parses input, calls one service and shapes the answer.

Reading endpoints also answer anonymous callers (public articles only); the rest need a
signed-in user, and the services decide what each may do.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponsePermanentRedirect
from ninja import File, Query, Router
from ninja import Status as HttpStatus
from ninja.files import UploadedFile

from sustain.accounts.api import actor_of
from sustain.accounts.auth import API_AUTH
from sustain.accounts.schemas import user_ref
from sustain.core.openapi import AllowAnonymous, Problem
from sustain.core.pagination import paginate
from sustain.core.schemas import Id, Quantity, Text
from sustain.core.schemas import Ref as RefOut
from sustain.core.uploads import Upload
from sustain.kb import attachments, reports, revisions, services
from sustain.kb.choices import TRANSITIONS
from sustain.kb.models import Article, ArticleAttachment, ArticleTicketLink, Category
from sustain.kb.reports import ReviewItem
from sustain.kb.schemas import (
    ArticleAttachmentOut,
    ArticleDetail,
    ArticleFilters,
    ArticleIn,
    ArticleOut,
    ArticlePage,
    ArticlePatch,
    ArticleTransitionIn,
    CategoryIn,
    CategoryOut,
    DeflectionIn,
    DeflectionOut,
    DiffOut,
    GapOut,
    HelpfulnessOut,
    KbReportOut,
    ReviewItemOut,
    RevisionOut,
    SearchHitOut,
    SearchOut,
    SearchQuery,
    TicketHitOut,
    TicketLinkIn,
    TicketLinkOut,
    VoteIn,
    VoteOut,
)
from sustain.kb.search import ArticleHit, SearchFilters, search, suggest
from sustain.kb.selectors import (
    check_staff,
    get_article_for,
    resolve_slug,
    user_kind,
    visible_articles,
)
from sustain.kb.usage import with_usage
from sustain.tickets.models import ticket_number
from sustain.tickets.selectors import get_ticket_for, visible_tickets

router = Router(tags=["knowledge base"])
V1 = "/api/v1"


# Last in the list: callers without valid credentials read as anonymous visitors.
PUBLIC = [*API_AUTH, AllowAnonymous()]


def _reader(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# --- shaping ------------------------------------------------------------------------------
def article_out(article: Article) -> ArticleOut:
    category = article.category
    return ArticleOut(
        id=article.pk,
        slug=article.slug,
        title=article.title,
        summary=article.summary,
        audience=article.audience,  # type: ignore[arg-type]
        status=article.status,  # type: ignore[arg-type]
        category=RefOut(id=category.pk, name=category.name) if category else None,
        review_by=article.review_by,
        view_count=article.view_count,
        updated_at=article.updated_at,
        published_at=article.published_at,
        url=f"{V1}/kb/articles/{article.pk}",
        used_on_tickets=getattr(article, "used_on_tickets", None),  # usage.with_usage()
    )


def article_detail(user: Any, article: Article) -> ArticleDetail:
    votes = article.votes.aggregate(
        up=Count("id", filter=Q(helpful=True)), down=Count("id", filter=Q(helpful=False))
    )
    used = article.ticket_links.values("ticket_id").distinct().count()
    writer = user_kind(user) == "staff"
    return ArticleDetail(
        **article_out(article).model_dump(exclude={"used_on_tickets"}),
        body=article.body,
        body_html=article.body_html,
        tags=[t.name for t in article.tags.all()],
        products=[RefOut(id=p.pk, name=p.name) for p in article.products.all()],
        versions=[RefOut(id=v.pk, name=str(v)) for v in article.versions.select_related("product")],
        owner=user_ref(article.owner),  # type: ignore[arg-type]
        old_slugs=[s.slug for s in article.old_slugs.all()] if writer else [],
        helpful=votes["up"],
        not_helpful=votes["down"],
        used_on_tickets=used,
        allowed_transitions=sorted(TRANSITIONS[article.status]) if writer else [],  # type: ignore[arg-type]
    )


def hit_out(hit: ArticleHit) -> SearchHitOut:
    return SearchHitOut(
        article=article_out(hit.article),
        score=hit.score,
        title_html=hit.title_html,
        snippet_html=hit.snippet_html,
    )


def link_out(link: ArticleTicketLink) -> TicketLinkOut:
    return TicketLinkOut(
        id=link.pk,
        article_id=link.article_id,
        article_title=link.article.title,
        ticket=ticket_number(link.ticket_id),
        ticket_title=link.ticket.title,
        kind=link.kind,  # type: ignore[arg-type]
        created_at=link.created_at,
    )


def attachment_out(attachment: ArticleAttachment, article: Article) -> ArticleAttachmentOut:
    return ArticleAttachmentOut(
        id=attachment.pk,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        is_image=attachments.is_image(attachment),
        url=attachments.file_url(attachment, article.slug),
        download_url=f"{V1}/kb/articles/{article.pk}/attachments/{attachment.pk}",
        markdown=attachments.markdown_for(attachment, article.slug),
        created_at=attachment.created_at,
    )


def review_item_out(item: ReviewItem) -> ReviewItemOut:
    return ReviewItemOut(
        **article_out(item.article).model_dump(), reason=item.reason, reasons=item.reasons
    )


def _data(payload: ArticleIn) -> services.ArticleData:
    return services.ArticleData(**payload.dict())


# --- reading ------------------------------------------------------------------------------
@router.get("/kb/articles", response=ArticlePage, auth=PUBLIC, summary="Articles you can read")
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> ArticlePage:
    articles = with_usage(visible_articles(_reader(request)).select_related("category"))
    if filters.status:
        articles = articles.filter(status=filters.status)
    if filters.category_id is not None:
        articles = articles.filter(category_id=filters.category_id)
    if filters.product_id is not None:
        articles = articles.filter(products=filters.product_id)
    page = paginate(articles, order="-updated_at", cursor=filters.cursor, limit=filters.limit)
    return ArticlePage(items=[article_out(a) for a in page.items], next_cursor=page.next_cursor)


@router.get("/kb/articles/{article_id}", response=ArticleDetail, auth=PUBLIC)
def get_article(request: HttpRequest, article_id: Id) -> ArticleDetail:
    """One article; reading it counts as a view."""
    user = _reader(request)
    article = get_article_for(user, article_id)
    services.record_view(article=article)
    return article_detail(user, article)


@router.get(
    "/kb/permalinks/{slug}",
    response={200: ArticleDetail, 301: None},
    auth=PUBLIC,
    summary="An article by its permalink; an old slug redirects to the current one",
)
def get_permalink(request: HttpRequest, slug: Text) -> Any:
    user = _reader(request)
    article, current = resolve_slug(user, slug)
    if not current:
        return HttpResponsePermanentRedirect(f"{V1}/kb/permalinks/{article.slug}")
    services.record_view(article=article)
    return article_detail(user, article)


@router.get("/kb/search", response=SearchOut, auth=PUBLIC, summary="Search articles (and tickets)")
def search_kb(request: HttpRequest, params: Query[SearchQuery]) -> SearchOut:
    filters = SearchFilters(
        category_id=params.category_id,
        product_id=params.product_id,
        audience=params.audience,
        status=params.status,
    )
    result = search(
        _reader(request), params.q, filters, params.limit, include_tickets=params.tickets
    )
    return SearchOut(
        query=result.query,
        articles=[hit_out(h) for h in result.articles],
        tickets=[
            TicketHitOut(
                number=ticket_number(t.pk), title=t.title, status=t.status, updated_at=t.updated_at
            )
            for t in result.tickets
        ],
        expansions=result.expansions,
    )


@router.get(
    "/kb/suggest",
    response=list[SearchHitOut],
    auth=PUBLIC,
    summary="Articles for a request being written (the portal calls this while one types)",
)
def suggest_articles(
    request: HttpRequest, text: Text = "", limit: Quantity = 5
) -> list[SearchHitOut]:
    return [hit_out(h) for h in suggest(_reader(request), text, limit)]


@router.get("/kb/categories", response=list[CategoryOut], auth=PUBLIC)
def list_categories(request: HttpRequest) -> list[CategoryOut]:
    return [
        CategoryOut(id=c.pk, name=c.name, slug=c.slug, parent_id=c.parent_id)
        for c in Category.objects.all()
    ]


# --- writing ------------------------------------------------------------------------------
@router.post("/kb/categories", response={201: CategoryOut})
def create_category(request: HttpRequest, payload: CategoryIn) -> HttpStatus[CategoryOut]:
    c = services.create_category(
        actor=actor_of(request), name=payload.name, parent_id=payload.parent_id
    )
    return HttpStatus(201, CategoryOut(id=c.pk, name=c.name, slug=c.slug, parent_id=c.parent_id))


@router.post("/kb/articles", response={201: ArticleDetail}, summary="Write an article (draft)")
def create_article(request: HttpRequest, payload: ArticleIn) -> HttpStatus[ArticleDetail]:
    actor = actor_of(request)
    article = services.create_article(actor=actor, data=_data(payload))
    return HttpStatus(201, article_detail(actor, article))


@router.patch("/kb/articles/{article_id}", response=ArticleDetail)
def update_article(request: HttpRequest, article_id: Id, payload: ArticlePatch) -> ArticleDetail:
    actor = actor_of(request)
    changes = payload.dict(exclude_unset=True)
    article = services.update_article(actor=actor, article_id=article_id, changes=changes)
    return article_detail(actor, article)


@router.delete("/kb/articles/{article_id}", response={204: None, 409: Problem})
def delete_article(request: HttpRequest, article_id: Id) -> HttpStatus[None]:
    services.delete_article(actor=actor_of(request), article_id=article_id)
    return HttpStatus(204, None)


@router.post("/kb/articles/{article_id}/transitions", response={200: ArticleDetail, 409: Problem})
def transition_article(
    request: HttpRequest, article_id: Id, payload: ArticleTransitionIn
) -> ArticleDetail:
    actor = actor_of(request)
    article = services.transition_article(actor=actor, article_id=article_id, status=payload.status)
    return article_detail(actor, article)


@router.get("/kb/articles/{article_id}/revisions", response={200: list[RevisionOut], 403: Problem})
def list_revisions(request: HttpRequest, article_id: Id) -> list[RevisionOut]:
    found = revisions.list_revisions(user=actor_of(request), article_id=article_id)
    return [
        RevisionOut(
            number=r.number,
            title=r.title,
            editor=user_ref(r.editor),  # type: ignore[arg-type]
            note=r.note,
            created_at=r.created_at,
        )
        for r in found
    ]


@router.get(
    "/kb/articles/{article_id}/diff",
    response={200: DiffOut, 403: Problem},
    summary="Compare two revisions",
)
def diff_revisions(
    request: HttpRequest, article_id: Id, old: Quantity | None = None, new: Quantity | None = None
) -> DiffOut:
    """From revision ``old`` (default: the one before ``new``) to ``new`` (default: the
    latest)."""
    old, new, diff = revisions.diff_revisions(
        user=actor_of(request), article_id=article_id, old=old, new=new
    )
    return DiffOut(old=old, new=new, diff=diff)


@router.post("/kb/articles/{article_id}/revisions/{number}/restore", response=ArticleDetail)
def restore_revision(request: HttpRequest, article_id: Id, number: Id) -> ArticleDetail:
    actor = actor_of(request)
    article = services.restore_revision(actor=actor, article_id=article_id, number=number)
    return article_detail(actor, article)


@router.post("/kb/articles/{article_id}/votes", response={201: VoteOut})
def vote_article(request: HttpRequest, article_id: Id, payload: VoteIn) -> HttpStatus[VoteOut]:
    vote = services.vote_article(
        actor=actor_of(request),
        article_id=article_id,
        helpful=payload.helpful,
        comment=payload.comment,
    )
    return HttpStatus(
        201, VoteOut(article_id=vote.article_id, helpful=vote.helpful, comment=vote.comment)
    )


@router.post(
    "/kb/deflections",
    response={201: DeflectionOut, 404: Problem},
    summary="Record a deflected request (the portal calls this)",
)
def record_deflection(request: HttpRequest, payload: DeflectionIn) -> HttpStatus[DeflectionOut]:
    deflection = services.record_deflection(
        actor=actor_of(request), article_id=payload.article_id, query=payload.query
    )
    return HttpStatus(201, DeflectionOut(id=deflection.pk, article_id=deflection.article_id))


# --- images and files ---------------------------------------------------------------------
@router.get(
    "/kb/articles/{article_id}/attachments",
    response=list[ArticleAttachmentOut],
    auth=PUBLIC,
    summary="An article's images and files (whoever reads the article)",
)
def list_attachments(request: HttpRequest, article_id: Id) -> list[ArticleAttachmentOut]:
    article = get_article_for(_reader(request), article_id)
    return [attachment_out(a, article) for a in attachments.attachments_of(article)]


@router.post(
    "/kb/articles/{article_id}/attachments",
    response={201: list[ArticleAttachmentOut]},
    summary="Upload images or files (multipart, field `files`); all or none are stored",
)
def upload_attachments(
    request: HttpRequest, article_id: Id, files: File[list[UploadedFile]]
) -> HttpStatus[list[ArticleAttachmentOut]]:
    actor = actor_of(request)
    uploads = [Upload.from_file(f) for f in files]
    stored = attachments.add_attachments(actor=actor, article_id=article_id, uploads=uploads)
    article = get_article_for(actor, article_id)
    return HttpStatus(201, [attachment_out(a, article) for a in stored])


@router.get(
    "/kb/articles/{article_id}/attachments/{attachment_id}",
    response={200: None},
    auth=PUBLIC,
    summary="Download a file (raster images inline, anything else as a download)",
)
def download_attachment(request: HttpRequest, article_id: Id, attachment_id: Id) -> FileResponse:
    found = attachments.get_attachment_for(_reader(request), article_id, attachment_id)
    return attachments.download(found)


@router.delete("/kb/articles/{article_id}/attachments/{attachment_id}", response={204: None})
def delete_attachment(request: HttpRequest, article_id: Id, attachment_id: Id) -> HttpStatus[None]:
    attachments.delete_attachment(
        actor=actor_of(request), article_id=article_id, attachment_id=attachment_id
    )
    return HttpStatus(204, None)


# --- articles and tickets -----------------------------------------------------------------
@router.get("/kb/articles/{article_id}/tickets", response={200: list[TicketLinkOut], 403: Problem})
def list_article_tickets(request: HttpRequest, article_id: Id) -> list[TicketLinkOut]:
    actor = actor_of(request)
    check_staff(actor)
    article = get_article_for(actor, article_id)
    links = article.ticket_links.filter(
        ticket__in=visible_tickets(actor).values("pk")
    ).select_related("article", "ticket")
    return [link_out(link) for link in links]


@router.post("/kb/articles/{article_id}/tickets", response={201: TicketLinkOut})
def link_ticket(
    request: HttpRequest, article_id: Id, payload: TicketLinkIn
) -> HttpStatus[TicketLinkOut]:
    link = services.link_ticket(
        actor=actor_of(request), article_id=article_id, ref=payload.ticket, kind=payload.kind
    )
    return HttpStatus(201, link_out(link))


@router.delete("/kb/articles/{article_id}/tickets/{link_id}", response={204: None})
def unlink_ticket(request: HttpRequest, article_id: Id, link_id: Id) -> HttpStatus[None]:
    services.unlink_ticket(actor=actor_of(request), article_id=article_id, link_id=link_id)
    return HttpStatus(204, None)


@router.get(
    "/kb/tickets/{ref}/articles",
    response=list[TicketLinkOut],
    summary="Articles linked to a ticket (used on it, or its known-error record)",
)
def list_ticket_articles(request: HttpRequest, ref: Text) -> list[TicketLinkOut]:
    actor = actor_of(request)
    ticket = get_ticket_for(actor, ref)
    links = ArticleTicketLink.objects.filter(
        ticket=ticket, article__in=visible_articles(actor).values("pk")
    ).select_related("article", "ticket")
    return [link_out(link) for link in links]


# --- editors ------------------------------------------------------------------------------
@router.get(
    "/kb/reports",
    response={200: KbReportOut, 403: Problem},
    summary="Content gaps, reach, helpfulness",
)
def kb_report(request: HttpRequest, days: Quantity = 30) -> KbReportOut:
    report = reports.kb_report(user=actor_of(request), days=max(1, min(days, 3650)))
    return KbReportOut(
        days=report.days,
        no_result_searches=[
            GapOut(query=g.query, searches=g.searches) for g in report.no_result_searches
        ],
        most_viewed=[article_out(a) for a in report.most_viewed],
        least_helpful=[
            HelpfulnessOut(
                article=article_out(h.article), helpful=h.helpful, not_helpful=h.not_helpful
            )
            for h in report.least_helpful
        ],
        deflections=report.deflections,
        portal_requests=report.portal_requests,
        deflection_rate=report.deflection_rate,
    )


@router.get(
    "/kb/review-queue",
    response={200: list[ReviewItemOut], 403: Problem},
    summary="An owner's articles due for review (default: yours), each with the reason",
)
def review_queue(request: HttpRequest, owner_id: Id | None = None) -> list[ReviewItemOut]:
    """Due: the review date has come, or the article applies to a version whose end of life
    has come."""
    due = reports.review_queue(user=actor_of(request), owner_id=owner_id)
    return [review_item_out(item) for item in due]
