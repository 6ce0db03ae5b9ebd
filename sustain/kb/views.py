"""Knowledge-base pages: search and read (public, customers, staff). Thin: the services decide."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sustain.accounts.access import signed_in_user
from sustain.accounts.models import User
from sustain.core.errors import NotFound, ServiceError
from sustain.core.htmx import render_page
from sustain.core.ids import parse_id
from sustain.kb import attachments, services
from sustain.kb.models import Category
from sustain.kb.search import SearchFilters, search
from sustain.kb.selectors import resolve_slug
from sustain.kb.usage import usage_for


def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    category = request.GET.get("category", "")
    filters = SearchFilters(category_id=parse_id(category))
    result = search(request.user, query, filters, 20) if query else None
    context = {
        "nav": "kb",
        "query": query,
        "result": result,
        "categories": Category.objects.filter(parent__isnull=True),
        "category": filters.category_id,
    }
    return render_page(request, "kb/index.html", context, partial="results")


def article(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        found, current = resolve_slug(request.user, slug)
    except NotFound:
        return render_page(request, "kb/missing.html", {"nav": "kb"}, status=404)
    if not current:
        return HttpResponseRedirect(reverse("kb:article", args=[found.slug]), status=301)
    services.record_view(article=found)
    context = {"nav": "kb", "article": found, "voted": request.GET.get("voted") == "1"}
    if isinstance(request.user, User) and request.user.is_staff_member:
        context["usage"] = usage_for(request.user, found)
    return render_page(request, "kb/article.html", context)


@login_required
@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        found, _ = resolve_slug(user, slug)
        services.vote_article(
            actor=user,
            article_id=found.pk,
            helpful=request.POST.get("helpful") == "yes",
            comment=request.POST.get("comment", ""),
        )
    except NotFound:
        return render_page(request, "kb/missing.html", {"nav": "kb"}, status=404)
    except ServiceError as error:
        return HttpResponse(error.detail, status=error.status)
    return redirect(reverse("kb:article", args=[found.slug]) + "?voted=1")


@require_GET
def file(request: HttpRequest, slug: str, attachment_id: int, filename: str) -> FileResponse:
    """An article's image or file, for whoever may read the article (404 for anyone else,
    never 403: a hidden article's files do not admit they exist)."""
    found = attachments.get_attachment_by_slug(request.user, slug, attachment_id)
    return attachments.download(found)
