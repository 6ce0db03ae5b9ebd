from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from sustain.accounts.schemas import UserRef
from sustain.core.schemas import Id, In, Out, Ref, omittable
from sustain.kb.choices import ArticleStatus, Audience, TicketLinkKind


# --- input --------------------------------------------------------------------------------
class ArticleIn(In):
    title: str = Field(..., max_length=200)
    body: str = ""
    summary: str = Field("", max_length=500)
    category_id: Id | None = None
    tags: list[str] = []
    audience: Audience = Audience.PUBLIC
    product_ids: list[Id] = []
    version_ids: list[Id] = []
    owner_id: Id | None = None
    review_by: date | None = None


class ArticlePatch(In):
    title: str = omittable(max_length=200)
    body: str | None = None
    summary: str | None = Field(None, max_length=500)
    category_id: Id | None = None
    tags: list[str] = omittable()
    audience: Audience = omittable()
    product_ids: list[Id] = omittable()
    version_ids: list[Id] = omittable()
    owner_id: Id | None = None
    review_by: date | None = None
    note: str = Field("", max_length=200, description="Why: kept with the revision.")


class ArticleTransitionIn(In):
    status: ArticleStatus


class VoteIn(In):
    helpful: bool
    comment: str = Field("", max_length=1000)


class DeflectionIn(In):
    article_id: Id
    query: str = Field("", max_length=500, description="What the customer had typed.")


class CategoryIn(In):
    name: str = Field(..., max_length=120)
    parent_id: Id | None = None


class TicketLinkIn(In):
    ticket: str = Field(..., description="The ticket number, e.g. SUS-12.")
    kind: TicketLinkKind = TicketLinkKind.USED


class SearchQuery(In):
    q: str = Field("", max_length=200)
    category_id: Id | None = None
    product_id: Id | None = None
    audience: Audience | None = None
    status: ArticleStatus | None = Field(None, description="Staff only; others see published.")
    limit: int = Field(10, ge=1, le=50)
    tickets: bool = Field(False, description="Staff: also return matching tickets.")


class ArticleFilters(In):
    status: ArticleStatus | None = None
    category_id: Id | None = None
    product_id: Id | None = None
    cursor: str | None = None
    limit: int = Field(25, ge=1, le=100)


# --- output -------------------------------------------------------------------------------
class CategoryOut(Out):
    id: int
    name: str
    slug: str
    parent_id: int | None


class ArticleOut(Out):
    id: int
    slug: str
    title: str
    summary: str
    audience: Audience
    status: ArticleStatus
    category: Ref | None
    review_by: date | None
    view_count: int
    updated_at: datetime
    published_at: datetime | None
    url: str
    used_on_tickets: int | None = Field(
        None, description="Tickets the article was used on; in lists and details, else null."
    )


class ArticlePage(Out):
    items: list[ArticleOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")


class ArticleDetail(ArticleOut):
    body: str
    body_html: str = Field(..., description="Rendered from Markdown and sanitised.")
    tags: list[str]
    products: list[Ref]
    versions: list[Ref]
    owner: UserRef
    old_slugs: list[str]
    helpful: int
    not_helpful: int
    used_on_tickets: int
    allowed_transitions: list[ArticleStatus]


class SearchHitOut(Out):
    article: ArticleOut
    score: float
    title_html: str = Field(..., description="Escaped title; matches in <mark>.")
    snippet_html: str = Field(..., description="Escaped text around the match; <mark>.")


class TicketHitOut(Out):
    number: str
    title: str
    status: str
    updated_at: datetime


class SearchOut(Out):
    query: str
    articles: list[SearchHitOut]
    tickets: list[TicketHitOut]
    expansions: dict[str, list[str]] = Field(
        ..., description="Words the query was widened to (prefixes, typo corrections)."
    )


class RevisionOut(Out):
    number: int
    title: str
    editor: UserRef
    note: str
    created_at: datetime


class DiffOut(Out):
    old: int
    new: int
    diff: str = Field(..., description="A unified diff of title, summary and body.")


class VoteOut(Out):
    article_id: int
    helpful: bool
    comment: str


class DeflectionOut(Out):
    id: int
    article_id: int


class TicketLinkOut(Out):
    id: int
    article_id: int
    article_title: str
    ticket: str
    ticket_title: str
    kind: TicketLinkKind
    created_at: datetime


class GapOut(Out):
    query: str
    searches: int


class HelpfulnessOut(Out):
    article: ArticleOut
    helpful: int
    not_helpful: int


class KbReportOut(Out):
    days: int
    no_result_searches: list[GapOut]
    most_viewed: list[ArticleOut]
    least_helpful: list[HelpfulnessOut]
    deflections: int
    portal_requests: int
    deflection_rate: float | None = Field(
        ..., description="deflections / (deflections + requests customers submitted on the web)"
    )


class ReviewItemOut(ArticleOut):
    reason: str = Field(..., description="Why it is due, every reason joined with '; '.")
    reasons: list[str] = Field(
        ...,
        description='e.g. "review date 2026-11-01 passed", '
        '"applies to Acme 2.1, end of life 2026-10-31".',
    )


class ArticleAttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    is_image: bool = Field(..., description="A raster image, shown inline in the article.")
    url: str = Field(..., description="The file under the article's permalink (web pages).")
    download_url: str
    markdown: str = Field(..., description="What to put into the body to show or link it.")
    created_at: datetime
