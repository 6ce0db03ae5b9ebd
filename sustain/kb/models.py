"""Knowledge-base articles, their history, feedback and the figures the reports read.

The search index is not a model: SQLite keeps it in FTS5 virtual tables and PostgreSQL in a
tsvector column, both created by migration 0002 and kept current by ``sustain.kb.index``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.kb.choices import ArticleStatus, Audience, TicketLinkKind, UserKind
from sustain.tickets.models import Ticket


class Category(models.Model):
    """A node of the category tree (``parent`` is None at the top)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    title = models.CharField(max_length=200)
    # The current permalink; earlier ones live in ArticleSlug and redirect here.
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.CharField(max_length=500, blank=True, default="")
    body = models.TextField(blank=True, default="")  # Markdown, as written
    body_html = models.TextField(blank=True, default="")  # rendered and sanitised
    body_text = models.TextField(blank=True, default="")  # plain text: index and snippets
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    products = models.ManyToManyField(Product, blank=True, related_name="kb_articles")
    versions = models.ManyToManyField(Version, blank=True, related_name="kb_articles")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="kb_articles")
    status = models.CharField(
        max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    review_by = models.DateField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "audience"], name="kb_article_status_idx"),
            models.Index(fields=["owner", "review_by"], name="kb_article_review_idx"),
            models.Index(fields=["-view_count"], name="kb_article_views_idx"),
            # Narrow and covering: search filters its candidates here, not in the wide rows.
            models.Index(
                fields=["id", "status", "audience", "category"], name="kb_article_filter_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleSlug(models.Model):
    """A slug the article had before a title change; its permalink redirects."""

    slug = models.SlugField(max_length=220, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")

    def __str__(self) -> str:
        return self.slug


def article_file_path(instance: ArticleAttachment, filename: str) -> str:
    # Named by content, never by the uploader's file name: no path tricks, no collisions.
    return f"kb/{instance.sha256[:2]}/{instance.sha256}"


class ArticleAttachment(models.Model):
    """An image or file of an article, served under the article's permalink."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=article_file_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class ArticleRevision(models.Model):
    """The article's content after each save."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500, blank=True, default="")
    body = models.TextField(blank=True, default="")
    editor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class ArticleEvent(models.Model):
    """Who changed the article's workflow or links, and when (the KB's activity log)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=30)
    detail = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["article", "created_at"], name="kb_event_article_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.detail}"


class ArticleVote(models.Model):
    """Helpful or not; one per signed-in user and article (a new vote replaces the old)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="kb_votes")
    helpful = models.BooleanField()
    comment = models.CharField(max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="kb_vote_one_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'helpful' if self.helpful else 'not helpful'}"


class ArticleTicketLink(models.Model):
    """An article used on a ticket, or the known-error record of a problem ticket.

    The link lives here, not on the ticket: tickets know nothing of the knowledge base.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="kb_links")
    kind = models.CharField(max_length=12, choices=TicketLinkKind.choices)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "ticket", "kind"], name="kb_ticket_link_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.kind} {self.ticket_id}"


class Term(models.Model):
    """Every word of the indexed articles: the vocabulary for prefix and typo matching."""

    word = models.CharField(max_length=40, unique=True)

    def __str__(self) -> str:
        return self.word


class SearchLog(models.Model):
    query = models.CharField(max_length=200)
    results_count = models.PositiveIntegerField()
    user_kind = models.CharField(max_length=10, choices=UserKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="kb_searchlog_created_idx")]

    def __str__(self) -> str:
        return self.query


class Deflection(models.Model):
    """A customer opened a suggested article and left without submitting the request."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    query = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="kb_deflection_created_idx")]

    def __str__(self) -> str:
        return f"deflection by article {self.article_id}"
