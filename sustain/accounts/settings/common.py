"""What every settings view shares: paging."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from sustain.core.errors import ValidationFailed
from sustain.core.pagination import Page, paginate

PAGE_SIZE = 50


def page_of[M: Model](
    request: HttpRequest, queryset: QuerySet[M], *, order: str, param: str = "cursor"
) -> Page[M]:
    """One keyset page of a list page; a cursor that Sustain did not give out (stale, edited
    or forged) starts from the beginning, and the page says so."""
    cursor = request.GET.get(param) or None
    try:
        return paginate(queryset, order=order, cursor=cursor, limit=PAGE_SIZE)
    except ValidationFailed:
        messages.error(request, "That page link no longer works; here is the first page.")
        return paginate(queryset, order=order, cursor=None, limit=PAGE_SIZE)


def query_without(request: HttpRequest, param: str) -> str:
    """The current query string minus ``param``: the base of a pager's links."""
    query = request.GET.copy()
    query.pop(param, None)
    return query.urlencode()
