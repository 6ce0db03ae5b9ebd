"""The staff editor at /kb/manage/: the article list, the editing form with a live preview,
files, workflow buttons and the revision history. Thin: kb.services decide, every change
goes through them (revisions, slugs, events and the search index stay right).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from sustain.accounts.access import signed_in_user, staff_required
from sustain.accounts.models import User
from sustain.accounts.settings.common import page_of, query_without
from sustain.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from sustain.core.htmx import is_htmx, render_page
from sustain.core.ids import parse_id
from sustain.core.permissions import Capability
from sustain.core.uploads import Upload
from sustain.core.web_errors import add_service_error
from sustain.kb import attachments, reports, revisions, services
from sustain.kb.choices import TRANSITIONS, ArticleStatus
from sustain.kb.forms import SERVICE_FIELDS, ArticleForm, ListFilterForm
from sustain.kb.models import Article
from sustain.kb.rendering import render_markdown
from sustain.kb.selectors import edit_marks, visible_articles

EDITOR = "kb/manage/editor.html"
# The button each workflow move gets, in the order they are shown.
TRANSITION_LABELS = {
    ArticleStatus.IN_REVIEW: "Submit for review",
    ArticleStatus.PUBLISHED: "Publish",
    ArticleStatus.DRAFT: "Back to draft",
    ArticleStatus.ARCHIVED: "Archive",
}


# --- the list -----------------------------------------------------------------------------
@staff_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    tab = "review" if request.GET.get("tab") == "review" else "all"
    context: dict[str, Any] = {
        "nav": "kb-manage",
        "tab": tab,
        "can_write": actor.can(Capability.KB_WRITE),
    }
    if tab == "review":
        context["due"] = reports.review_queue(user=actor)
        return render_page(request, "kb/manage/list.html", context)
    form = ListFilterForm(request.GET)
    articles = _filtered(visible_articles(actor), form).select_related("category", "owner")
    context |= {
        "form": form,
        "page": page_of(request, articles, order="-updated_at"),
        "pager_query": query_without(request, "cursor"),
    }
    return render_page(request, "kb/manage/list.html", context, partial="results")


def _filtered(articles: QuerySet[Article], form: ListFilterForm) -> QuerySet[Article]:
    if not form.is_valid():
        return articles
    data = form.cleaned_data
    if data["q"]:
        words = data["q"].split()
        for word in words:
            articles = articles.filter(Q(title__icontains=word) | Q(summary__icontains=word))
    if data["status"]:
        articles = articles.filter(status=data["status"])
    if data["audience"]:
        articles = articles.filter(audience=data["audience"])
    if data["category"]:
        articles = articles.filter(category=data["category"])
    if data["owner"]:
        articles = articles.filter(owner=data["owner"])
    return articles


# --- writing ------------------------------------------------------------------------------
@staff_required
def article_new(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = ArticleForm(request.POST or None, initial={"audience": "public"})
    if request.method == "POST" and form.is_valid():
        try:
            article = services.create_article(
                actor=actor, data=services.ArticleData(**form.data_fields())
            )
        except ServiceError as exc:
            if isinstance(exc, PermissionDenied):
                raise
            add_service_error(form, exc, SERVICE_FIELDS)
        else:
            messages.success(request, "Draft saved. You can now add images and files.")
            return redirect("kb:manage_edit", article_id=article.pk)
    context = {
        "nav": "kb-manage",
        "form": form,
        "article": None,
        "can_write": actor.can(Capability.KB_WRITE),
    }
    return render(request, EDITOR, context, status=422 if form.errors else 200)


@staff_required
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    article = _load(actor, article_id)
    if request.method != "POST":
        form = ArticleForm(initial=ArticleForm.initial_for(article, *edit_marks(article)))
        return render(request, EDITOR, editor_context(actor, article, form))
    form, conflict = ArticleForm(request.POST), False
    if form.is_valid():
        try:
            services.update_article(
                actor=actor,
                article_id=article.pk,
                changes=form.data_fields() | {"note": form.cleaned_data["note"]},
                expected_revision=form.cleaned_data["revision"] or 0,
                seen_event=form.cleaned_data["seen"],
            )
        except ServiceError as exc:
            if isinstance(exc, PermissionDenied):
                raise
            form, conflict = _refused(request, form, article, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("kb:manage_edit", article_id=article.pk)
    context = editor_context(actor, article, form) | {"conflict": conflict}
    status = 409 if conflict else 422
    return render(request, EDITOR, context, status=status)


def _refused(
    request: HttpRequest, form: ArticleForm, article: Article, exc: ServiceError
) -> tuple[ArticleForm, bool]:
    """Show the refusal in the form, keeping what the writer typed; and whether it was a
    conflict. After one the form carries the current marks: saving again knowingly replaces
    the other person's save."""
    if isinstance(exc, Conflict) and "revision" in exc.errors:
        revision, seen = edit_marks(article)
        data = request.POST.copy()
        data["revision"], data["seen"] = str(revision), str(seen)
        form = ArticleForm(data)
        form.is_valid()
        form.add_error(None, exc.detail)
        return form, True
    add_service_error(form, exc, SERVICE_FIELDS)
    return form, False


def editor_context(actor: User, article: Article, form: ArticleForm) -> dict[str, Any]:
    return {
        "nav": "kb-manage",
        "article": article,
        "form": form,
        "can_write": actor.can(Capability.KB_WRITE),
        "transitions": [
            (status, label)
            for status, label in TRANSITION_LABELS.items()
            if status in TRANSITIONS[article.status]
        ],
    } | files_context(article)


def files_context(article: Article, error: str = "") -> dict[str, Any]:
    files = [
        {
            "attachment": a,
            "url": attachments.file_url(a, article.slug),
            "markdown": attachments.markdown_for(a, article.slug),
            "is_image": attachments.is_image(a),
        }
        for a in attachments.attachments_of(article)
    ]
    return {
        "files": files,
        "upload_error": error,
        "max_bytes": settings.SUSTAIN_ATTACHMENT_MAX_BYTES,
    }


@staff_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The body as readers will see it: the same renderer and sanitiser as published pages."""
    body = request.POST.get("body", "")[: services.MAX_BODY]
    return render(request, "kb/manage/preview.html", {"body_html": render_markdown(body)})


@staff_required
@require_POST
def transition(request: HttpRequest, article_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    status = request.POST.get("status", "")
    try:
        article = services.transition_article(actor=actor, article_id=article_id, status=status)
    except Conflict as exc:
        messages.error(request, exc.detail)
    else:
        label = ArticleStatus(article.status).label.lower()
        messages.success(request, f"The article is now {label}.")
    return redirect("kb:manage_edit", article_id=article_id)


# --- files --------------------------------------------------------------------------------
@staff_required
@require_POST
def upload(request: HttpRequest, article_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    uploads = [Upload.from_file(f) for f in request.FILES.getlist("files")]
    error, status = "", 200
    if not uploads:
        error, status = "Choose one or more files first.", 422
    else:
        try:
            attachments.add_attachments(actor=actor, article_id=article_id, uploads=uploads)
        except (NotFound, PermissionDenied):
            raise
        except ServiceError as exc:
            error, status = exc.detail, exc.status
    return _files_answer(request, actor, article_id, error, status)


@staff_required
@require_POST
def delete_file(request: HttpRequest, article_id: int, attachment_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    attachments.delete_attachment(actor=actor, article_id=article_id, attachment_id=attachment_id)
    return _files_answer(request, actor, article_id, "", 200)


def _files_answer(
    request: HttpRequest, actor: User, article_id: int, error: str, status: int
) -> HttpResponse:
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect("kb:manage_edit", article_id=article_id)
    article = _load(actor, article_id)
    context = {"article": article, "can_write": actor.can(Capability.KB_WRITE)}
    return render(
        request, f"{EDITOR}#files", context | files_context(article, error), status=status
    )


# --- history ------------------------------------------------------------------------------
@staff_required
@require_GET
def revision_list(request: HttpRequest, article_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    article = _load(actor, article_id)
    found = revisions.list_revisions(user=actor, article_id=article.pk)
    context = {
        "nav": "kb-manage",
        "article": article,
        "revisions": found,
        "latest": found[0].number if found else 0,
        "can_write": actor.can(Capability.KB_WRITE),
    }
    return render(request, "kb/manage/revisions.html", context)


@staff_required
@require_GET
def diff(request: HttpRequest, article_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    article = _load(actor, article_id)
    old, new = _number(request.GET.get("old")), _number(request.GET.get("new"))
    old, new, text = revisions.diff_revisions(user=actor, article_id=article.pk, old=old, new=new)
    context = {
        "nav": "kb-manage",
        "article": article,
        "old": old,
        "new": new,
        "lines": diff_lines(text),
    }
    return render(request, "kb/manage/diff.html", context)


def diff_lines(text: str) -> list[tuple[str, str]]:
    """Each line of a unified diff with its kind: added, removed, hunk or context."""
    lines = []
    for line in text.splitlines():
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("+"):
            kind = "added"
        elif line.startswith("-"):
            kind = "removed"
        elif line.startswith("@@"):
            kind = "hunk"
        else:
            kind = "context"
        lines.append((kind, line))
    return lines


@staff_required
@require_POST
def restore(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    actor = signed_in_user(request)
    services.restore_revision(actor=actor, article_id=article_id, number=number)
    messages.success(request, f"Revision {number} restored as a new revision.")
    return redirect("kb:manage_edit", article_id=article_id)


# --- helpers ------------------------------------------------------------------------------
def _load(actor: User, article_id: int) -> Article:
    article = visible_articles(actor).select_related("category", "owner").filter(pk=article_id)
    found = article.first()
    if found is None:
        raise Http404(f"No article {article_id}.")
    return found


def _number(value: str | None) -> int | None:
    return parse_id(value)
