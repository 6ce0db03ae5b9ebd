"""Business rules of the knowledge base: the only place that changes articles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from sustain.accounts.models import User
from sustain.catalog.models import Product, Version
from sustain.core.errors import Conflict, NotFound, ValidationFailed
from sustain.kb import index
from sustain.kb.attachments import remove_unused_file
from sustain.kb.choices import TRANSITIONS, ArticleStatus, Audience, TicketLinkKind
from sustain.kb.models import (
    Article,
    ArticleEvent,
    ArticleRevision,
    ArticleSlug,
    ArticleTicketLink,
    ArticleVote,
    Category,
    Deflection,
    Tag,
)
from sustain.kb.rendering import plain_text, render_markdown
from sustain.kb.selectors import check_writer, get_article_for
from sustain.tickets.choices import Kind
from sustain.tickets.selectors import get_ticket_for

MAX_BODY = 200_000
# Fields whose change makes a new revision (the rest is metadata).
_CONTENT = ("title", "summary", "body")


@dataclass
class ArticleData:
    title: str
    body: str = ""
    summary: str = ""
    category_id: int | None = None
    tags: Sequence[str] = ()
    audience: str = Audience.PUBLIC
    product_ids: Sequence[int] = ()
    version_ids: Sequence[int] = ()
    owner_id: int | None = None
    review_by: date | None = None


# --- articles -----------------------------------------------------------------------------
def create_article(*, actor: User, data: ArticleData) -> Article:
    check_writer(actor)
    with transaction.atomic():
        now = timezone.now()
        article = Article(created_at=now, updated_at=now, owner=actor)
        _apply(article, vars(data), actor)
        article.slug = _free_slug(article.title)
        article.save()
        _apply_relations(article, vars(data))
        _revise(article, actor, note="created")
        _event(article, actor, "created")
        index.index_articles([article])
    return article


def update_article(
    *,
    actor: User,
    article_id: int,
    changes: dict[str, Any],
    expected_revision: int | None = None,
    seen_event: int | None = None,
) -> Article:
    """Change the fields in ``changes`` (names as in ArticleData); a content change makes a
    revision, a title change a new permalink (the old one keeps working).

    An editor passes the revision it showed (``expected_revision``) and the last event it
    knew of (``seen_event``): a save by someone else since then is refused (409) rather than
    silently overwritten."""
    check_writer(actor)
    with transaction.atomic():
        article = get_article_for(actor, article_id, for_update=True)
        if expected_revision is not None:
            _check_not_stale(article, actor, expected_revision, seen_event)
        before = {name: getattr(article, name) for name in _CONTENT}
        _apply(article, changes, actor)
        if article.title != before["title"]:
            _move_slug(article)
        article.updated_at = timezone.now()
        article.save()
        _apply_relations(article, changes)
        if any(getattr(article, name) != before[name] for name in _CONTENT):
            _revise(article, actor, note=str(changes.get("note", ""))[:200])
        _event(article, actor, "updated", ", ".join(sorted(k for k in changes if k != "note")))
        index.index_articles([article])
    return article


def _check_not_stale(
    article: Article, actor: User, expected_revision: int, seen_event: int | None
) -> None:
    latest = article.revisions.select_related("editor").order_by("-number").first()
    if latest is not None and latest.number != expected_revision:
        _refuse_stale(latest.editor, latest.created_at, f"revision {latest.number}")
    if seen_event is None:
        return
    # Field changes without new content (category, tags, owner…) make no revision; the
    # event log has them. The actor's own saves in between are no conflict.
    other = (
        article.events.filter(pk__gt=seen_event, action="updated")
        .exclude(actor=actor)
        .select_related("actor")
        .order_by("-pk")
        .first()
    )
    if other is not None:
        _refuse_stale(other.actor, other.created_at, f"changes to {other.detail or 'the article'}")


def _refuse_stale(editor: User, when: Any, what: str) -> None:
    stamp = timezone.localtime(when).strftime("%Y-%m-%d %H:%M %Z")
    raise Conflict(
        f"{editor.display_name} saved {what} at {stamp}, after you opened the article. "
        "Your text is kept below: compare it with the current version, then save again "
        "to replace theirs.",
        errors={"revision": [f"saved by {editor.display_name} at {stamp}"]},
    )


def transition_article(*, actor: User, article_id: int, status: str) -> Article:
    check_writer(actor)
    with transaction.atomic():
        article = get_article_for(actor, article_id, for_update=True)
        allowed = TRANSITIONS.get(article.status, frozenset())
        if status not in allowed:
            listed = ", ".join(sorted(allowed)) or "none"
            raise Conflict(
                f"An article in status '{article.status}' cannot move to '{status}'. "
                f"Allowed: {listed}.",
                errors={"status": [f"allowed transitions: {listed}"]},
            )
        previous = article.status
        article.status = status
        article.updated_at = timezone.now()
        if status == ArticleStatus.PUBLISHED:
            article.published_at = article.updated_at
        article.save(update_fields=["status", "updated_at", "published_at"])
        index.sync_facets(article)
        _event(article, actor, "transition", f"{previous} → {status}")
    return article


def delete_article(*, actor: User, article_id: int) -> None:
    """Drafts and archived articles may go; a published one is archived first."""
    check_writer(actor)
    with transaction.atomic():
        article = get_article_for(actor, article_id, for_update=True)
        if article.status not in (ArticleStatus.DRAFT, ArticleStatus.ARCHIVED):
            raise Conflict("Archive the article before deleting it.")
        index.unindex_article(article.pk)
        stored = list(article.attachments.values_list("file", "sha256"))
        article.delete()
        for name, sha256 in stored:
            # Files shared with another article stay (see kb.attachments).
            transaction.on_commit(partial(remove_unused_file, name, sha256))


def restore_revision(*, actor: User, article_id: int, number: int) -> Article:
    check_writer(actor)
    with transaction.atomic():
        article = get_article_for(actor, article_id)
        revision = article.revisions.filter(number=number).first()
        if revision is None:
            raise NotFound(f"Article {article_id} has no revision {number}.")
        return update_article(
            actor=actor,
            article_id=article_id,
            changes={
                "title": revision.title,
                "summary": revision.summary,
                "body": revision.body,
                "note": f"restored revision {number}",
            },
        )


def create_category(*, actor: User, name: str, parent_id: int | None = None) -> Category:
    check_writer(actor)
    name = _text("name", name, 120, required=True)
    with transaction.atomic():
        parent = None
        if parent_id is not None:
            parent = Category.objects.filter(pk=parent_id).first()
            if parent is None:
                raise ValidationFailed.field("parent_id", f"No category with id {parent_id}.")
        base = slugify(name)[:120] or "category"
        slug, n = base, 1
        while Category.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return Category.objects.create(name=name, slug=slug, parent=parent)


# --- readers' traces ----------------------------------------------------------------------
def record_view(*, article: Article) -> None:
    # One UPDATE with F(): concurrent readers never lose a count.
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def vote_article(*, actor: User, article_id: int, helpful: bool, comment: str = "") -> ArticleVote:
    comment = _text("comment", comment, 1000)
    with transaction.atomic():
        article = get_article_for(actor, article_id)
        vote, _ = ArticleVote.objects.update_or_create(
            article=article,
            user=actor,
            defaults={"helpful": helpful, "comment": comment, "created_at": timezone.now()},
        )
    return vote


def record_deflection(*, actor: User, article_id: int, query: str = "") -> Deflection:
    """The portal reports that ``actor`` opened a suggested article and left the new-request
    form without submitting: a request the knowledge base answered."""
    with transaction.atomic():
        article = get_article_for(actor, article_id)
        return Deflection.objects.create(
            article=article, user=actor, query=_text("query", query, 500)
        )


# --- articles and tickets -----------------------------------------------------------------
def link_ticket(*, actor: User, article_id: int, ref: str, kind: str) -> ArticleTicketLink:
    check_writer(actor)
    with transaction.atomic():
        article = get_article_for(actor, article_id)
        ticket = get_ticket_for(actor, ref)
        if kind == TicketLinkKind.KNOWN_ERROR and ticket.kind != Kind.PROBLEM:
            raise ValidationFailed.field("kind", "Only a problem ticket has a known-error record.")
        link, created = ArticleTicketLink.objects.get_or_create(
            article=article, ticket=ticket, kind=kind, defaults={"created_by": actor}
        )
        if created:
            _event(article, actor, "ticket_linked", f"{kind} {ticket.number}")
    return link


def unlink_ticket(*, actor: User, article_id: int, link_id: int) -> None:
    check_writer(actor)
    with transaction.atomic():
        article = get_article_for(actor, article_id)
        link = article.ticket_links.filter(pk=link_id).select_related("ticket").first()
        if link is None:
            raise NotFound(f"No link {link_id} on article {article_id}.")
        get_ticket_for(actor, link.ticket_id)  # the actor must see the ticket too
        _event(article, actor, "ticket_unlinked", f"{link.kind} {link.ticket.number}")
        link.delete()


# --- helpers ------------------------------------------------------------------------------
def _text(name: str, value: Any, limit: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed.field(name, "This field is required.")
    if len(text) > limit:
        raise ValidationFailed.field(name, f"At most {limit} characters.")
    return text


def _apply(article: Article, data: dict[str, Any], actor: User) -> None:
    if "title" in data:
        article.title = _text("title", data["title"], 200, required=True)
    if "summary" in data:
        article.summary = _text("summary", data["summary"], 500)
    if "body" in data:
        body = str(data["body"] or "")
        if len(body) > MAX_BODY:
            raise ValidationFailed.field("body", f"At most {MAX_BODY} characters.")
        article.body = body
        article.body_html = render_markdown(body)
        article.body_text = plain_text(article.body_html)
    if "audience" in data:
        if data["audience"] not in Audience.values:
            raise ValidationFailed.field("audience", f"One of {', '.join(Audience.values)}.")
        article.audience = data["audience"]
    if "category_id" in data:
        category_id = data["category_id"]
        if category_id is not None and not Category.objects.filter(pk=category_id).exists():
            raise ValidationFailed.field("category_id", f"No category with id {category_id}.")
        article.category_id = category_id
    if "review_by" in data:
        article.review_by = data["review_by"]
    if data.get("owner_id") is not None:
        owner = User.objects.filter(pk=data["owner_id"], is_active=True).first()
        if owner is None or not owner.is_staff_member:
            raise ValidationFailed.field("owner_id", "The owner must be an active staff user.")
        article.owner = owner


def _apply_relations(article: Article, data: dict[str, Any]) -> None:
    if "tags" in data:
        names = sorted({_text("tags", t, 60) for t in data["tags"]} - {""})
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
        Tag.objects.bulk_create(
            [Tag(name=n) for n in names if n not in existing], ignore_conflicts=True
        )
        article.tags.set(Tag.objects.filter(name__in=names))
    if "product_ids" in data:
        article.products.set(_existing(Product, "product_ids", data["product_ids"]))
    if "version_ids" in data:
        article.versions.set(_existing(Version, "version_ids", data["version_ids"]))


def _existing[M: (Product, Version)](model: type[M], key: str, ids: Sequence[int]) -> list[M]:
    wanted = set(ids)
    found = list(model.objects.filter(pk__in=wanted))
    missing = sorted(wanted - {obj.pk for obj in found})
    if missing:
        raise ValidationFailed.field(key, f"No {model.__name__.lower()} ids {missing}.")
    return found


def _free_slug(title: str, *, article_id: int | None = None) -> str:
    base = slugify(title)[:200] or "article"
    slug, n = base, 1
    others = Article.objects.all()
    old_slugs = ArticleSlug.objects.all()
    if article_id is not None:
        others = others.exclude(pk=article_id)
        old_slugs = old_slugs.exclude(article_id=article_id)
    while others.filter(slug=slug).exists() or old_slugs.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _move_slug(article: Article) -> None:
    new = _free_slug(article.title, article_id=article.pk)
    if new == article.slug:
        return
    ArticleSlug.objects.get_or_create(slug=article.slug, defaults={"article": article})
    # Going back to an earlier title makes its slug current again.
    ArticleSlug.objects.filter(article=article, slug=new).delete()
    article.slug = new


def _revise(article: Article, actor: User, *, note: str) -> ArticleRevision:
    last = article.revisions.aggregate(n=Max("number"))["n"] or 0
    return ArticleRevision.objects.create(
        article=article,
        number=last + 1,
        title=article.title,
        summary=article.summary,
        body=article.body,
        editor=actor,
        note=note,
    )


def _event(article: Article, actor: User, action: str, detail: str = "") -> None:
    ArticleEvent.objects.create(article=article, actor=actor, action=action, detail=detail[:300])
