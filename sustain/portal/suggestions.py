"""Help articles suggested while a customer writes a request (the knowledge base's search)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sustain.accounts.access import customer_required, signed_in_user
from sustain.kb.search import suggest

MIN_LETTERS = 4  # fewer letters than this suggest nothing useful


@require_GET
@customer_required
def suggestions(request: HttpRequest) -> HttpResponse:
    text = f"{request.GET.get('subject', '')} {request.GET.get('description', '')}".strip()
    hits = suggest(signed_in_user(request), text, 5) if len(text) >= MIN_LETTERS else []
    return render(request, "portal/partials/suggestions.html", {"hits": hits, "query": text})
