"""Images and files of articles: stored once by content, served under the article's permalink
with the article's own reading rules.

Uploads are checked, stored and served by ``sustain.core.uploads``, as ticket attachments are
(size limit, blocked extensions, the type taken from the bytes; only raster images are shown
inline and everything else is a sandboxed download).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse

from sustain.accounts.models import User
from sustain.core.errors import NotFound
from sustain.core.uploads import (
    CheckedUpload,
    Upload,
    check_uploads,
    content_digest,
    download_response,
    is_inline_image,
    store_once,
)
from sustain.kb.models import Article, ArticleAttachment, ArticleEvent, article_file_path
from sustain.kb.selectors import check_writer, get_article_for, resolve_slug


# --- changing -----------------------------------------------------------------------------
def add_attachments(
    *, actor: User, article_id: int, uploads: list[Upload]
) -> list[ArticleAttachment]:
    """Store every upload or none: one refused file (too large, blocked type, empty) refuses
    the lot before anything is written. Files are read only once the article is found for
    ``actor``."""
    check_writer(actor)
    with transaction.atomic():
        article = get_article_for(actor, article_id)
        stored = [_store(article, actor, checked) for checked in check_uploads(uploads)]
        names = ", ".join(a.filename for a in stored)
        ArticleEvent.objects.create(
            article=article, actor=actor, action="file_added", detail=names[:300]
        )
    return stored


def delete_attachment(*, actor: User, article_id: int, attachment_id: int) -> None:
    check_writer(actor)
    with transaction.atomic():
        article = get_article_for(actor, article_id)
        attachment = article.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise NotFound(f"Article {article_id} has no file {attachment_id}.")
        ArticleEvent.objects.create(
            article=article, actor=actor, action="file_deleted", detail=attachment.filename[:300]
        )
        attachment.delete()
        name, sha256 = attachment.file.name or "", attachment.sha256
        # The stored file is shared by every upload of the same bytes: remove it with the last.
        transaction.on_commit(lambda: remove_unused_file(name, sha256))


def _store(article: Article, actor: User, checked: CheckedUpload) -> ArticleAttachment:
    content = checked.upload.content
    sha256 = content_digest(content)
    attachment = ArticleAttachment(
        article=article,
        uploaded_by=actor,
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(content),
        sha256=sha256,
    )
    store_once(attachment.file, article_file_path(attachment, checked.filename), content)
    attachment.save()
    return attachment


def remove_unused_file(name: str, sha256: str) -> None:
    """Remove a stored file that no article attachment uses any more (after a commit)."""
    if not ArticleAttachment.objects.filter(sha256=sha256).exists():
        ArticleAttachment.file.field.storage.delete(name)


# --- reading ------------------------------------------------------------------------------
def attachments_of(article: Article) -> QuerySet[ArticleAttachment]:
    return article.attachments.order_by("created_at", "id")


def get_attachment_for(user: Any, article_id: int, attachment_id: int) -> ArticleAttachment:
    """A file of an article ``user`` may read; anything else is not found (never 403)."""
    article = get_article_for(user, article_id)
    return _attachment_of(article, attachment_id)


def get_attachment_by_slug(user: Any, slug: str, attachment_id: int) -> ArticleAttachment:
    """The file a page URL names; an earlier slug of the article works too, so images keep
    showing after a title change."""
    article, _ = resolve_slug(user, slug)
    return _attachment_of(article, attachment_id)


def _attachment_of(article: Article, attachment_id: int) -> ArticleAttachment:
    attachment = article.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(f"No file {attachment_id} on this article.")
    attachment.article = article
    return attachment


def is_image(attachment: ArticleAttachment) -> bool:
    return is_inline_image(attachment.content_type)


def file_url(attachment: ArticleAttachment, slug: str) -> str:
    """The page URL of a file; the name is fully quoted so that it is a valid Markdown link."""
    base = reverse("kb:file", args=[slug, attachment.pk, "x"]).removesuffix("x")
    return base + quote(attachment.filename, safe="")


def markdown_for(attachment: ArticleAttachment, slug: str) -> str:
    """What the editor's "Insert" button puts into the body."""
    label = attachment.filename.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    prefix = "!" if is_image(attachment) else ""
    return f"{prefix}[{label}]({file_url(attachment, slug)})"


def download(attachment: ArticleAttachment) -> FileResponse:
    return download_response(attachment)
