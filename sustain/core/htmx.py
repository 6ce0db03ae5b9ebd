"""Full pages and htmx fragments from the same view and the same template.

A page template marks its swappable regions with Django's ``{% partialdef name %}``; an htmx
request gets only the region its ``HX-Target`` asks for (or the one the view names), a normal
request the whole page. One helper, so every view decides the same way.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render ``template``, or only ``template#partial`` for an htmx request that is not
    boosted (a boosted request is a navigation and wants the whole page), nor a history
    restore (htmx refetches a page it pushed with hx-push-url and swaps it into the body)."""
    htmx = getattr(request, "htmx", None)
    if partial and htmx and not htmx.boosted and not htmx.history_restore_request:
        template = f"{template}#{partial}"
    return render(request, template, context, status=status)
